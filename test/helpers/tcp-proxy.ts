/**
 * A TCP proxy the fault tests control: forwards 127.0.0.1:<port> to a backend (PostgreSQL, Redis…), and
 * can cut every connection and refuse new ones, then restore — a backend lost and back, on loopback only.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export interface TcpProxy {
  readonly port: number
  /** Drops every open connection and refuses new ones. */
  cut(): void
  /** Accepts and forwards connections again. */
  restore(): void
  close(): Promise<void>
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let up = true
  const server: Server = createServer((client) => {
    if (!up) {
      client.destroy()
      return
    }
    const backend = connect(targetPort, targetHost)
    sockets.add(client)
    sockets.add(backend)
    const drop = (): void => {
      client.destroy()
      backend.destroy()
      sockets.delete(client)
      sockets.delete(backend)
    }
    client.on('error', drop).on('close', drop)
    backend.on('error', drop).on('close', drop)
    client.pipe(backend)
    backend.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => {
      up = false
      for (const socket of sockets) socket.destroy()
      sockets.clear()
    },
    restore: () => {
      up = true
    },
    close: () =>
      new Promise((resolve) => {
        up = false
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
