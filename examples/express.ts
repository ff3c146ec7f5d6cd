/**
 * The seed's Flask integration, ported to Express: `npm run example -- express`.
 * Mounts the authorization server under /oauth of an existing app (GET / stays the app's).
 */
import express from 'express'
import { AuthorizationController } from 'oauth2-stack'
import { oauth2Router, type ExpressEnviron } from 'oauth2-stack/express'
import { AuthorizationCodeGrant } from 'oauth2-stack/grant'
import { LocalClientStore, LocalTokenStore } from 'oauth2-stack/store'
import { ConfirmSiteAdapter, PORT, SEED_CLIENT } from './shared/confirm-site-adapter.ts'

const clientStore = new LocalClientStore()
await clientStore.addClient(SEED_CLIENT)
const tokenStore = new LocalTokenStore()

const controller = new AuthorizationController<ExpressEnviron>({
  issuer: `http://localhost:${PORT}/oauth`,
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
  siteAdapter: new ConfirmSiteAdapter(),
})
controller.addGrant(new AuthorizationCodeGrant())

const app = express()
app.get('/', (_req, res) => {
  res.send('The app. OAuth 2.0 lives under /oauth/authorize and /oauth/token.')
})
app.use('/oauth', oauth2Router(controller))
app.listen(PORT, () => console.log(`Express app with oauth2-stack listening on http://localhost:${PORT}`))
