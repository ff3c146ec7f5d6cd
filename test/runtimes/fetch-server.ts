/**
 * A Fetch-API authorization server for other runtimes: `bun test/runtimes/fetch-server.ts` or
 * `deno run … test/runtimes/fetch-server.ts` serves the controller through `fetchHandler` with the
 * runtime's own server (`Bun.serve`, `Deno.serve`) and prints `READY <port>`. The test drives it from
 * Node over HTTP.
 */
import { AuthorizationController } from '../../src/index.ts'
import { fetchHandler, type FetchEnviron } from '../../src/adapters/fetch.ts'
import { AuthorizationCodeGrant, ClientCredentialsGrant, RefreshToken, Scope } from '../../src/grants/index.ts'
import { LocalClientStore, LocalTokenStore } from '../../src/stores/index.ts'
import { TestSiteAdapter } from '../helpers/site-adapter.ts'

type Handler = (request: Request) => Promise<Response>
/** The two runtimes' serve functions, as far as this script uses them (Node's types know neither). */
interface Runtimes {
  readonly Bun?: { serve(options: { port: number; hostname: string; fetch: Handler }): { readonly port: number } }
  readonly Deno?: {
    serve(options: { port: number; hostname: string; onListen: () => void }, handler: Handler): { readonly addr: { readonly port: number } }
  }
}

const clientStore = new LocalClientStore()
await clientStore.addClient({
  clientId: 'confidential',
  clientSecret: 'AAAAAAAAAAAAAAAAAAAAhigh-entropy-test-secret-0123456789',
  redirectUris: ['https://client.example/callback'],
})
const tokenStore = new LocalTokenStore()
// The issuer needs the port, and the handler the controller: the server starts first and finds the
// handler here once it exists.
const mounted: { handler?: Handler } = {}
const serveRequest: Handler = (request) => (mounted.handler as Handler)(request)
const { Bun, Deno } = globalThis as Runtimes
// An empty onListen keeps Deno's own "Listening on" line out of the output.
const port =
  Bun !== undefined
    ? Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: serveRequest }).port
    : Deno !== undefined
      ? Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: () => {} }, serveRequest).addr.port
      : undefined
if (port === undefined) throw new Error('fetch-server.ts runs on Bun or Deno')
const controller = new AuthorizationController<FetchEnviron>({
  issuer: `http://127.0.0.1:${port}/oauth`,
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
  siteAdapter: new TestSiteAdapter([{ username: 'alice', password: 'wonderland', data: {} }]),
  scope: new Scope({ available: ['read', 'write'], default: ['read'] }),
})
controller.addGrant(new AuthorizationCodeGrant())
controller.addGrant(new ClientCredentialsGrant())
controller.addGrant(new RefreshToken({ expiresIn: 3600 }))
mounted.handler = fetchHandler(controller, { prefix: '/oauth' })
console.log(`READY ${port}`)
