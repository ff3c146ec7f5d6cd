import { ConfigurationError } from '../errors.ts'
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AuthorizationController } from '../controller.ts'
import { AuthorizationCodeGrant } from '../grants/authorization-code.ts'
import { ClientCredentialsGrant } from '../grants/client-credentials.ts'
import { DEVICE_CODE_GRANT_TYPE, DeviceCodeGrant } from '../grants/device-code.ts'
import { ImplicitGrant } from '../grants/implicit.ts'
import { RefreshToken } from '../grants/refresh-token.ts'
import { ResourceOwnerGrant } from '../grants/resource-owner.ts'
import { Scope } from '../checks/scope.ts'
import type { KeySet } from '../keys/key-set.ts'
import { JwtTokenGenerator } from '../tokens/jwt.ts'
import { OPENID_CONFIGURATION_PATH } from '../logout/openid-connect.ts'
import { escapeHtml } from '../internal/html.ts'
import type { AdministeredClientStore } from '../stores/from-url.ts'
import { storedUriProblems } from '../stores/client-registration.ts'
import { LocalClientStore } from '../stores/memory-client-store.ts'
import { LocalTokenStore } from '../stores/memory-token-store.ts'
import type { TokenStore } from '../stores/types.ts'
import type { NodeEnviron } from '../adapters/node-http.ts'
import { Response } from '../web/response.ts'
import { demoRequestHandler } from './demo-handler.ts'
import { DEFAULT_DRAIN_MS, Drain, type DrainResult } from './drain.ts'
import { healthResponse } from './health.ts'
import { escapeControlCharacters } from './printable.ts'
import { DynamicClientRegistration } from '../registration/feature.ts'
import { DEMO_SCOPES, DemoSiteAdapter, type DemoUser } from './demo-site-adapter.ts'
import { DEMO_POST_LOGOUT_REDIRECT_URI, demoOpenIdConnect, memoryKeySet } from './demo-openid.ts'
import {
  PLAYGROUND_CALLBACK_PATH,
  PLAYGROUND_CLIENT_ID,
  PLAYGROUND_PATH,
  PLAYGROUND_REDIRECT_URIS,
  playgroundOpenIdConfig,
  playgroundPage,
} from './playground/page.ts'
import type { RequestLogger } from './request-log.ts'

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number
  /** Host to bind. Default `127.0.0.1`. With the demo credentials, only loopback hosts: they are public. */
  readonly host?: string
  /** The issuer identifier. Default `http://<host>:<port>`. */
  readonly issuer?: string
  /** Where clients live. Default: a new in-memory `LocalClientStore`. */
  readonly clientStore?: AdministeredClientStore
  /** Where codes and tokens live. Default: a new in-memory `LocalTokenStore`. */
  readonly tokenStore?: TokenStore
  /**
   * Register the public demo credentials: clients `abc`/`xyz`, `demo-public` and `playground`, and the
   * user `demo`/`demo`. Default `true`.
   */
  readonly demo?: boolean
  /** Serve the playground at `/playground`. Default: whenever {@link DemoServerOptions.demo} is on; needs it. */
  readonly playground?: boolean
  /** More users who can sign in. */
  readonly users?: readonly DemoUser[]
  /** The scopes, with the plain words the consent page shows. Default {@link DEMO_SCOPES}. */
  readonly scopes?: Readonly<Record<string, string>>
  /** Scopes granted when a client asks for none. Default `profile` when it is a scope, else none. */
  readonly defaultScopes?: readonly string[]
  /** Access-token lifetime in seconds. Default 3600. */
  readonly accessTokenLifetime?: number
  /** Refresh-token lifetime in seconds. Default 2592000. */
  readonly refreshTokenLifetime?: number
  /** Authorization-code lifetime in seconds. Default 600, so there is time to copy a code into curl. */
  readonly authorizationCodeLifetime?: number
  /** One log line per request, the audit events and server errors go here. Default: no request log. */
  readonly logger?: RequestLogger
  /** How long {@link DemoServer.shutdown} waits for requests in flight, in milliseconds. Default 10000. */
  readonly drainTimeoutMs?: number
  /**
   * The issuer's signing keys, made once the issuer is known (e.g. a store `KeySet`): served at `/jwks`,
   * signing the ID tokens (the demo is an OpenID Provider whenever `openid` is one of its scopes; without
   * this option it uses a key set in memory), and the access tokens when
   * {@link DemoServerOptions.accessTokenFormat} is `jwt`.
   */
  readonly signer?: (issuer: string) => KeySet
  /** `opaque` (default) or `jwt` (RFC 9068, signed by {@link DemoServerOptions.signer}). */
  readonly accessTokenFormat?: 'opaque' | 'jwt'
}

/** A running demo server and what a newcomer needs to try it. */
export interface DemoServer {
  /** The listening `node:http` server. */
  readonly server: Server
  /** The controller it serves. */
  readonly controller: AuthorizationController<NodeEnviron>
  /** The issuer identifier, also the server's base URL (`http://127.0.0.1:<port>`). */
  readonly issuer: string
  /** A ready-to-open authorization URL (client `abc`, PKCE S256). */
  readonly authorizationUrl: string
  /** The PKCE verifier that goes with {@link DemoServer.authorizationUrl}. */
  readonly codeVerifier: string
  /** A curl command that exchanges the code (replace CODE). */
  readonly curl: string
  /** The device flow's verification page (RFC 8628), where the user types the code a device shows. */
  readonly deviceUrl: string
  /** A curl command that starts the device flow for the public client. */
  readonly deviceCurl: string
  /** A curl command that polls for the device flow's tokens (replace DEVICE_CODE). */
  readonly devicePollCurl: string
  /** The playground page, when it is served. */
  readonly playgroundUrl: string | undefined
  /** Stops listening and closes open connections at once (the stores are the caller's to close). */
  close(): Promise<void>
  /**
   * Graceful shutdown: requests in flight are answered, new ones get 503 with `Connection: close`, and
   * after at most `drainTimeoutMs` the server is closed (the stores are the caller's to close).
   */
  shutdown(): Promise<DrainResult>
}

/** The demo's fixed registrations, as the README describes them. */
export const DEMO = {
  confidentialClient: { clientId: 'abc', clientSecret: 'xyz' },
  publicClient: { clientId: 'demo-public' },
  redirectUri: 'http://localhost/callback',
  user: { username: 'demo', password: 'demo' },
} as const

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

/** Whether a host name or address is a loopback one (the only kind the demo credentials may be served on). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host)
}

/**
 * Starts the demo authorization server: in-memory stores (or the ones given), the confidential client
 * `abc`/`xyz`, the public client `demo-public` (PKCE required), the user `demo`/`demo`, every grant (the
 * device flow's verification page at `/device` included), a login-and-consent page and the playground at
 * `/playground`. Refuses to bind a non-loopback host with the demo credentials, since they are public.
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const host = options.host ?? '127.0.0.1'
  const demo = options.demo ?? true
  if (demo && !isLoopbackHost(host)) {
    throw new ConfigurationError(`The demo server only binds loopback hosts (its credentials are public); got ${host}`)
  }
  const playground = demo && (options.playground ?? true)
  const clientStore = options.clientStore ?? new LocalClientStore()
  if (demo) {
    await clientStore.addClient({
      clientId: DEMO.confidentialClient.clientId,
      clientSecret: DEMO.confidentialClient.clientSecret,
      redirectUris: [DEMO.redirectUri],
      // No implicit grant for the demo's clients: tokens in a URI fragment, no PKCE (RFC 9700 section 2.1.2).
      responseTypes: ['code'],
      name: 'Demo App (abc)',
      postLogoutRedirectUris: [DEMO_POST_LOGOUT_REDIRECT_URI],
    })
    await clientStore.addClient({
      clientId: DEMO.publicClient.clientId,
      redirectUris: [DEMO.redirectUri],
      responseTypes: ['code'],
      name: 'Demo Public App',
    })
  }
  if (playground) {
    // Loopback callbacks match on any port; an issuer elsewhere (behind a proxy) gets its own.
    const origin = options.issuer === undefined ? undefined : new URL(options.issuer).origin
    const viaIssuer =
      origin === undefined || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(origin)
        ? []
        : [`${origin}${PLAYGROUND_CALLBACK_PATH}`]
    await clientStore.addClient({
      clientId: PLAYGROUND_CLIENT_ID,
      redirectUris: [...PLAYGROUND_REDIRECT_URIS, ...viaIssuer],
      grantTypes: ['authorization_code', 'refresh_token'],
      responseTypes: ['code'],
      name: 'OAuth Playground',
    })
  }
  await warnAboutStoredUris(clientStore, options.logger)
  const tokenStore = options.tokenStore ?? new LocalTokenStore()
  const scopes = options.scopes ?? DEMO_SCOPES
  const openid = Object.hasOwn(scopes, 'openid')
  const users: DemoUser[] = [...(options.users ?? [])]
  if (demo)
    users.unshift({
      username: DEMO.user.username,
      password: DEMO.user.password,
      data: { name: 'Demo User', email: 'demo@example.com', email_verified: true },
    })
  const siteAdapter = new DemoSiteAdapter(users, {
    scopeDescriptions: scopes,
    ...(demo ? { hint: `Demo account: ${DEMO.user.username} / ${DEMO.user.password}` } : {}),
  })
  const { logger } = options

  const server = createServer()
  // Bound how long a client may take to send its request (slow clients), beyond nodeHandler's body limit.
  server.headersTimeout = 10_000
  server.requestTimeout = 15_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const issuer = options.issuer ?? `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`

  let controller: AuthorizationController<NodeEnviron>
  try {
    // Read (or created) now: a wrong key secret or a store that cannot hold keys stops the start.
    // An OpenID Provider whenever openid is a scope: the host's key set, else one in memory.
    const signer = options.signer?.(issuer) ?? (openid ? memoryKeySet(issuer) : undefined)
    await signer?.load()
    controller = new AuthorizationController<NodeEnviron>({
      issuer,
      ...(signer === undefined ? {} : { signer }),
      ...(options.accessTokenFormat === 'jwt' && signer !== undefined ? { tokenGenerator: new JwtTokenGenerator({ issuer, signer }) } : {}),
      accessTokenStore: tokenStore,
      authCodeStore: tokenStore,
      clientStore,
      siteAdapter,
      scope: new Scope({
        available: Object.keys(scopes),
        default: options.defaultScopes ?? (Object.hasOwn(scopes, 'profile') ? ['profile'] : []),
      }),
      ...(options.accessTokenLifetime === undefined ? {} : { accessTokenLifetime: options.accessTokenLifetime }),
      // Ten minutes by default, so there is time to copy the code into the printed curl command.
      authorizationCodeLifetime: options.authorizationCodeLifetime ?? 600,
      // MCP clients name themselves by their metadata document; a local demo may fetch documents on this machine.
      clientIdMetadataDocuments: { allowLoopback: /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(new URL(issuer).origin) },
      // Server errors and store outages through the log (the controller's default onError), and the audit events.
      ...(logger === undefined ? {} : { logger: logger.asLogger(), onEvent: (event) => logger.audit(event) }),
    })
    // One JWKS: the controller's, with the same key set (docs/openid-connect.md).
    if (openid && signer !== undefined) controller.use(demoOpenIdConnect(signer, users))
  } catch (error) {
    server.close()
    throw error
  }
  controller.addGrant(new AuthorizationCodeGrant())
  controller.addGrant(new ImplicitGrant())
  controller.addGrant(new ResourceOwnerGrant())
  controller.addGrant(new ClientCredentialsGrant())
  // Concurrent refresh on, as MCP clients need it: see docs/refresh-tokens.md for the trade-off.
  controller.addGrant(new RefreshToken({ expiresIn: options.refreshTokenLifetime ?? 2592000, graceSeconds: 30 }))
  // RFC 8628: the demo's site adapter serves the login and consent on the device page too.
  controller.addGrant(new DeviceCodeGrant<NodeEnviron>())
  // RFC 7591: on loopback, anyone may register a client (MCP clients do), limited per address.
  if (isLoopbackHost(host)) controller.use(new DynamicClientRegistration<NodeEnviron>())
  const deviceUrl = `${issuer}/device`
  const deviceCurl = `curl -s -d client_id=${DEMO.publicClient.clientId} -d scope=profile ${issuer}/device_authorization`
  const devicePollCurl = [
    `curl -s -d grant_type=${DEVICE_CODE_GRANT_TYPE}`,
    `-d client_id=${DEMO.publicClient.clientId}`,
    `-d device_code=DEVICE_CODE`,
    `${issuer}${controller.tokenPath}`,
  ].join(' ')

  const codeVerifier = randomBytes(32).toString('base64url')
  const authorizationUrl = `${issuer}${controller.authorizePath}?${new URLSearchParams({
    response_type: 'code',
    client_id: DEMO.confidentialClient.clientId,
    redirect_uri: DEMO.redirectUri,
    scope: 'profile email',
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString()}`
  const curl = [
    `curl -s -u ${DEMO.confidentialClient.clientId}:${DEMO.confidentialClient.clientSecret}`,
    `-d grant_type=authorization_code`,
    `-d code=CODE`,
    `--data-urlencode redirect_uri=${DEMO.redirectUri}`,
    `-d code_verifier=${codeVerifier}`,
    `${issuer}${controller.tokenPath}`,
  ].join(' ')

  const playgroundConfig = {
    issuer,
    authorizePath: controller.authorizePath,
    tokenPath: controller.tokenPath,
    revocationPath: controller.revocationPath,
    introspectionPath: controller.introspectionPath,
    publicClientId: PLAYGROUND_CLIENT_ID,
    confidentialClient: DEMO.confidentialClient,
    scopes: Object.keys(scopes).slice(0, 4),
    user: DEMO.user,
    // The OpenID Connect flow's endpoints, when the demo is an OpenID Provider.
    ...playgroundOpenIdConfig(controller.metadata),
  }
  const drain = new Drain(server)
  const notReady = (report: Awaited<ReturnType<typeof controller.readiness>>): void => {
    const why = report.stores.filter((store) => !store.ready).map((store) => `${store.name}: ${store.error ?? 'unavailable'}`)
    logger?.event('warn', 'not ready', { stores: why.join('; ') })
  }
  server.on(
    'request',
    drain.listener(
      demoRequestHandler(controller, {
        logger,
        pages: async (request) => {
          const health = await healthResponse(request, controller, notReady)
          if (health !== undefined) return health
          if (request.method !== 'GET' && request.method !== 'HEAD') return undefined
          if (request.path === '/' || request.path === '/index.html')
            return homePage(
              authorizationUrl,
              curl,
              deviceUrl,
              demo,
              playground,
              openid ? `${issuer}${OPENID_CONFIGURATION_PATH}` : undefined,
            )
          if (
            playground &&
            (request.path === PLAYGROUND_PATH || request.path === `${PLAYGROUND_PATH}/` || request.path === PLAYGROUND_CALLBACK_PATH)
          ) {
            return playgroundPage(playgroundConfig)
          }
          return undefined
        },
      }),
    ),
  )

  return {
    server,
    controller,
    issuer,
    authorizationUrl,
    codeVerifier,
    curl,
    deviceUrl,
    deviceCurl,
    devicePollCurl,
    playgroundUrl: playground ? `${issuer}${PLAYGROUND_PATH}` : undefined,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
    shutdown: () => drain.drain(options.drainTimeoutMs ?? DEFAULT_DRAIN_MS),
  }
}

/**
 * Reports every stored redirect URI that today's registration rule refuses (registered by an older
 * version): a `warn` event in the request log, or `console.warn` without one. They keep working — they
 * are compared as exact strings — until the client is registered again.
 */
async function warnAboutStoredUris(clientStore: AdministeredClientStore, logger: RequestLogger | undefined): Promise<void> {
  for (const client of await clientStore.listClients()) {
    for (const { problem } of storedUriProblems(client)) {
      const fields = { client_id: escapeControlCharacters(client.clientId), problem: problem.message }
      if (logger === undefined)
        console.warn(`oauth2-stack: client ${fields.client_id}: stored redirect ${problem.message}; register the client again`)
      else logger.event('warn', 'stored redirect URI fails the registration rule; register the client again', fields)
    }
  }
}

function homePage(
  authorizationUrl: string,
  curl: string,
  deviceUrl: string,
  demo: boolean,
  playground: boolean,
  discovery: string | undefined,
): Response {
  const steps = demo
    ? `<h2>Try it by hand</h2>
<ol><li><a href="${escapeHtml(authorizationUrl)}">Start the authorization-code flow</a> and sign in as <b>demo</b> / <b>demo</b>.</li>
<li>You land on <code>${escapeHtml(DEMO.redirectUri)}?code=…</code> (nothing listens there; copy <code>code</code> from the address bar).</li>
<li>Exchange it within ten minutes:<pre>${escapeHtml(curl)}</pre></li></ol>
<p>Device flow (RFC 8628): a device shows a code; type it on the <a href="${escapeHtml(deviceUrl)}">device page</a>.</p>`
    : '<p>The demo credentials are off. Register clients with <code>oauth2-stack client add</code>.</p>'
  const play = playground
    ? `<p class="cta"><a href="${PLAYGROUND_PATH}">Open the playground</a>: pick a grant${discovery === undefined ? '' : ', or an OpenID Connect sign-in with its ID token decoded,'} and step through its real requests and responses.</p>`
    : ''
  return Response.html(
    200,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><link rel="icon" href="data:,">
<title>oauth2-stack demo</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}pre{background:#8881;padding:.75rem;white-space:pre-wrap;word-break:break-all}
a{color:#1d4ed8}@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}a{color:#4493f8}}.cta{font-size:1.15rem}</style>
</head><body><main><h1>oauth2-stack demo authorization server</h1>
${play}
${steps}
<p>Metadata: <a href="/.well-known/oauth-authorization-server">/.well-known/oauth-authorization-server</a></p>
${discovery === undefined ? '' : `<p>OpenID Connect: an OpenID Provider; discovery at <a href="${escapeHtml(discovery)}">${escapeHtml(discovery)}</a></p>`}</main></body></html>`,
  )
}
