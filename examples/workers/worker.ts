/**
 * oauth2-stack on Cloudflare's runtime (workerd) through the Fetch adapter: a Worker module serving the
 * controller under `/oauth`, with the client-credentials grant (and the confirmation-form code grant).
 *
 * DEMO ONLY: the stores are the in-memory ones. One isolate's memory is not a server — Workers run many
 * isolates, evict them at will and share nothing between them, so a token issued by one isolate is unknown
 * to the next and everything is gone on eviction. A real deployment keeps clients and tokens in a shared
 * store (a `RecordStore` over a database the Worker can reach).
 *
 * Bundle it with esbuild (`oauth2-stack/fetch` is portable; `node:*` imports stay external for the
 * `nodejs_compat` flag), and run it with `workerd serve` or Wrangler; see README.md beside it. The issuer and
 * the demo client come from the Worker's environment (text bindings `ISSUER`, `CLIENT_ID`, `CLIENT_SECRET`).
 */
import { AuthorizationController } from 'oauth2-stack'
import { fetchHandler, type FetchEnviron } from 'oauth2-stack/fetch'
import { AuthorizationCodeGrant, ClientCredentialsGrant, Scope } from 'oauth2-stack/grant'
import { LocalClientStore, LocalTokenStore } from 'oauth2-stack/store'
import { ConfirmSiteAdapter } from '../shared/confirm-site-adapter.ts'

/** The Worker's bindings this example reads. */
export interface WorkerEnv {
  /** The issuer identifier, e.g. `https://auth.example/oauth` (RFC 8414 section 2). */
  readonly ISSUER: string
  /** The demo client's id. */
  readonly CLIENT_ID: string
  /** The demo client's secret. */
  readonly CLIENT_SECRET: string
}

interface Served {
  readonly controller: AuthorizationController<FetchEnviron>
  readonly handler: (request: Request) => Promise<Response>
}

/** One controller per isolate, made on its first request (the bindings arrive with the request). */
let served: Promise<Served> | undefined

async function serve(env: WorkerEnv): Promise<Served> {
  const clientStore = new LocalClientStore()
  await clientStore.addClient({
    clientId: env.CLIENT_ID,
    clientSecret: env.CLIENT_SECRET,
    redirectUris: ['http://localhost/callback'],
  })
  const tokenStore = new LocalTokenStore()
  const controller = new AuthorizationController<FetchEnviron>({
    issuer: env.ISSUER,
    accessTokenStore: tokenStore,
    authCodeStore: tokenStore,
    clientStore,
    siteAdapter: new ConfirmSiteAdapter(),
    scope: new Scope({ available: ['read', 'write'], default: ['read'] }),
  })
  controller.addGrant(new AuthorizationCodeGrant())
  controller.addGrant(new ClientCredentialsGrant())
  return { controller, handler: fetchHandler(controller, { prefix: '/oauth' }) }
}

export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    served ??= serve(env)
    const { controller, handler } = await served
    const { pathname } = new URL(request.url)
    // RFC 8414 section 3: with the issuer under /oauth, the metadata lives at the root, the issuer's path appended.
    if (pathname === `/.well-known/oauth-authorization-server${new URL(env.ISSUER).pathname}`) return Response.json(controller.metadata)
    if (pathname.startsWith('/oauth/')) return handler(request)
    return new Response('The app. OAuth 2.0 lives under /oauth.', { status: 404 })
  },
}
