/**
 * The README's example, kept here so it is type-checked and run by the tests:
 * `npm run example -- minimal` (listens on $PORT, default 8080).
 */
import { createServer } from 'node:http'
import { AuthorizationController } from 'oauth2-stack'
import { AuthorizationCodeGrant, ImplicitGrant, RefreshToken } from 'oauth2-stack/grant'
import { LocalClientStore, LocalTokenStore } from 'oauth2-stack/store'
import { escapeHtml, nodeHandler, type SiteAdapter } from 'oauth2-stack/web'

const siteAdapter: SiteAdapter = {
  async authenticate(request) {
    return request.postParam('confirm') === '1' ? { type: 'granted', userId: 'alice' } : { type: 'unauthenticated' }
  },
  async renderAuthPage(_request, response, _environ, _scopes, _client, context) {
    response.body = `<form method="POST" name="confirmation_form" action="${escapeHtml(context.formAction)}">
      ${context.csrfInput}<input name="confirm" type="hidden" value="1"><input type="submit" value="confirm"></form>`
    return response
  },
  async userHasDeniedAccess() {
    return false
  },
}

const clientStore = new LocalClientStore()
// Unlike the seed, a client gets only response_type=code unless registered for more: `token` opts in to the
// implicit grant added below (RFC 9700 section 2.1.2 advises against it).
await clientStore.addClient({
  clientId: 'abc',
  clientSecret: 'xyz',
  redirectUris: ['http://localhost/callback'],
  responseTypes: ['code', 'token'],
})
const tokenStore = new LocalTokenStore()

const port = Number(process.env.PORT ?? 8080)
const controller = new AuthorizationController({
  issuer: `http://localhost:${port}`,
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
  siteAdapter,
})
controller.addGrant(new AuthorizationCodeGrant())
controller.addGrant(new ImplicitGrant())
controller.addGrant(new RefreshToken({ expiresIn: 2592000 }))

createServer(nodeHandler(controller)).listen(port)
