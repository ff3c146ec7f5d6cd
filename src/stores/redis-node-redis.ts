/**
 * The Redis store's driver seam over [node-redis](https://github.com/redis/node-redis) 5 (`redis` on npm):
 * a client the host made with `createClient()` and passes in. Only its shape is used here, so this module
 * loads nothing of node-redis. Internal: not exported from the package.
 *
 * @module
 */
import { withDeadline } from '../internal/deadline.ts'
import { normalizeReply, notConnected, type RedisDriver, type RedisReply } from './redis-driver.ts'

/**
 * What the Redis store uses of a node-redis 5 client (the result of `createClient()` from `redis`).
 * Give it the default (RESP2 or RESP3) type mapping.
 */
export interface NodeRedisClient {
  /** Whether the connection is up and ready for commands. */
  readonly isReady: boolean
  /** Whether the client is connected or (re)connecting. */
  readonly isOpen: boolean
  /** The client's options; `url` or `socket` name the server in messages. */
  readonly options?: unknown
  sendCommand(args: readonly string[]): Promise<unknown>
  connect(): Promise<unknown>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- node-redis's own listener type
  once(event: 'ready' | 'error' | 'end', listener: (...args: any[]) => void): unknown
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- node-redis's own listener type
  off(event: 'ready' | 'error' | 'end', listener: (...args: any[]) => void): unknown
  close(): Promise<unknown>
  destroy(): unknown
}

/** Whether `client` looks like a node-redis client (by shape: `isReady` and `sendCommand`). */
export function isNodeRedisClient(client: object): client is NodeRedisClient {
  const candidate = client as Partial<NodeRedisClient>
  return typeof candidate.isReady === 'boolean' && typeof candidate.sendCommand === 'function'
}

/** `host:port` or the socket path of a node-redis client's options, never its password. */
function addressOf(options: unknown): string {
  const { url, socket } = (options ?? {}) as { url?: unknown; socket?: { host?: unknown; port?: unknown; path?: unknown } }
  if (typeof socket?.path === 'string') return socket.path
  if (typeof socket?.host === 'string') return `${socket.host}:${typeof socket.port === 'number' ? socket.port : 6379}`
  if (typeof url === 'string' && URL.canParse(url)) {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port === '' ? '6379' : parsed.port}`
  }
  return 'localhost:6379'
}

/** The seam over a node-redis client passed in by the host (the store never makes one). */
export function nodeRedisDriver(client: NodeRedisClient): RedisDriver {
  const status = (): string => (client.isOpen ? 'reconnecting' : 'closed')
  return {
    address: addressOf(client.options),
    keyPrefix: '',
    // A client from createClient(): one server (a cluster client has another sendCommand).
    cluster: false,
    send(args: readonly string[]): Promise<RedisReply> {
      if (!client.isReady) return Promise.reject(notConnected(status()))
      return client.sendCommand(args).then(normalizeReply)
    },
    async connect(timeoutMs: number): Promise<void> {
      if (client.isReady) return
      let cleanup = (): void => {}
      const ready = new Promise<void>((resolve, reject) => {
        const onReady = (): void => resolve()
        const onError = (error: Error): void => reject(error)
        cleanup = () => void (client.off('ready', onReady), client.off('error', onError))
        client.once('ready', onReady)
        client.once('error', onError)
        if (!client.isOpen) client.connect().catch(reject)
      })
      try {
        await withDeadline(ready, timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`))
      } finally {
        cleanup()
      }
    },
    async close(): Promise<void> {
      await client.close()
    },
    disconnect: () => void client.destroy(),
  }
}
