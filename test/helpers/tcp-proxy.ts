/**
 * The one TCP proxy of the tests: forwards an ephemeral 127.0.0.1 port to a backend (PostgreSQL, Redis…)
 * and can lose it and bring it back, as a dying server does, on loopback only.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

/** A proxy started by {@link startTcpProxy}. */
export interface TcpProxy {
  /** The loopback port clients connect to; it stays the same across {@link TcpProxy.cut} and {@link TcpProxy.restore}. */
  readonly port: number
  /** Destroys every connection through the proxy and stops listening (new connections are refused); resolves once the port is closed. */
  cut(): Promise<void>
  /** Listens on the same port again and forwards new connections. */
  restore(): Promise<void>
  /** Cuts (if up) for good. */
  close(): Promise<void>
}

/** Starts a proxy on an ephemeral loopback port forwarding to `host:port`. */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((inbound) => {
    const outbound = connect({ host, port })
    // Either side failing or closing ends the pair, as a lost connection does.
    const drop = (): void => {
      for (const socket of [inbound, outbound]) {
        socket.destroy()
        sockets.delete(socket)
      }
    }
    for (const socket of [inbound, outbound]) {
      sockets.add(socket)
      socket.on('error', drop).on('close', drop)
    }
    inbound.pipe(outbound).pipe(inbound)
  })
  const listen = (at: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(at, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  await listen(0)
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no port')
  const cut = async (): Promise<void> => {
    if (!server.listening) return
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of sockets) socket.destroy()
    sockets.clear()
    await closed
  }
  return {
    port: address.port,
    cut,
    restore: () => (server.listening ? Promise.resolve() : listen(address.port)),
    close: cut,
  }
}
