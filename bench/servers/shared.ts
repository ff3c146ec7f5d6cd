/** Shared by the benchmark servers: the fixed client, the port announcement, and shutdown on signal. */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The confidential client every benchmark server registers (a generated-style, 43+ character secret). */
export const BENCH_CLIENT = {
  clientId: 'bench-client',
  clientSecret: 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz',
  redirectUri: 'https://client.example/callback',
} as const

/** Listens on an ephemeral 127.0.0.1 port and prints `READY <port>` for the harness. */
export function announce(server: Server, onStop: () => Promise<void> = async () => {}): void {
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo
    process.stdout.write(`READY ${port}\n`)
  })
  const stop = (): void => {
    server.close()
    server.closeAllConnections()
    void onStop()
      .catch(() => {})
      .finally(() => process.exit(0))
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}
