/**
 * Peer: `oidc-provider` (panva) as its documentation sets it up — a standalone Provider (a Koa app) on
 * node:http, in-memory storage (see Storage below), opaque access tokens (the default format), and the
 * benchmark client (client_secret_basic, `scope: 'read'`).
 *
 * client_credentials: the `clientCredentials` feature.
 *
 * authorization_code: the authorization endpoint at `/authorize` with the provider's own interaction
 * protocol — its login/consent interaction is sent to `/interaction/:uid`, which this server answers by
 * approving the signed-in bench user (`interactionDetails`, a Grant of the requested scope,
 * `interactionFinished` with login and consent), as the documentation's custom-interaction examples do,
 * with no page. PKCE as configured by default (S256 only, checked whenever a challenge was sent), codes
 * live 60 s (the default), and `findAccount` knows the one account `bench`. `issueRefreshToken` is set to
 * "whenever the client may use refresh_token" (the documented hook; by default only `offline_access`,
 * an OpenID scope, gets one), so that the exchange returns an access and a refresh token, as every other
 * server does. A consumed code is refused, and its tokens revoked, on a second exchange.
 *
 * Storage: the provider's default in-memory adapter is a development-only LRU of 1 000 entries (it warns
 * so), which would evict pre-issued codes long before they are used. With `--map-adapter` (the entry of
 * the authorization_code scenario) the server gets a small adapter of its own instead, implementing the
 * documented adapter interface over Maps — in memory, nothing evicted, like the other servers' stores;
 * without it (client_credentials) the default adapter stays, as before.
 *
 * Pre-issued codes: through `GET /authorize` a code needs a signed-in session cookie (the first one takes
 * the interaction's several requests) and an HTTP round trip each, too slow for tens of thousands, so the
 * bench-only `POST /bench/codes` (bench/servers/shared.ts) saves them through the provider's own models,
 * with the fields its authorization endpoint gives a code (lib/helpers/process_response_types.js,
 * `codeHandler`): one Session of the bench user holding one Grant of `read` for the client (the endpoint,
 * too, reuses the session's grant for every authorization of that user and client), and per code an
 * `AuthorizationCode` bound to them, the client, the redirect URI and the PKCE challenge, expiring with
 * the session — stored field for field as a code from `GET /authorize` is. The scenario's single-use
 * check uses a code issued through the real `GET /authorize` flow.
 *
 * introspection (RFC 7662): the `introspection` feature, as the documentation's basic configuration
 * enables it, with its route set to `/introspect`. Its `allowedPolicy` is set to the default's own rule (a
 * public client may introspect only its own tokens, an authenticated confidential client any token), written
 * out because the default function prints a "you SHOULD change it" notice on first use. The scenario's token
 * is a client_credentials one (the `ClientCredentials` model, which the endpoint introspects); the
 * token endpoint and the client are as before, so client_credentials runs the same.
 *
 * OpenID Connect (`--oidc`, with `--map-adapter`): the documented setup of an OpenID Provider — `jwks`
 * holding one RSA key (2048 bits, made at start-up), so ID tokens are RS256 (the provider's default
 * `id_token_signed_response_alg`); the client allowed `openid profile read`; the `profile` scope releasing
 * `name`, `given_name`, `family_name` and `preferred_username`, which `findAccount` gives the bench user;
 * UserInfo (on by default) routed at `/userinfo`. Access tokens stay opaque (the default format), as
 * oauth2-stack's are in that mode. Bench codes carry the request's `nonce`, as the codeHandler's do, and
 * the bench session's grant holds the requested scope. With `conformIdTokenClaims` (default) the ID token
 * of the code flow holds the protocol claims only, as oauth2-stack's does; it leaves out `auth_time` (sent
 * only when `max_age` or the client asks) and `at_hash` (optional at the token endpoint), which
 * oauth2-stack's carries — one SHA-256 of the access token more on our side.
 *
 * No password or rotating-refresh scenario: oidc-provider has no password grant, and the rotating refresh
 * scenario pre-issues its refresh tokens through the password grant.
 *
 * No bearer scenario (opaque or JWT): oidc-provider is an authorization server only; it bundles no bearer
 * guard for an application's own API routes, and its documentation shows none. Its maintainer's answer is
 * introspection (which the introspection scenario measures), or building one's own check on the model
 * (`provider.AccessToken.find`, then scope, audience, client, grant and sender-constraint checks "as the
 * userinfo endpoint does": panva/node-oidc-provider issues #67, #225, #560) — an application-written guard,
 * not the library's, and one that would not even find a client_credentials token (a different model).
 */
import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { announce, BENCH_CLIENT, withBenchCodes } from './shared.ts'

/** The part of oidc-provider's (untyped) API used here. */
interface ProviderConfiguration {
  readonly clients: readonly Readonly<Record<string, string | readonly string[]>>[]
  readonly scopes: readonly string[]
  readonly features: Readonly<Record<string, { readonly enabled: boolean; readonly allowedPolicy?: IntrospectionPolicy }>>
  readonly routes: Readonly<Record<string, string>>
  readonly ttl: Readonly<Record<string, number>>
  readonly cookies: { readonly keys: readonly string[] }
  readonly findAccount: (ctx: unknown, sub: string) => Promise<{ accountId: string; claims: () => Promise<{ readonly sub: string }> }>
  readonly issueRefreshToken: (ctx: unknown, client: OidcClient) => Promise<boolean>
  readonly interactions: { readonly url: (ctx: unknown, interaction: { readonly uid: string }) => Promise<string> }
  readonly adapter?: new (model: string) => MapAdapter
  readonly jwks?: { readonly keys: readonly JsonWebKey[] }
  readonly claims?: Readonly<Record<string, readonly string[]>>
}
interface OidcClient {
  readonly clientId: string
  readonly clientAuthMethod: string
  grantTypeAllowed(grantType: string): boolean
}
/** `features.introspection.allowedPolicy`: whether the authenticated client may see the token's details. */
type IntrospectionPolicy = (
  ctx: { readonly oidc: { readonly client: OidcClient } },
  client: OidcClient,
  token: { readonly clientId: string },
) => Promise<boolean>
interface Grant {
  addOIDCScope(scope: string): void
  save(): Promise<string>
}
interface Session {
  readonly uid: string
  readonly accountId: string
  loginAccount(details: { readonly accountId: string }): void
  grantIdFor(clientId: string, grantId: string): void
  authTime(): number
  save(ttl: number): Promise<string>
}
interface Provider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ readonly params: Readonly<Record<string, unknown>> }>
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: unknown,
    options: { readonly mergeWithLastSubmission: boolean },
  ): Promise<void>
  readonly Grant: new (payload: { readonly accountId: string; readonly clientId: string }) => Grant
  readonly Session: new () => Session
  readonly AuthorizationCode: new (payload: Readonly<Record<string, unknown>>) => { save(): Promise<string> }
  readonly Client: { find(clientId: string): Promise<OidcClient | undefined> }
}
interface OidcProviderModule {
  readonly Provider: new (issuer: string, configuration: ProviderConfiguration) => Provider
}

// oidc-provider ships no type declarations (and @types/oidc-provider is not installed): load it through a
// non-literal specifier and give it the local interface above.
const specifier: string = 'oidc-provider'
const { Provider } = (await import(specifier)) as OidcProviderModule

/** What oidc-provider stores through an adapter: a JSON payload, some with a grant, a session uid. */
type Payload = Record<string, unknown> & { grantId?: unknown; uid?: unknown; consumed?: unknown }

// The models whose records are revoked with their grant (as in oidc-provider's own memory adapter).
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
])
const records = new Map<string, { readonly payload: Payload; readonly expiresAt: number }>()
const grantMembers = new Map<string, Set<string>>()
const sessionIds = new Map<string, string>()

/**
 * oidc-provider's adapter interface (upsert, find, findByUid, findByUserCode, consume, destroy,
 * revokeByGrantId) over Maps, one instance per model; expired records are dropped when read.
 */
class MapAdapter {
  readonly #model: string

  constructor(model: string) {
    this.#model = model
  }

  #key(id: string): string {
    return `${this.#model}:${id}`
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    const key = this.#key(id)
    records.set(key, { payload, expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity })
    if (this.#model === 'Session' && typeof payload.uid === 'string') sessionIds.set(payload.uid, id)
    if (GRANTABLE.has(this.#model) && typeof payload.grantId === 'string') {
      const members = grantMembers.get(payload.grantId) ?? new Set<string>()
      grantMembers.set(payload.grantId, members.add(key))
    }
  }

  async find(id: string): Promise<Payload | undefined> {
    const key = this.#key(id)
    const record = records.get(key)
    if (record === undefined || record.expiresAt > Date.now()) return record?.payload
    records.delete(key)
    return undefined
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    const id = sessionIds.get(uid)
    return id === undefined ? undefined : this.find(id)
  }

  // No device flow here.
  async findByUserCode(): Promise<undefined> {
    return undefined
  }

  async consume(id: string): Promise<void> {
    const record = records.get(this.#key(id))
    if (record !== undefined) record.payload.consumed = Math.floor(Date.now() / 1000)
  }

  async destroy(id: string): Promise<void> {
    const key = this.#key(id)
    const uid = records.get(key)?.payload.uid
    if (typeof uid === 'string' && sessionIds.get(uid) === id) sessionIds.delete(uid)
    records.delete(key)
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of grantMembers.get(grantId) ?? []) records.delete(key)
    grantMembers.delete(grantId)
  }
}

const ISSUER = 'http://127.0.0.1'
const ACCOUNT = 'bench'
const DAYS_14 = 14 * 24 * 60 * 60

/** `--oidc`: OpenID Connect as its documentation configures it (RS256 ID tokens, `/userinfo`). */
const oidcMode = process.argv.includes('--oidc')
const PROFILE = { name: 'Bench User', given_name: 'Bench', family_name: 'User', preferred_username: 'bench' }

const provider = new Provider(ISSUER, {
  ...(oidcMode
    ? {
        jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), use: 'sig' }] },
        claims: { profile: Object.keys(PROFILE) },
      }
    : {}),
  clients: [
    {
      client_id: BENCH_CLIENT.clientId,
      client_secret: BENCH_CLIENT.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [BENCH_CLIENT.redirectUri],
      scope: oidcMode ? 'openid profile read' : 'read',
    },
  ],
  // Without a resource indicator, client_credentials keeps only the scopes listed here.
  scopes: ['read'],
  features: {
    clientCredentials: { enabled: true },
    // A quick-start-only feature (login/consent pages); this server answers the interactions itself.
    devInteractions: { enabled: false },
    // RFC 7662, with the default policy's rule: a public client only for its own tokens.
    introspection: {
      enabled: true,
      allowedPolicy: async (ctx, client, token) => client.clientAuthMethod !== 'none' || token.clientId === ctx.oidc.client.clientId,
    },
  },
  routes: { token: '/token', authorization: '/authorize', introspection: '/introspect', userinfo: '/userinfo' },
  // The defaults' values, set explicitly as the documentation asks (the default functions print a notice
  // on stdout on first use).
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    ClientCredentials: 600,
    Grant: DAYS_14,
    IdToken: 3600,
    Interaction: 3600,
    RefreshToken: DAYS_14,
    Session: DAYS_14,
  },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => (oidcMode ? { sub, ...PROFILE } : { sub }) }),
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ...(process.argv.includes('--map-adapter') ? { adapter: MapAdapter } : {}),
})

// The interaction: the bench user is signed in and approves the requested scope (no page).
async function approve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { params } = await provider.interactionDetails(req, res)
  const grant = new provider.Grant({ accountId: ACCOUNT, clientId: String(params.client_id) })
  grant.addOIDCScope(String(params.scope))
  const grantId = await grant.save()
  await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT }, consent: { grantId } }, { mergeWithLastSubmission: false })
}

// The bench-only code route: one Session and Grant of the bench user, then per code an AuthorizationCode
// with the fields the authorization endpoint's codeHandler gives it.
let benchSession: Promise<{ session: Session; grantId: string }> | undefined
async function sessionAndGrant(scope: string): Promise<{ session: Session; grantId: string }> {
  const grant = new provider.Grant({ accountId: ACCOUNT, clientId: BENCH_CLIENT.clientId })
  grant.addOIDCScope(scope)
  const grantId = await grant.save()
  const session = new provider.Session()
  session.loginAccount({ accountId: ACCOUNT })
  session.grantIdFor(BENCH_CLIENT.clientId, grantId)
  await session.save(DAYS_14)
  return { session, grantId }
}
const authorizeInProcess = async (params: URLSearchParams): Promise<string> => {
  // Every bench code of a run asks for the same scope: the first request's makes the session's grant.
  benchSession ??= sessionAndGrant(params.get('scope') ?? '')
  const { session, grantId } = await benchSession
  const client = await provider.Client.find(params.get('client_id') ?? '')
  const redirectUri = params.get('redirect_uri')
  if (client === undefined || redirectUri !== BENCH_CLIENT.redirectUri) throw new Error('unknown client or redirect_uri')
  const code = await new provider.AuthorizationCode({
    accountId: session.accountId,
    authTime: session.authTime(),
    client,
    codeChallenge: params.get('code_challenge'),
    codeChallengeMethod: params.get('code_challenge_method'),
    grantId,
    nonce: params.get('nonce') ?? undefined,
    redirectUri,
    scope: params.get('scope'),
    sessionUid: session.uid,
    // The default expiresWithSession: true unless offline_access was granted.
    expiresWithSession: true,
  }).save()
  const location = new URL(redirectUri)
  location.search = new URLSearchParams({ code, state: params.get('state') ?? '', iss: ISSUER }).toString()
  return location.toString()
}

const oidc = provider.callback()
announce(
  createServer(
    withBenchCodes((req, res) => {
      if (req.method === 'GET' && req.url?.startsWith('/interaction/') === true) {
        approve(req, res).catch((error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)))
        return
      }
      oidc(req, res)
    }, authorizeInProcess),
  ),
)
