/**
 * The Redis store's driver seam over [ioredis](https://github.com/redis/ioredis) 5: the client a host
 * passes in, or one the store makes from a URL (the documented default, also what `openStore('redis://…')`
 * uses). Internal: not exported from the package.
 *
 * @module
 */
import { createRequire } from 'node:module'
import type { Cluster, Redis, RedisOptions } from 'ioredis'
import { withDeadline } from '../internal/deadline.ts'
import { normalizeReply, notConnected, type RedisDriver, type RedisReply } from './redis-driver.ts'

/**
 * Whether `client` looks like an ioredis client, a `Redis` or a `Cluster` (by shape: it reports a
 * `status` and has `call`).
 */
export function isIoredisClient(client: object): client is Redis | Cluster {
  const candidate = client as Partial<Redis>
  return typeof candidate.status === 'string' && typeof candidate.call === 'function'
}

/**
 * An ioredis client made to fail fast: no offline queue, no retry or resend of a command whose reply was
 * lost (a script resent would run twice), a command timeout. ioredis is loaded here, on first use, so a
 * deployment that passes a node-redis client need not install it.
 */
export function ioredisFromUrl(url: string, commandTimeoutMs: number, connectTimeoutMs: number): Redis {
  const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as { Redis: new (url: string, options: RedisOptions) => Redis }
  return new RedisClient(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
  })
}

/**
 * The seam over an ioredis client (a `Cluster` routes each command by its first key, which every script
 * of the store declares). `owned`: the store made it, so it may listen for its errors.
 */
export function ioredisDriver(client: Redis | Cluster, owned: boolean): RedisDriver {
  let lastError: Error | undefined
  // The reason is kept for connect()'s message; commands report their own errors. A client passed in is
  // left as it is (a listener here would hide the host's unhandled 'error' events).
  if (owned) client.on('error', (error: Error) => (lastError = error))
  return {
    address: addressOf(client),
    keyPrefix: typeof client.options.keyPrefix === 'string' ? client.options.keyPrefix : '',
    cluster: isCluster(client),
    send(args: readonly string[]): Promise<RedisReply> {
      if (client.status !== 'ready') return Promise.reject(notConnected(client.status))
      // ioredis takes the command name first and flattens the rest: no copy of the arguments here.
      return client.call(...(args as [string, ...string[]])).then(normalizeReply)
    },
    async connect(timeoutMs: number): Promise<void> {
      if (client.status === 'ready') return
      let cleanup = (): void => {}
      const ready = new Promise<void>((resolve, reject) => {
        const onReady = (): void => resolve()
        const onError = (error: Error): void => reject(error)
        const onEnd = (): void => reject(lastError ?? new Error('connection closed'))
        cleanup = () => void client.off('ready', onReady).off('error', onError).off('end', onEnd)
        client.once('ready', onReady).once('error', onError).once('end', onEnd)
        if (client.status === 'wait' || client.status === 'end') client.connect().catch(() => undefined)
      })
      try {
        await withDeadline(ready, timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`))
      } finally {
        cleanup()
      }
    },
    async close(): Promise<void> {
      try {
        await client.quit()
      } catch {
        client.disconnect()
      }
    },
    disconnect: () => client.disconnect(),
  }
}

/** `host:port` or the socket path; `Redis Cluster` for a cluster client. */
function addressOf(client: Redis | Cluster): string {
  if (isCluster(client)) return 'Redis Cluster'
  const { host, port, path } = (client as Redis).options
  return path === undefined || path === null ? `${host ?? 'localhost'}:${port ?? 6379}` : path
}

/** Whether the client is an ioredis `Cluster`. */
function isCluster(client: Redis | Cluster): boolean {
  return 'isCluster' in client && client.isCluster
}
