/**
 * Peer: `@node-oauth/oauth2-server` mounted in Express 5 the way its Express adapter
 * (`@node-oauth/express-oauth-server`) does it — `express.urlencoded`, the library's Request/Response
 * wrappers around Express's, `OAuth2Server#token`, then the wrapper's headers, status and body sent back.
 *
 * The model is in memory (two Maps) and implements what client_credentials, password (the user
 * `bench`/`bench`) and refresh_token need, plus the recommended `validateScope`. Library defaults kept:
 * opaque access and refresh tokens from its own generator (32 random bytes, hex), a 1 h access-token and
 * 2 week refresh-token lifetime, and `alwaysIssueNewRefreshToken` (rotation: the presented refresh token
 * is revoked through `revokeToken` and a new one issued).
 *
 * authorization_code: the model's `saveAuthorizationCode` / `getAuthorizationCode` /
 * `revokeAuthorizationCode` over a third Map (`revokeAuthorizationCode` deletes the code, so a second
 * exchange is refused), the library's default 5-minute code lifetime, and its PKCE (S256; plain is off by
 * default). `GET /authorize` is mounted as the Express adapter's `authorize()` middleware does it, with
 * an `authenticateHandler` that returns the signed-in bench user (the approval needs no page). The
 * scenario pre-issues its codes through the bench-only `POST /bench/codes` (bench/servers/shared.ts),
 * which runs `OAuth2Server#authorize` in-process with the same options — the library's authorization
 * handler, only without Express and an HTTP round trip per code.
 *
 * bearer (opaque): `GET /api` behind `OAuth2Server#authenticate`, mounted as the Express adapter's
 * `authenticate({ scope })` middleware does it (the library's Request/Response wrappers, the token put on
 * `res.locals.oauth`, an OAuthError answered with its status and, but for UnauthorizedRequestError, a JSON
 * body), requiring the scope `read` as the other servers' guards do. The library finds the token through the
 * model's `getAccessToken` (the access-token Map), checks it has a user and has not expired, and calls the
 * model's `verifyScope` — the documentation's example (every required scope among the token's) — with its
 * defaults kept: the `X-Accepted-OAuth-Scopes` / `X-OAuth-Scopes` headers computed, tokens in the query string
 * refused. The route then answers 200 with a small JSON body.
 *
 * No introspection scenario: the library has no introspection (RFC 7662) endpoint — only authorize, token
 * and authenticate. No bearer (JWT) scenario: its access tokens are opaque (its own generator or the model's
 * `generateAccessToken`), and it has no JWT verification.
 */
import { createServer } from 'node:http'
import OAuth2Server from '@node-oauth/oauth2-server'
import express from 'express'
import { BENCH_SCOPES, BENCH_USER, findBenchUser, secretMatches } from './peer-users.ts'
import { announce, BENCH_CLIENT, withBenchCodes } from './shared.ts'

type Model = OAuth2Server.AuthorizationCodeModel &
  OAuth2Server.ClientCredentialsModel &
  OAuth2Server.PasswordModel &
  OAuth2Server.RefreshTokenModel

const client: OAuth2Server.Client = {
  id: BENCH_CLIENT.clientId,
  grants: ['authorization_code', 'client_credentials', 'password', 'refresh_token'],
  redirectUris: [BENCH_CLIENT.redirectUri],
}
const DEFAULT_SCOPE = ['read']

const accessTokens = new Map<string, OAuth2Server.Token>()
const refreshTokens = new Map<string, OAuth2Server.RefreshToken>()
const authorizationCodes = new Map<string, OAuth2Server.AuthorizationCode>()

const model: Model = {
  async getClient(clientId, clientSecret: string | null) {
    if (clientId !== client.id) return false
    // The authorization endpoint looks the client up without a secret (null), as the model's docs describe.
    return clientSecret === null || secretMatches(clientSecret, BENCH_CLIENT.clientSecret) ? client : false
  },
  // client_credentials: the token is issued to the client itself.
  async getUserFromClient(owner) {
    return { id: owner.id }
  },
  async getUser(username, password) {
    return findBenchUser(username, password) ?? false
  },
  // The documentation's "reject invalid or only partially valid scopes" example, with a default scope.
  async validateScope(_user, _client, scope) {
    if (scope === undefined || scope.length === 0) return DEFAULT_SCOPE
    return scope.every((name) => BENCH_SCOPES.includes(name)) ? scope : false
  },
  async saveToken(token, owner, user) {
    const saved: OAuth2Server.Token = { ...token, client: owner, user }
    accessTokens.set(saved.accessToken, saved)
    if (token.refreshToken !== undefined) {
      refreshTokens.set(token.refreshToken, { ...saved, refreshToken: token.refreshToken })
    }
    return saved
  },
  async getAccessToken(accessToken) {
    return accessTokens.get(accessToken) ?? false
  },
  async getRefreshToken(refreshToken) {
    return refreshTokens.get(refreshToken) ?? false
  },
  async revokeToken(token) {
    return refreshTokens.delete(token.refreshToken)
  },
  async saveAuthorizationCode(code, owner, user) {
    const saved: OAuth2Server.AuthorizationCode = { ...code, client: owner, user }
    authorizationCodes.set(saved.authorizationCode, saved)
    return saved
  },
  async getAuthorizationCode(authorizationCode) {
    return authorizationCodes.get(authorizationCode) ?? false
  },
  // Single use: the grant revokes the code before issuing tokens and fails if this returns false.
  async revokeAuthorizationCode(code) {
    return authorizationCodes.delete(code.authorizationCode)
  },
  // authenticate({ scope }): the model documentation's example — every required scope among the token's.
  async verifyScope(token, required) {
    const granted = token.scope ?? []
    return required.every((name) => granted.includes(name))
  },
}

const oauth = new OAuth2Server({ model })

// The signed-in user of the authorization endpoint (a session lookup in an application).
const authorizeOptions: OAuth2Server.AuthorizeOptions = { authenticateHandler: { handle: () => ({ id: BENCH_USER.id }) } }

// As the Express adapter's error handling (useErrorHandler: false) does; its authenticate() passes no
// wrapper response (so no headers).
function sendError(error: unknown, res: express.Response, response: OAuth2Server.Response | undefined): void {
  if (response !== undefined) res.set(response.headers ?? {})
  if (error instanceof OAuth2Server.OAuthError) {
    res.status(error.code)
    if (error instanceof OAuth2Server.UnauthorizedRequestError) {
      res.send()
      return
    }
    res.send({ error: error.name, error_description: error.message })
    return
  }
  res.status(500).send({ error: 'server_error', error_description: 'Server error' })
}

const app = express()
app.use(express.urlencoded({ extended: false }))
// As the Express adapter's authorize() does: OAuth2Server#authorize, then its redirect sent back.
app.get('/authorize', async (req, res) => {
  const request = new OAuth2Server.Request(req)
  const response = new OAuth2Server.Response(res)
  try {
    await oauth.authorize(request, response, authorizeOptions)
    const { location, ...headers } = response.headers ?? {}
    res.set(headers)
    if (location === undefined) throw new Error('no redirect from authorize')
    res.redirect(location)
  } catch (error) {
    sendError(error, res, response)
  }
})
app.post('/token', async (req, res) => {
  const request = new OAuth2Server.Request(req)
  const response = new OAuth2Server.Response(res)
  try {
    await oauth.token(request, response)
    res.set(response.headers ?? {})
    res.status(response.status ?? 200).send(response.body)
  } catch (error) {
    sendError(error, res, response)
  }
})

// As the Express adapter's authenticate(options) middleware does: OAuth2Server#authenticate, the token on
// res.locals.oauth, then the next handler.
function authenticate(options: OAuth2Server.AuthenticateOptions): express.RequestHandler {
  return async (req, res, next) => {
    let token: OAuth2Server.Token
    try {
      token = await oauth.authenticate(new OAuth2Server.Request(req), new OAuth2Server.Response(res), options)
    } catch (error) {
      sendError(error, res, undefined)
      return
    }
    res.locals.oauth = { token }
    next()
  }
}
app.get('/api', authenticate({ scope: ['read'] }), (_req, res) => {
  res.json({ ok: true })
})

// The bench-only code route: the same authorization request through OAuth2Server#authorize in-process.
const authorizeInProcess = async (params: URLSearchParams): Promise<string> => {
  const response = new OAuth2Server.Response()
  await oauth.authorize(
    new OAuth2Server.Request({ method: 'GET', query: Object.fromEntries(params), headers: {} }),
    response,
    authorizeOptions,
  )
  const location: unknown = response.get('location')
  if (typeof location !== 'string') throw new Error(`authorize: ${response.status} without a redirect`)
  return location
}

announce(createServer(withBenchCodes(app, authorizeInProcess)))
