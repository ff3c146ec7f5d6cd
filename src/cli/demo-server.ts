import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AuthorizationController } from '../controller.ts'
import { AuthorizationCodeGrant } from '../grants/authorization-code.ts'
import { ClientCredentialsGrant } from '../grants/client-credentials.ts'
import { ImplicitGrant } from '../grants/implicit.ts'
import { RefreshToken } from '../grants/refresh-token.ts'
import { ResourceOwnerGrant } from '../grants/resource-owner.ts'
import { Scope } from '../grants/scope.ts'
import { escapeHtml } from '../internal/html.ts'
import { LocalClientStore } from '../stores/memory-client-store.ts'
import { LocalTokenStore } from '../stores/memory-token-store.ts'
import { nodeHandler, type NodeEnviron } from '../adapters/node-http.ts'
import { Response } from '../web/response.ts'
import { DEMO_SCOPES, DemoSiteAdapter } from './demo-site-adapter.ts'

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number
  /** Host to bind. Only loopback hosts: the demo's credentials are public. */
  readonly host?: string
}

/** A running demo server and what a newcomer needs to try it. */
export interface DemoServer {
  readonly server: Server
  readonly controller: AuthorizationController<NodeEnviron>
  readonly issuer: string
  /** A ready-to-open authorization URL (client `abc`, PKCE S256). */
  readonly authorizationUrl: string
  /** The PKCE verifier that goes with {@link DemoServer.authorizationUrl}. */
  readonly codeVerifier: string
  /** A curl command that exchanges the code (replace CODE). */
  readonly curl: string
  close(): Promise<void>
}

/** The demo's fixed registrations, as the README describes them. */
export const DEMO = {
  confidentialClient: { clientId: 'abc', clientSecret: 'xyz' },
  publicClient: { clientId: 'demo-public' },
  redirectUri: 'http://localhost/callback',
  user: { username: 'demo', password: 'demo' },
} as const

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

/**
 * Starts the demo authorization server: in-memory stores, the confidential client `abc`/`xyz`, the
 * public client `demo-public` (PKCE required), the user `demo`/`demo`, every grant, and a login-and-consent
 * page. Refuses to bind a non-loopback host, since its credentials are public.
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const host = options.host ?? '127.0.0.1'
  if (!LOOPBACK.has(host)) {
    throw new TypeError(`The demo server only binds loopback hosts (its credentials are public); got ${host}`)
  }
  const clientStore = new LocalClientStore()
  await clientStore.addClient({
    clientId: DEMO.confidentialClient.clientId,
    clientSecret: DEMO.confidentialClient.clientSecret,
    redirectUris: [DEMO.redirectUri],
    name: 'Demo App (abc)',
  })
  await clientStore.addClient({
    clientId: DEMO.publicClient.clientId,
    redirectUris: [DEMO.redirectUri],
    name: 'Demo Public App',
  })
  const tokenStore = new LocalTokenStore()
  const siteAdapter = new DemoSiteAdapter([
    { username: DEMO.user.username, password: DEMO.user.password, data: { name: 'Demo User', email: 'demo@example.com' } },
  ])

  const server = createServer()
  // Bound how long a client may take to send its request (slow clients), beyond nodeHandler's body limit.
  server.headersTimeout = 10_000
  server.requestTimeout = 15_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const issuer = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`

  const controller = new AuthorizationController<NodeEnviron>({
    issuer,
    accessTokenStore: tokenStore,
    authCodeStore: tokenStore,
    clientStore,
    siteAdapter,
    scope: new Scope({ available: Object.keys(DEMO_SCOPES), default: ['profile'] }),
    // Ten minutes, so there is time to copy the code into the printed curl command.
    authorizationCodeLifetime: 600,
  })
  controller.addGrant(new AuthorizationCodeGrant())
  controller.addGrant(new ImplicitGrant())
  controller.addGrant(new ResourceOwnerGrant())
  controller.addGrant(new ClientCredentialsGrant())
  controller.addGrant(new RefreshToken({ expiresIn: 2592000 }))

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

  server.on(
    'request',
    nodeHandler(controller, {
      onNotFound: (req, res) => {
        const home = req.url === '/' || req.url === '/index.html'
        const response = home ? homePage(authorizationUrl, curl) : Response.json(404, { error: 'not_found' })
        res.writeHead(response.statusCode, response.headers).end(response.body)
      },
    }),
  )

  return {
    server,
    controller,
    issuer,
    authorizationUrl,
    codeVerifier,
    curl,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}

function homePage(authorizationUrl: string, curl: string): Response {
  return Response.html(
    200,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>oauth2-stack demo</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}pre{background:#f2f2f2;padding:.75rem;white-space:pre-wrap;word-break:break-all}</style>
</head><body><main><h1>oauth2-stack demo authorization server</h1>
<ol><li><a href="${escapeHtml(authorizationUrl)}">Start the authorization-code flow</a> and sign in as <b>demo</b> / <b>demo</b>.</li>
<li>You land on <code>${escapeHtml(DEMO.redirectUri)}?code=…</code> (nothing listens there; copy <code>code</code> from the address bar).</li>
<li>Exchange it within ten minutes:<pre>${escapeHtml(curl)}</pre></li></ol></main></body></html>`,
  )
}
