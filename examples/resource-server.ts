/**
 * An API protected by oauth2-stack's bearer guard, next to the authorization server that issues its JWT
 * access tokens: `npm run example -- resource-server`, then
 *
 *   curl -s -u abc:xyz -d grant_type=client_credentials -d scope=read http://localhost:8080/oauth/token
 *   curl -s -H "Authorization: Bearer <access_token>" http://localhost:8080/api/hello
 */
import express from 'express'
import { AuthorizationController } from 'oauth2-stack'
import { oauth2Router, type ExpressEnviron } from 'oauth2-stack/express'
import { ClientCredentialsGrant, Scope } from 'oauth2-stack/grant'
import { expressBearer, verifiedToken } from 'oauth2-stack/resource'
import { LocalClientStore, LocalTokenStore } from 'oauth2-stack/store'
import { JwtTokenGenerator } from 'oauth2-stack/tokengenerator'
import { PORT, SEED_CLIENT } from './shared/confirm-site-adapter.ts'

const issuer = `http://localhost:${PORT}/oauth`
const clientStore = new LocalClientStore()
await clientStore.addClient(SEED_CLIENT)
const tokenStore = new LocalTokenStore()

const controller = new AuthorizationController<ExpressEnviron>({
  issuer,
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
  tokenGenerator: new JwtTokenGenerator({ issuer, audience: 'http://localhost/api', keys: [await JwtTokenGenerator.generateKey('ES256')] }),
  scope: new Scope({ available: ['read', 'write'], default: ['read'] }),
})
controller.addGrant(new ClientCredentialsGrant())

const app = express()
app.use('/oauth', oauth2Router(controller))

// The API checks JWTs against the published keys, as a separate service would; passing `store` too makes
// revoked tokens fail before they expire.
const guard = { issuer, audience: 'http://localhost/api', jwks: new URL(`${issuer}/jwks`), store: tokenStore }
app.get('/api/hello', expressBearer(guard, ['read']), (req, res) => {
  const token = verifiedToken(req)
  // subjectType says whose token it is: 'client' here (client credentials), 'user' for a user's grant.
  res.json({ hello: token?.subject, subjectType: token?.subjectType, scopes: token?.scopes })
})

app.listen(PORT, () => console.log(`Authorization server and API listening on http://localhost:${PORT}`))
