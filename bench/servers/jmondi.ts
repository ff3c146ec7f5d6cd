/**
 * Peer: `@jmondi/oauth2-server` (ts-oauth2-server) on Express 5, as its README and Express adapter docs
 * show: `express.urlencoded`, `requestFromExpress` → `AuthorizationServer#respondToAccessTokenRequest` →
 * `handleExpressResponse` / `handleExpressError`, with in-memory repositories.
 *
 * Grants: client_credentials, password (the user `bench`/`bench`) and refresh_token, with the library's
 * defaults — its access tokens are always HS256 JWTs signed with the server's secret (there is no opaque
 * access-token option), its refresh tokens are JWTs too (`useOpaqueRefreshTokens` off by default), a
 * 1 h access-token TTL, and rotation: each refresh revokes the old token record through the repository
 * and issues a new access and refresh token, so a used refresh token is refused.
 *
 * authorization_code: enabled with an in-memory `authCodeRepository` and the library's defaults — PKCE
 * required and S256 only (`requiresPKCE`, `requiresS256`), 15-minute codes, and codes that are the
 * library's own signed JWT payloads (client, redirect URI, challenge, user, `auth_code_id`), not opaque
 * (`useOpaqueAuthorizationCodes` off). The repository keeps each `auth_code_id` until the grant revokes
 * it after issuing the tokens, so a second exchange is refused (`isRevoked`). `GET /authorize` is the
 * README's Express route — `validateAuthorizationRequest`, the signed-in bench user set on the request and
 * approved, `completeAuthorizationRequest` — and the scenario pre-issues its codes through the bench-only
 * `POST /bench/codes` (bench/servers/shared.ts), which runs those same two calls in-process on an
 * `OAuthRequest`: the library builds every code, none is fabricated.
 *
 * introspection (RFC 7662): `POST /introspect` is the documentation's introspect route (`/token/introspect`
 * there) — `AuthorizationServer#introspect` between `requestFromExpress` and `handleExpressResponse` — with
 * the library's defaults: the caller authenticated as a client (`authenticateIntrospect`), the token's JWT
 * signature verified, and its record looked up by its `jti` through the repository's `getByAccessToken`, so
 * the answer reflects the stored token (active until its stored expiry, unknown or revoked ones inactive).
 *
 * bearer (JWT): `GET /api` behind the middleware of the documentation's "Protecting Resources" guide (the
 * library bundles no guard; the guide is its documented way for a resource server in the same process):
 * the `Bearer` header; the library's own `JwtService#verify` (jsonwebtoken, HS256 with the server's secret;
 * signature, `exp` and `nbf`), the same instance the authorization server signs with; the revocation check
 * through the repository's `getByAccessToken(jti)` and the stored expiry; then the required scope `read`
 * against the token's `scope` claim. The issuer and audience checks of the guide apply only when the server
 * sets those claims, which it does not by default. The route then answers 200 with a small JSON body.
 *
 * No bearer (opaque) scenario: the library's access tokens are always JWTs.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import {
  AuthorizationServer,
  DateInterval,
  generateRandomToken,
  guardAgainstInvalidClientScopes,
  JwtService,
  OAuthException,
  OAuthRequest,
  type OAuthAuthCode,
  type OAuthAuthCodeRepository,
  type OAuthClient,
  type OAuthClientRepository,
  type OAuthScope,
  type OAuthScopeRepository,
  type OAuthToken,
  type OAuthTokenRepository,
  type OAuthUserRepository,
} from '@jmondi/oauth2-server'
import { handleExpressError, handleExpressResponse, requestFromExpress } from '@jmondi/oauth2-server/express'
import express from 'express'
import { BENCH_SCOPES, BENCH_USER, findBenchUser, secretMatches } from './peer-users.ts'
import { announce, BENCH_CLIENT, withBenchCodes } from './shared.ts'

const scopes: OAuthScope[] = BENCH_SCOPES.map((name) => ({ name }))
const defaultScopes: OAuthScope[] = scopes.filter((scope) => scope.name === 'read')
const client: OAuthClient = {
  id: BENCH_CLIENT.clientId,
  name: BENCH_CLIENT.clientId,
  secret: BENCH_CLIENT.clientSecret,
  redirectUris: [BENCH_CLIENT.redirectUri],
  allowedGrants: ['authorization_code', 'client_credentials', 'password', 'refresh_token'],
  scopes,
}
// The repository sets the refresh token's lifetime (the library has no default); one day, as oauth2-stack's server.
const REFRESH_TOKEN_TTL = new DateInterval('1d')

const clientRepository: OAuthClientRepository = {
  async getByIdentifier(clientId) {
    // The contract: throw for an unknown client.
    if (clientId !== client.id) throw OAuthException.invalidClient()
    return client
  },
  async isClientValid(grantType, candidate, clientSecret) {
    if (typeof candidate.secret === 'string' && !secretMatches(clientSecret, candidate.secret)) return false
    return candidate.allowedGrants.includes(grantType)
  },
}

const scopeRepository: OAuthScopeRepository = {
  async getAllByIdentifiers(names) {
    return scopes.filter((scope) => names.includes(scope.name))
  },
  async finalize(requested, _grantType, owner) {
    guardAgainstInvalidClientScopes(owner, requested)
    return requested.length === 0 ? defaultScopes : requested
  },
}

const byAccessToken = new Map<string, OAuthToken>()
const byRefreshToken = new Map<string, OAuthToken>()

const tokenRepository: OAuthTokenRepository = {
  async issueToken(owner, granted, user) {
    return {
      accessToken: generateRandomToken(),
      // Replaced by the grant's TTL (1 h by default).
      accessTokenExpiresAt: new DateInterval('1h').getEndDate(),
      refreshToken: null,
      refreshTokenExpiresAt: null,
      client: owner,
      user: user ?? null,
      scopes: granted,
    }
  },
  async persist(token) {
    byAccessToken.set(token.accessToken, token)
  },
  async issueRefreshToken(token) {
    token.refreshToken = generateRandomToken()
    token.refreshTokenExpiresAt = REFRESH_TOKEN_TTL.getEndDate()
    byRefreshToken.set(token.refreshToken, token)
    return token
  },
  async revoke(token) {
    byAccessToken.delete(token.accessToken)
    if (typeof token.refreshToken === 'string') byRefreshToken.delete(token.refreshToken)
  },
  async isRefreshTokenRevoked(token) {
    const expiresAt = token.refreshTokenExpiresAt?.getTime() ?? 0
    return typeof token.refreshToken !== 'string' || !byRefreshToken.has(token.refreshToken) || Date.now() > expiresAt
  },
  async getByRefreshToken(refreshToken) {
    const token = byRefreshToken.get(refreshToken)
    if (token === undefined) throw OAuthException.invalidGrant('refresh token is unknown or revoked')
    return token
  },
  async getByAccessToken(accessToken) {
    const token = byAccessToken.get(accessToken)
    if (token === undefined) throw OAuthException.invalidGrant('access token is unknown or revoked')
    return token
  },
}

const userRepository: OAuthUserRepository = {
  async getUserByCredentials(identifier, password) {
    // The authorization_code grant looks the code's user up by its id alone (no password).
    if (password === undefined) return identifier === BENCH_USER.id ? BENCH_USER : undefined
    return typeof identifier === 'string' ? findBenchUser(identifier, password) : undefined
  },
}

const authCodes = new Map<string, OAuthAuthCode>()

const authCodeRepository: OAuthAuthCodeRepository = {
  issueAuthCode(owner, user, granted) {
    return {
      code: generateRandomToken(),
      // The grant sets the expiry (its 15-minute TTL), redirect URI, challenge and scopes before persist.
      expiresAt: new DateInterval('15m').getEndDate(),
      redirectUri: null,
      codeChallenge: null,
      codeChallengeMethod: null,
      user: user ?? null,
      client: owner,
      scopes: granted,
    }
  },
  async persist(authCode) {
    authCodes.set(authCode.code, authCode)
  },
  async getByIdentifier(code) {
    const authCode = authCodes.get(code)
    if (authCode === undefined) throw OAuthException.invalidParameter('code', 'authorization code is unknown or revoked')
    return authCode
  },
  async isRevoked(code) {
    const authCode = authCodes.get(code)
    return authCode === undefined || Date.now() > authCode.expiresAt.getTime()
  },
  async revoke(code) {
    authCodes.delete(code)
  },
}

// The JWT signing secret (HS256 through jsonwebtoken), random per process, in the library's JwtService
// (what the constructor builds from a secret string), shared with the bearer guard below.
const jwtService = new JwtService(randomBytes(32).toString('base64url'))
const authorizationServer = new AuthorizationServer(clientRepository, tokenRepository, scopeRepository, jwtService)
authorizationServer.enableGrantTypes(
  { grant: 'authorization_code', authCodeRepository, userRepository },
  'client_credentials',
  { grant: 'password', userRepository },
  'refresh_token',
)

// The authorization endpoint as the README shows it: validate, set the signed-in user, approve, complete.
async function authorize(request: OAuthRequest): Promise<Awaited<ReturnType<AuthorizationServer['completeAuthorizationRequest']>>> {
  const authorizationRequest = await authorizationServer.validateAuthorizationRequest(request)
  authorizationRequest.user = { id: BENCH_USER.id }
  authorizationRequest.isAuthorizationApproved = true
  return authorizationServer.completeAuthorizationRequest(authorizationRequest)
}

const app = express()
app.use(express.urlencoded({ extended: false }))
app.get('/authorize', async (req, res) => {
  try {
    handleExpressResponse(res, await authorize(requestFromExpress(req)))
  } catch (error) {
    handleExpressError(error, res)
  }
})
app.post('/token', async (req, res) => {
  try {
    const oauthResponse = await authorizationServer.respondToAccessTokenRequest(requestFromExpress(req))
    handleExpressResponse(res, oauthResponse)
  } catch (error) {
    handleExpressError(error, res)
  }
})

app.post('/introspect', async (req, res) => {
  try {
    handleExpressResponse(res, await authorizationServer.introspect(requestFromExpress(req)))
  } catch (error) {
    handleExpressError(error, res)
  }
})

// The "Protecting Resources" guide's validateAccessToken: the signature and time claims through the
// library's JwtService, then the stored token (revocation and stored expiry); undefined if any check fails.
async function validateAccessToken(
  accessToken: string,
): Promise<{ readonly scopes: readonly string[]; readonly token: OAuthToken } | undefined> {
  try {
    const payload = await jwtService.verify(accessToken)
    if (typeof payload.jti !== 'string') return undefined
    const token = await tokenRepository.getByAccessToken?.(payload.jti)
    if (token === undefined || token.accessTokenExpiresAt < new Date()) return undefined
    return { scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [], token }
  } catch {
    return undefined
  }
}

// The guide's Express requireAuth middleware: the Bearer header, the token validated, the required scopes.
function requireAuth(requiredScopes: readonly string[]): express.RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization
    if (header?.startsWith('Bearer ') !== true) {
      res
        .status(401)
        .setHeader('WWW-Authenticate', 'Bearer realm="api"')
        .json({ error: 'invalid_request', error_description: 'Missing Authorization header' })
      return
    }
    const validated = await validateAccessToken(header.slice(7))
    if (validated === undefined) {
      res
        .status(401)
        .setHeader('WWW-Authenticate', 'Bearer error="invalid_token"')
        .json({ error: 'invalid_token', error_description: 'Token is invalid, expired, or revoked' })
      return
    }
    if (!requiredScopes.every((scope) => validated.scopes.includes(scope))) {
      res
        .status(403)
        .setHeader('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${requiredScopes.join(' ')}"`)
        .json({ error: 'insufficient_scope', error_description: `Required scopes: ${requiredScopes.join(' ')}` })
      return
    }
    res.locals.accessToken = validated
    next()
  }
}
app.get('/api', requireAuth(['read']), (_req, res) => {
  res.json({ ok: true })
})

// The bench-only code route: the same two calls in-process, on the authorization request's query.
const authorizeInProcess = async (params: URLSearchParams): Promise<string> => {
  const response = await authorize(new OAuthRequest({ query: Object.fromEntries(params) }))
  const location: unknown = response.headers.location
  if (typeof location !== 'string') throw new Error(`authorize: ${response.status} without a redirect`)
  return location
}

announce(createServer(withBenchCodes(app, authorizeInProcess)))
