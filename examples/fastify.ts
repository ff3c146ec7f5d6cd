/**
 * The seed's Tornado integration, ported to Fastify: `npm run example -- fastify`.
 */
import Fastify from 'fastify'
import { AuthorizationController } from 'oauth2-stack'
import { oauth2Plugin, type FastifyEnviron } from 'oauth2-stack/fastify'
import { AuthorizationCodeGrant, ImplicitGrant } from 'oauth2-stack/grant'
import { LocalClientStore, LocalTokenStore } from 'oauth2-stack/store'
import { ConfirmSiteAdapter, PORT, SEED_CLIENT } from './shared/confirm-site-adapter.ts'

const clientStore = new LocalClientStore()
// Unlike the seed, a client gets only response_type=code unless registered for more: `token` opts in to the
// implicit grant added below (RFC 9700 section 2.1.2 advises against it).
await clientStore.addClient({ ...SEED_CLIENT, responseTypes: ['code', 'token'] })
const tokenStore = new LocalTokenStore()

const controller = new AuthorizationController<FastifyEnviron>({
  issuer: `http://localhost:${PORT}`,
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
  siteAdapter: new ConfirmSiteAdapter(),
})
controller.addGrant(new AuthorizationCodeGrant())
controller.addGrant(new ImplicitGrant())

const app = Fastify()
await app.register(oauth2Plugin, { controller })
await app.listen({ port: PORT, host: '127.0.0.1' })
console.log(`Fastify app with oauth2-stack listening on http://localhost:${PORT}`)
