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
 */
import { createServer } from 'node:http'
import OAuth2Server from '@node-oauth/oauth2-server'
import express from 'express'
import { BENCH_SCOPES, findBenchUser, secretMatches } from './peer-users.ts'
import { announce, BENCH_CLIENT } from './shared.ts'

type Model = OAuth2Server.ClientCredentialsModel & OAuth2Server.PasswordModel & OAuth2Server.RefreshTokenModel

const client: OAuth2Server.Client = {
  id: BENCH_CLIENT.clientId,
  grants: ['client_credentials', 'password', 'refresh_token'],
  redirectUris: [BENCH_CLIENT.redirectUri],
}
const DEFAULT_SCOPE = ['read']

const accessTokens = new Map<string, OAuth2Server.Token>()
const refreshTokens = new Map<string, OAuth2Server.RefreshToken>()

const model: Model = {
  async getClient(clientId, clientSecret) {
    return clientId === client.id && secretMatches(clientSecret, BENCH_CLIENT.clientSecret) ? client : false
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
}

const oauth = new OAuth2Server({ model })

const app = express()
app.use(express.urlencoded({ extended: false }))
app.post('/token', async (req, res) => {
  const request = new OAuth2Server.Request(req)
  const response = new OAuth2Server.Response(res)
  try {
    await oauth.token(request, response)
    res.set(response.headers ?? {})
    res.status(response.status ?? 200).send(response.body)
  } catch (error) {
    // As the Express adapter's error handling (useErrorHandler: false) does.
    res.set(response.headers ?? {})
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
})

announce(createServer(app))
