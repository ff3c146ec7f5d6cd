/**
 * The seed's "Example Authorization server" (python-oauth2 0.4.0, Usage), ported line by line.
 *
 * Run: `npm run example -- authorization-server` (listens on $PORT, default 8080), then open
 * http://localhost:8080/authorize?response_type=code&client_id=abc&redirect_uri=http%3A%2F%2Flocalhost%2Fcallback
 *
 * Differences from the seed, each for security: the controller needs an `issuer` (sent as `iss`, RFC 9207);
 * the confirmation form carries the CSRF field the controller checks; `Uuid4` is kept as in the seed, but
 * the default `RandomTokenGenerator` is the better choice (256 bits instead of 122); the client is
 * registered for `response_type=token` explicitly, since clients get only `code` by default.
 */
import { createServer } from 'node:http'
import { AuthorizationController } from 'oauth2-stack'
import { AuthorizationCodeGrant, ImplicitGrant, RefreshToken } from 'oauth2-stack/grant'
import { LocalClientStore, LocalTokenStore } from 'oauth2-stack/store'
import { Uuid4 } from 'oauth2-stack/tokengenerator'
import {
  escapeHtml,
  nodeHandler,
  type AuthenticationResult,
  type AuthorizationContext,
  type Request,
  type Response,
  type SiteAdapter,
} from 'oauth2-stack/web'

// Create a SiteAdapter to interact with the user.
// This can be used to display confirmation dialogs and the like.
class ExampleSiteAdapter implements SiteAdapter {
  async authenticate(request: Request): Promise<AuthenticationResult> {
    if (request.postParam('confirm') === '1') {
      return { type: 'granted', userId: 'example-user' }
    }

    return { type: 'unauthenticated' }
  }

  async renderAuthPage(
    _request: Request,
    response: Response,
    _environ: unknown,
    _scopes: readonly string[],
    _client: unknown,
    context: AuthorizationContext,
  ): Promise<Response> {
    response.body = `
<html>
    <body>
        <form method="POST" name="confirmation_form" action="${escapeHtml(context.formAction)}">
            ${context.csrfInput}
            <input name="confirm" type="hidden" value="1" />
            <input type="submit" value="confirm" />
        </form>
    </body>
</html>`
    return response
  }

  async userHasDeniedAccess(): Promise<boolean> {
    return false
  }
}

// Create an in-memory storage to store your client apps.
const clientStore = new LocalClientStore()
// Add a client
// Unlike the seed, a client gets only response_type=code unless registered for more: `token` opts in to the
// implicit grant added below (RFC 9700 section 2.1.2 advises against it).
await clientStore.addClient({
  clientId: 'abc',
  clientSecret: 'xyz',
  redirectUris: ['http://localhost/callback'],
  responseTypes: ['code', 'token'],
})

// Create an in-memory storage to store issued tokens.
// LocalTokenStore can store access and auth tokens
const tokenStore = new LocalTokenStore()

const port = Number(process.env.PORT ?? 8080)

// Create the controller.
const authController = new AuthorizationController({
  issuer: `http://localhost:${port}`,
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
  siteAdapter: new ExampleSiteAdapter(),
  tokenGenerator: new Uuid4(),
})

// Add Grants you want to support
authController.addGrant(new AuthorizationCodeGrant())
authController.addGrant(new ImplicitGrant())

// Add refresh token capability and set expiration time of refresh tokens
// to 30 days
authController.addGrant(new RefreshToken({ expiresIn: 2592000 }))

// Wrap the controller with the node:http adapter
const app = nodeHandler(authController)

const httpd = createServer(app)
httpd.listen(port, () => console.log(`Authorization server listening on http://localhost:${port}`))

/** Lets the example runner (and tests) stop the server. */
export function close(): Promise<void> {
  return new Promise((resolve) => httpd.close(() => resolve()))
}
