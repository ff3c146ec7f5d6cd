/**
 * The options of `RedisStore`: a client of the host's (ioredis, its Cluster, or node-redis) or a URL.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis'
import type { NodeRedisClient } from './redis-node-redis.ts'

/** Options every `RedisStore` takes. */
export interface RedisStoreCommonOptions {
  /**
   * Prepended to every key, so several stores (or test runs) can share one Redis database.
   * Default `'oauth2:'`.
   */
  readonly prefix?: string
  /**
   * Clock in milliseconds since the epoch; defaults to `Date.now`. Entries expire natively after
   * `expiresAt` minus this clock's now, and reads compare `expiresAt` with it too.
   */
  readonly clock?: () => number
  /** How long {@link RedisStore.connect} waits for the server, in milliseconds. Default 5000. */
  readonly connectTimeoutMs?: number
  /**
   * Whether the keys are sharded by hash slot behind the client, so a script may touch only the keys it
   * declares (in their slot). Always so for an ioredis `Cluster`; set it for a client to one address that
   * shards behind it (a proxy such as Envoy's Redis proxy). Otherwise (a single server, with replicas or
   * Sentinel) the token scripts also write the tokens' pointers and a read follows a pointer in the same
   * script, saving a round trip each. Default `false`.
   */
  readonly sharded?: boolean
}

/**
 * A store over a client the host already has, like the seed's `RedisTokenStore(rs=…)`: an ioredis 5
 * `Redis`, or a node-redis 5 client from `createClient()`; which one is told by its shape.
 *
 * The store does not change the client's options, so make it fail fast:
 * - ioredis: `enableOfflineQueue: false`, `maxRetriesPerRequest: 0`, `autoResendUnfulfilledCommands: false`
 *   and a `commandTimeout`;
 * - node-redis: `disableOfflineQueue: true` and `commandOptions: { timeout }`, with the default type mapping.
 *
 * A script resent after a lost reply would run twice, and a second `consumeCode` by the winner reads as
 * reuse. Whatever the options, the store refuses to send while the client is not ready (ioredis `status`,
 * node-redis `isReady`), so a lost backend fails fast, and it never closes the client.
 */
export interface RedisStoreClientOptions extends RedisStoreCommonOptions {
  /** The ioredis or node-redis client to use. */
  readonly client: Redis | Cluster | NodeRedisClient
  readonly url?: never
}

/**
 * A store that makes (and owns) its own client from a URL: always ioredis (the documented default
 * driver, also what `openStore('redis://…')` uses), configured to fail fast: no offline queue, no retry
 * or resend of a command, a command timeout.
 */
export interface RedisStoreUrlOptions extends RedisStoreCommonOptions {
  /** A `redis://` or `rediss://` URL, e.g. `redis://127.0.0.1:6379/0`. */
  readonly url: string
  readonly client?: never
  /** How long a command may take before it is failed, in milliseconds. Default 1000. */
  readonly commandTimeoutMs?: number
}

/** Options of `RedisStore`: an existing client, or a URL. */
export type RedisStoreOptions = RedisStoreClientOptions | RedisStoreUrlOptions
