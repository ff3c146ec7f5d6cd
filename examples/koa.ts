/**
 * The seed's Tornado integration, ported to Koa: `npm run example -- koa`.
 */
import Koa from 'koa'
import { AuthorizationController } from 'oauth2-stack'
import { AuthorizationCodeGrant, ImplicitGrant } from 'oauth2-stack/grant'
import { oauth2Middleware, type KoaEnviron } from 'oauth2-stack/koa'
import { LocalClientStore, LocalTokenStore } from 'oauth2-stack/store'
import { ConfirmSiteAdapter, PORT, SEED_CLIENT } from './shared/confirm-site-adapter.ts'

// Initialize AuthorizationController as usual
const clientStore = new LocalClientStore()
// Unlike the seed, a client gets only response_type=code unless registered for more: `token` opts in to the
// implicit grant added below (RFC 9700 section 2.1.2 advises against it).
await clientStore.addClient({ ...SEED_CLIENT, responseTypes: ['code', 'token'] })
const tokenStore = new LocalTokenStore()

const controller = new AuthorizationController<KoaEnviron>({
  issuer: `http://localhost:${PORT}`,
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
  siteAdapter: new ConfirmSiteAdapter(),
})
controller.addGrant(new AuthorizationCodeGrant())
controller.addGrant(new ImplicitGrant())

// Create your Koa application and add the middleware
const app = new Koa()
app.use(oauth2Middleware(controller))

// Start the server
app.listen(PORT, () => console.log(`Koa app with oauth2-stack listening on http://localhost:${PORT}`))
