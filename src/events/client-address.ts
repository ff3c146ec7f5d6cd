/**
 * The client's address as the built-in adapters see it: the socket's remote address. Behind a proxy
 * this is the proxy's address; pass the controller's `clientAddress` option to read it from a trusted
 * header instead.
 *
 * @module
 */

interface SocketLike {
  readonly remoteAddress?: unknown
}

interface EnvironShape {
  /** `nodeHandler`, Express: Node's `IncomingMessage`. */
  readonly req?: { readonly socket?: SocketLike } | undefined
  /** Fastify: its request (with `.raw`); Fetch: the runtime's `Request` (no address). */
  readonly request?: { readonly raw?: { readonly socket?: SocketLike } } | undefined
  /** Koa: its context. */
  readonly ctx?: { readonly req?: { readonly socket?: SocketLike } } | undefined
}

/**
 * The socket's remote address of the environ the built-in adapters pass (`{ req }`, `{ request, reply }`,
 * `{ ctx }`), without `::ffff:` for IPv4 clients of a dual-stack socket; `undefined` when the environ has
 * none (the Fetch adapter: the runtime decides what it exposes).
 */
export function socketAddressOf(environ: unknown): string | undefined {
  if (typeof environ !== 'object' || environ === null) return undefined
  const shape = environ as EnvironShape
  const socket = shape.req?.socket ?? shape.request?.raw?.socket ?? shape.ctx?.req?.socket
  const address = socket?.remoteAddress
  if (typeof address !== 'string' || address === '') return undefined
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}
