/**
 * A Fetch-API authorization server for other runtimes: `bun test/runtimes/fetch-server.ts` serves the
 * controller through `fetchHandler` and prints `READY <port>`. The test drives it from Node over HTTP.
 */
import { AuthorizationController } from '../../src/index.ts'
import { fetchHandler, type FetchEnviron } from '../../src/adapters/fetch.ts'
import { AuthorizationCodeGrant, ClientCredentialsGrant, RefreshToken, Scope } from '../../src/grants/index.ts'
import { LocalClientStore, LocalTokenStore } from '../../src/stores/index.ts'
import { DemoSiteAdapter } from '../../src/cli/demo-site-adapter.ts'

interface BunServer {
  readonly port: number
}
declare const Bun: { serve(options: { port: number; hostname: string; fetch: (request: Request) => Promise<Response> }): BunServer }

const clientStore = new LocalClientStore()
await clientStore.addClient({
  clientId: 'confidential',
  clientSecret: 'AAAAAAAAAAAAAAAAAAAAhigh-entropy-test-secret-0123456789',
  redirectUris: ['https://client.example/callback'],
})
const tokenStore = new LocalTokenStore()
// The issuer needs the port, and the handler the controller: the server starts first and finds the
// handler here once it exists.
const mounted: { handler?: (request: Request) => Promise<Response> } = {}
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (request) => (mounted.handler as (request: Request) => Promise<Response>)(request) })
const controller = new AuthorizationController<FetchEnviron>({
  issuer: `http://127.0.0.1:${server.port}/oauth`,
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
  siteAdapter: new DemoSiteAdapter([{ username: 'alice', password: 'wonderland', data: {} }]),
  scope: new Scope({ available: ['read', 'write'], default: ['read'] }),
})
controller.addGrant(new AuthorizationCodeGrant())
controller.addGrant(new ClientCredentialsGrant())
controller.addGrant(new RefreshToken({ expiresIn: 3600 }))
mounted.handler = fetchHandler(controller, { prefix: '/oauth' })
console.log(`READY ${server.port}`)
