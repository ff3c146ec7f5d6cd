/**
 * Shared by the benchmark servers: the fixed client, the port announcement, shutdown on signal, and the
 * bench-only route that pre-issues authorization codes.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
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

/** Path of the bench-only route that pre-issues authorization codes (see {@link withBenchCodes}). */
export const BENCH_CODES_PATH = '/bench/codes'

/**
 * Runs one authorization request (its query parameters) through the library's own authorization
 * endpoint, in-process, approved by the signed-in bench user, and resolves with the redirect's `Location`.
 */
export type AuthorizeInProcess = (params: URLSearchParams, req: IncomingMessage, res: ServerResponse) => Promise<string>

/**
 * Adds the bench-only `POST /bench/codes?count=N` route in front of a server's handler, for the
 * authorization-code scenario: the body is one authorization request's parameters (urlencoded), which
 * `authorize` runs N times through the library's authorization endpoint in-process (no HTTP round trip
 * per code, so tens of thousands of codes take seconds); the answer is the JSON array of the N redirect
 * `Location`s, each carrying its code. Every other request goes to `handler`.
 */
export function withBenchCodes(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  authorize: AuthorizeInProcess,
): (req: IncomingMessage, res: ServerResponse) => void {
  const prefix = `${BENCH_CODES_PATH}?`
  return (req, res) => {
    // A string comparison or two for every other request: nothing measurable added to the other scenarios.
    if (req.method !== 'POST' || req.url?.startsWith(prefix) !== true) {
      handler(req, res)
      return
    }
    const url = new URL(req.url, 'http://127.0.0.1')
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
      const count = Math.min(Number(url.searchParams.get('count') ?? '1'), 10_000)
      void (async () => {
        const locations: string[] = []
        for (let index = 0; index < count; index++) locations.push(await authorize(params, req, res))
        return locations
      })().then(
        (locations) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(locations)),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.stack : String(error)),
      )
    })
  }
}
