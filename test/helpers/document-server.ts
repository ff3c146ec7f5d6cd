/**
 * A local HTTPS server for the Client ID Metadata Document and safe-fetch tests: serves what each test
 * puts at a path, with the test-only certificate of test/helpers/tls (trusted only through `ca`).
 */
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { ResolvedAddress } from '../../src/fetch/safe-fetch.ts'

const TLS = new URL('./tls/', import.meta.url)
/** The certificate the server presents; pass it as the fetcher's `ca`. */
export const DOCUMENT_SERVER_CA = readFileSync(new URL('document-server-cert.pem', TLS), 'utf8')
const KEY = readFileSync(new URL('document-server-key.pem', TLS), 'utf8')

/** What the server answers at a path. */
export type Route = (request: IncomingMessage, response: ServerResponse) => void

/** A JSON document with optional headers. */
export function json(document: unknown, headers: Record<string, string> = {}): Route {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', ...headers })
    response.end(typeof document === 'string' ? document : JSON.stringify(document))
  }
}

export interface DocumentServer {
  readonly port: number
  /** Every request seen, as `METHOD path host`. */
  readonly requests: string[]
  route(path: string, route: Route): void
  close(): Promise<void>
}

export async function startDocumentServer(): Promise<DocumentServer> {
  const routes = new Map<string, Route>()
  const requests: string[] = []
  const server: Server = createServer({ cert: DOCUMENT_SERVER_CA, key: KEY }, (request, response) => {
    requests.push(`${request.method ?? ''} ${request.url ?? ''} ${request.headers.host ?? ''}`)
    const route = routes.get(request.url ?? '')
    if (route === undefined) {
      response.writeHead(404).end()
      return
    }
    route(request, response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    requests,
    route: (path, route) => routes.set(path, route),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A resolver answering `addresses` for every name, counting its calls. */
export function fixedResolver(...addresses: string[]): ((hostname: string) => Promise<ResolvedAddress[]>) & { calls: string[] } {
  const calls: string[] = []
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname)
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  }
  return Object.assign(resolve, { calls })
}
