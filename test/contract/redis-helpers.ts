/**
 * Test helpers for the Redis store: clients of both drivers (ioredis 5, node-redis 5) made as the store
 * recommends, a unique key prefix per test file, and cleanup of exactly the keys under that prefix (never
 * FLUSHALL: other suites share the server).
 */
import { Redis, type RedisOptions } from 'ioredis'
import { createClient, type RedisClientType } from 'redis'

/** Where the test Redis runs (`TEST_REDIS_URL`); the dev machine and CI run it on the default port. */
export const REDIS_URL: string = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379'

/** A key prefix no other test run uses. */
export function uniquePrefix(name: string): string {
  return `oauth2-test:${name}:${process.pid}:${Date.now().toString(36)}:`
}

/** A client configured as `RedisStoreClientOptions` asks: no offline queue, no resend, a command timeout. */
export function newClient(options: RedisOptions = {}): Redis {
  const client = new Redis(REDIS_URL, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: 1000,
    lazyConnect: true,
    ...options,
  })
  // Connection errors surface through the commands; keep them out of the test output.
  client.on('error', () => undefined)
  return client
}

/** A node-redis client configured as `RedisStoreClientOptions` asks: no offline queue, a command timeout. Not connected yet. */
export function newNodeRedisClient(resp: 2 | 3 = 2): RedisClientType {
  const client = createClient({
    url: REDIS_URL,
    RESP: resp,
    disableOfflineQueue: true,
    commandOptions: { timeout: 1000 },
  }) as RedisClientType
  // Connection errors surface through the commands; keep them out of the test output.
  client.on('error', () => undefined)
  return client
}

/** A connected client of one driver, and how to end it. */
export interface OpenedClient {
  readonly client: Redis | RedisClientType
  close(): Promise<void>
}

/** The Redis drivers `RedisStore` accepts, for test files that run once per driver. */
export const DRIVERS: readonly { readonly name: string; open(): Promise<OpenedClient> }[] = [
  {
    name: 'ioredis',
    async open() {
      const client = newClient()
      await client.connect()
      return { client, close: async () => void (await client.quit()) }
    },
  },
  {
    name: 'node-redis',
    async open() {
      const client = newNodeRedisClient()
      await client.connect()
      return { client, close: () => client.close() }
    },
  },
  {
    // RESP3 replies differ (a Lua false is a boolean): the store reads both.
    name: 'node-redis (RESP3)',
    async open() {
      const client = newNodeRedisClient(3)
      await client.connect()
      return { client, close: () => client.close() }
    },
  },
]

/** Deletes every key under `prefix` (SCAN + DEL). */
export async function deleteByPrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0'
  let deleted = 0
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) deleted += await client.del(...keys)
  } while (cursor !== '0')
  return deleted
}

/** Counts the keys under `prefix`. */
export async function countByPrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0'
  let count = 0
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    count += keys.length
  } while (cursor !== '0')
  return count
}
