/**
 * oauth2-stack in Hono through the Fetch adapter: `npm run example -- hono`. The same `handler` serves
 * Bun (`Bun.serve({ fetch: app.fetch })`), Deno and Workers.
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { AuthorizationController } from 'oauth2-stack'
import { fetchHandler, type FetchEnviron } from 'oauth2-stack/fetch'
import { AuthorizationCodeGrant } from 'oauth2-stack/grant'
import { LocalClientStore, LocalTokenStore } from 'oauth2-stack/store'
import { ConfirmSiteAdapter, PORT, SEED_CLIENT } from './shared/confirm-site-adapter.ts'

const clientStore = new LocalClientStore()
await clientStore.addClient(SEED_CLIENT)
const tokenStore = new LocalTokenStore()

const controller = new AuthorizationController<FetchEnviron>({
  issuer: `http://localhost:${PORT}/oauth`,
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
  siteAdapter: new ConfirmSiteAdapter(),
})
controller.addGrant(new AuthorizationCodeGrant())

const handler = fetchHandler(controller, { prefix: '/oauth' })
const app = new Hono()
app.get('/', (c) => c.text('The app. OAuth 2.0 lives under /oauth.'))
app.all('/oauth/*', (c) => handler(c.req.raw))

serve({ fetch: app.fetch, port: PORT, hostname: '127.0.0.1' }, () =>
  console.log(`Hono app with oauth2-stack listening on http://localhost:${PORT}`),
)
