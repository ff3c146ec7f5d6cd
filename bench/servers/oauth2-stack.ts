/**
 * oauth2-stack on node:http with every grant a scenario needs and the benchmark client; in-memory stores,
 * or `--store <url>` (sqlite:…, postgres://…, redis://…) for the per-store figures. A SQL/Redis store gets
 * fresh tables/keys per run (a random prefix) and is cleaned up on exit.
 *
 * Authorization codes: the bench user `bench` is taken as signed in, and the site adapter approves every
 * authorization request for it without a page, so `GET /authorize?response_type=code&…` redirects straight
 * to the client with a code (AuthorizationCodeGrant with its defaults: PKCE S256, code bound to client,
 * redirect URI and challenge, single-use). The scenario pre-issues its codes through the bench-only
 * `POST /bench/codes` (bench/servers/shared.ts), which hands that same `GET /authorize` to
 * `controller.dispatch` in-process — the authorization endpoint exactly as nodeHandler would call it, only
 * without an HTTP round trip per code.
 *
 * `--oidc`: OpenID Connect on (`OpenIdConnect` from `oauth2-stack/oidc`), as docs/openid-connect.md sets it
 * up: the scopes `openid` and `profile` allowed, a `KeySet` (RS256, a 2048-bit RSA key made at start-up,
 * sealed in a `LocalRecordStore`) signing the ID tokens, and a claims hook that knows the bench user's
 * profile. Access tokens stay opaque (kept hashed in the token store), as oidc-provider's are.
 */
import { createServer } from 'node:http'
import { AuthorizationController, DynamicClientRegistration, type LimitsOptions } from 'oauth2-stack'
import { AuthorizationCodeGrant, ClientCredentialsGrant, RefreshToken, ResourceOwnerGrant, Scope } from 'oauth2-stack/grant'
import { LocalClientStore, LocalTokenStore, type ClientStore, type TokenStore } from 'oauth2-stack/store'
import { randomBytes } from 'node:crypto'
import { openStore } from 'oauth2-stack/store/open'
import { openBenchStore } from './bench-store.ts'
import { nodeHandler, Request, type AuthenticationResult, type NodeEnviron, type SiteAdapter } from 'oauth2-stack/web'
import { nodeBearer } from 'oauth2-stack/resource'
import { JwtTokenGenerator } from 'oauth2-stack/tokengenerator'
import { KeySet } from 'oauth2-stack/keys'
import { OpenIdConnect } from 'oauth2-stack/oidc'
import { LocalRecordStore } from 'oauth2-stack/store'
import { announce, BENCH_CLIENT, withBenchCodes } from './shared.ts'

/** `--events`: audit events on, delivered to a handler that drops them (what an `onEvent` costs the core). */
const events = process.argv.includes('--events')
const storeIndex = process.argv.indexOf('--store')
const storeUrl = storeIndex === -1 ? undefined : process.argv[storeIndex + 1]
let clientStore: ClientStore & { addClient: LocalClientStore['addClient'] }
let tokenStore: TokenStore
let closeStore = async (): Promise<void> => {}
if (storeUrl === undefined) {
  clientStore = new LocalClientStore()
  tokenStore = new LocalTokenStore()
} else {
  const opened = await openBenchStore(openStore, storeUrl)
  clientStore = opened.clientStore
  tokenStore = opened.tokenStore
  closeStore = () => opened.close()
}
await clientStore.addClient({
  clientId: BENCH_CLIENT.clientId,
  clientSecret: BENCH_CLIENT.clientSecret,
  redirectUris: [BENCH_CLIENT.redirectUri],
})
const siteAdapter: SiteAdapter<NodeEnviron> = {
  async authenticate(request): Promise<AuthenticationResult> {
    // The authorization endpoint: the bench user is signed in and approves (no login or consent page).
    if (request.path === controller.authorizePath) return { type: 'granted', userId: 'bench' }
    // The password grant: the user's credentials.
    const ok = request.postParam('username') === 'bench' && request.postParam('password') === 'bench'
    return ok ? { type: 'granted', userId: 'bench' } : { type: 'denied' }
  },
  async renderAuthPage(_request, response) {
    return response
  },
  async userHasDeniedAccess() {
    return false
  },
}
// `--jwt`: RFC 9068 access tokens (ES256), and the bearer guard verifies them with the published keys.
const jwt = process.argv.includes('--jwt')
  ? new JwtTokenGenerator({ issuer: 'http://127.0.0.1', keys: [await JwtTokenGenerator.generateKey('ES256')] })
  : undefined
/** `--no-limits`: the rate limits off, to measure the store core alone (before/after comparisons). */
const noLimits = process.argv.includes('--no-limits')
/** `--registration`: dynamic client registration on, its per-address limit off (the load comes from one address). */
const registration = process.argv.includes('--registration')
const limits: LimitsOptions = {
  ...(noLimits ? { clientAuthentication: false, signIn: false, signInPerUser: false } : {}),
  ...(registration ? { registration: false } : {}),
}
/** `--oidc`: OpenID Connect on, ID tokens signed RS256 by a key set in memory. */
const oidc = process.argv.includes('--oidc')
const controller = new AuthorizationController<NodeEnviron>({
  ...(events ? { onEvent: () => {} } : {}),
  issuer: 'http://127.0.0.1',
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
  siteAdapter,
  scope: new Scope({ available: oidc ? ['read', 'write', 'openid', 'profile'] : ['read', 'write'], default: ['read'] }),
  ...(jwt === undefined ? {} : { tokenGenerator: jwt }),
  introspection: { mayIntrospectAll: () => true },
  ...(noLimits || registration ? { limits } : {}),
})
controller.addGrant(new AuthorizationCodeGrant())
controller.addGrant(new ClientCredentialsGrant())
controller.addGrant(new ResourceOwnerGrant())
controller.addGrant(new RefreshToken({ expiresIn: 86400 }))
if (registration) controller.use(new DynamicClientRegistration())
if (oidc) {
  const signer = new KeySet({ store: new LocalRecordStore(), issuer: 'http://127.0.0.1', secret: randomBytes(32) })
  // The key is made and imported now, not on the first token.
  await signer.load()
  const profile = { name: 'Bench User', given_name: 'Bench', family_name: 'User', preferred_username: 'bench' }
  controller.use(new OpenIdConnect({ signer, claims: async (userId) => (userId === 'bench' ? profile : undefined) }))
}

// A protected API route for the bearer scenarios: opaque tokens through the store, JWTs through the keys.
const guard = nodeBearer(
  jwt === undefined ? { issuer: 'http://127.0.0.1', store: tokenStore } : { issuer: 'http://127.0.0.1', jwks: jwt.jwks() },
  ['read'],
)
const api = JSON.stringify({ ok: true })
const oauth = nodeHandler(controller)
// The bench-only code route: the authorization request, as GET /authorize, through the controller.
const authorizeInProcess = async (params: URLSearchParams, req: NodeEnviron['req'], res: NodeEnviron['res']): Promise<string> => {
  const response = await controller.dispatch(Request.fromUrl('GET', `${controller.authorizePath}?${params.toString()}`), { req, res })
  const location = response.headers.location
  if (response.statusCode !== 302 || location === undefined) throw new Error(`authorize: ${response.statusCode} ${response.body}`)
  return location
}
announce(
  createServer(
    withBenchCodes((req, res) => {
      if (req.url !== '/api') {
        oauth(req, res)
        return
      }
      void guard(req, res).then((token) => token !== undefined && res.writeHead(200, { 'content-type': 'application/json' }).end(api))
    }, authorizeInProcess),
  ),
  closeStore,
)
