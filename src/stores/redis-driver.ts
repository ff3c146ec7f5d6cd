/**
 * The seam between the Redis store and its driver: the little the store asks of a connection (send one
 * command, say whether it is ready, connect, close), so the store's logic — its Lua scripts and the few
 * plain commands around them — is written once for ioredis 5 and node-redis 5. Internal: not exported
 * from the package.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { unavailable } from './errors.ts'

/** A reply as the store reads it: RESP2's shapes (RESP3's `false` for a Lua `false` reads as `null`). */
export type RedisReply = string | number | null | RedisReply[]

/** What the store needs of a Redis connection; one adapter per driver (`redis-ioredis.ts`, `redis-node-redis.ts`). */
export interface RedisDriver {
  /** Where the server is, for messages: `host:port` or the socket path (never a password). */
  readonly address: string
  /**
   * What the driver itself puts before every key of a command (ioredis's `keyPrefix`; `''` otherwise).
   * Scripts build their keys from an argument, which no driver prefixes, so they are given it explicitly.
   */
  readonly keyPrefix: string
  /** Whether commands go to a Redis Cluster (keys sharded by hash slot). */
  readonly cluster: boolean
  /**
   * Sends one command. Rejects at once, sending nothing, when the connection is not ready: a command
   * queued or resent across a reconnection could run twice (a second `consumeCode` by its winner reads as
   * reuse and revokes the family).
   */
  send(args: readonly string[]): Promise<RedisReply>
  /** Resolves once the connection is ready, or rejects with the driver's reason after `timeoutMs`. */
  connect(timeoutMs: number): Promise<void>
  /** Ends the connection gracefully (only for a client the store made). */
  close(): Promise<void>
  /** Ends the connection at once and stops reconnecting (only for a client the store made). */
  disconnect(): void
}

/** The rejection of a command the driver did not send because the connection is not ready (`status`: why). */
export function notConnected(status: string): Error {
  return new Error(`not connected (${status})`)
}

/** A driver's reply in the store's shapes: `false` (RESP3) as `null`, bytes as UTF-8 text. */
export function normalizeReply(reply: unknown): RedisReply {
  if (reply === null || reply === undefined || reply === false) return null
  if (typeof reply === 'string' || typeof reply === 'number') return reply
  if (Buffer.isBuffer(reply)) return reply.toString('utf8')
  if (Array.isArray(reply)) return reply.map(normalizeReply)
  if (reply === true) return 1
  throw new TypeError(`RedisStore: unexpected reply type ${typeof reply} (give the client the default type mapping)`)
}

/** A Lua script run by EVALSHA, loaded with EVAL the first time a server does not know it. */
export class RedisScript {
  readonly source: string
  readonly sha: string
  constructor(source: string) {
    this.source = source
    this.sha = createHash('sha1').update(this.source).digest('hex')
  }
}

/**
 * The store's commands over a driver, with its key prefix and its error reporting: every failure, and
 * every call while the connection is not ready, rejects with `StoreUnavailableError` naming the
 * operation and the server.
 */
export class RedisCommands {
  readonly driver: RedisDriver
  /** The store's prefix, for plain commands (the driver adds its own `keyPrefix` to those). */
  readonly #prefix: string
  /** The full prefix, as scripts see it: every script receives it as `ARGV[1]` and builds its keys from it. */
  readonly #scriptPrefix: string

  /**
   * Whether the keys are sharded (Redis Cluster, or a sharding proxy): then every script keeps to the slot
   * of the keys it declares. Else a script may also touch a key it learns on the way (a token pointer's
   * family), to save a round trip.
   */
  readonly sharded: boolean

  constructor(driver: RedisDriver, prefix: string, sharded = false) {
    this.driver = driver
    this.sharded = sharded || driver.cluster
    this.#prefix = prefix
    this.#scriptPrefix = driver.keyPrefix + prefix
  }

  /** A key for a plain command: the store's prefix and `suffix`. */
  key(suffix: string): string {
    return this.#prefix + suffix
  }

  /** Sends one command as operation `name` of the store. */
  async send(name: string, args: readonly string[]): Promise<RedisReply> {
    try {
      return await this.driver.send(args)
    } catch (error) {
      throw unavailable(error, `RedisStore.${name} (Redis at ${this.driver.address})`)
    }
  }

  /**
   * EVALSHA, loading the script with EVAL when the server does not know it (first use, restart, SCRIPT
   * FLUSH). `keys` (suffixes under the store's prefix, like {@link RedisCommands.key}'s) are declared, so
   * a cluster client routes the script to their slot, and a driver's own `keyPrefix` is added to them
   * as to any key; every other key the script builds shares the first one's hash slot.
   */
  async run(name: string, script: RedisScript, args: readonly string[], keys: readonly string[] = []): Promise<RedisReply> {
    // One array, built once: EVALSHA, then EVAL with the same tail if the server lost the script.
    const command = ['EVALSHA', script.sha, String(keys.length)]
    for (const key of keys) command.push(this.key(key))
    command.push(this.#scriptPrefix)
    for (const arg of args) command.push(arg)
    try {
      try {
        return await this.driver.send(command)
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
        return await this.driver.send(['EVAL', script.source, ...command.slice(2)])
      }
    } catch (error) {
      throw unavailable(error, `RedisStore.${name} (Redis at ${this.driver.address})`)
    }
  }
}

/** A reply that must be text or nil. */
export function text(reply: RedisReply | undefined): string | undefined {
  return typeof reply === 'string' ? reply : undefined
}
