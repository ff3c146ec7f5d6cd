/**
 * The MCP example end to end with the MCP TypeScript SDK's own OAuth client, on Express (`npm run
 * example -- mcp`) and Hono (`mcp-hono`): 401 → protected resource metadata → authorization server
 * metadata → dynamic registration → PKCE authorization with `resource` → token → `tools/list` and
 * `tools/call`; then the same with a Client ID Metadata Document instead of registration (the SDK's
 * `clientMetadataUrl`, the document served by a local HTTPS server whose test-only certificate the
 * example's process trusts through `NODE_EXTRA_CA_CERTS`). The SDK's provider signs in through the
 * example's login form over HTTP (GET the page, POST username, password and the decision with the CSRF
 * field), as a person would in the browser.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stopChild, waitForOutput } from '../helpers/child-output.ts'
import { json, startDocumentServer, type DocumentServer } from '../helpers/document-server.ts'

const root = new URL('../../', import.meta.url)
const REDIRECT = 'http://127.0.0.1:33418/callback'

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

/** The test-only certificate of the HTTPS document server, trusted by the example's process only. */
const TEST_CA = new URL('../helpers/tls/document-server-cert.pem', import.meta.url).pathname

/** Runs `examples/<name>.ts` as `npm run example` does, announcing `LISTENING <port>` once up. */
function example(name: string, port: number): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=oauth2-stack:source', '--import', 'tsx', '--import', './test/helpers/announce-listening.ts', 'examples/run.ts', name],
    { cwd: root, env: { ...process.env, PORT: String(port), TSX_TSCONFIG_PATH: 'tsconfig.json', NODE_EXTRA_CA_CERTS: TEST_CA } },
  )
}

/** One HTTP exchange the SDK made, as the test's fetch saw it. */
interface Exchange {
  readonly method: string
  readonly url: URL
  readonly status: number
  readonly body: string | undefined
}

/**
 * The SDK's `OAuthClientProvider`, headless: keeps what the SDK hands it in memory, and "opens the
 * browser" by driving the login form over HTTP, keeping the authorization code from the redirect.
 */
class HeadlessProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined
  savedTokens: OAuthTokens | undefined
  verifier = ''
  authorizationUrl: URL | undefined
  code: string | undefined
  callback: URLSearchParams | undefined
  loginPage = ''

  get redirectUrl(): string {
    return REDIRECT
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'SDK end-to-end test',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }
  }

  state(): string {
    return 'state-of-the-test'
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client
  }

  saveClientInformation(information: OAuthClientInformationMixed): void {
    this.client = information
  }

  tokens(): OAuthTokens | undefined {
    return this.savedTokens
  }

  saveTokens(tokens: OAuthTokens): void {
    this.savedTokens = tokens
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier
  }

  codeVerifier(): string {
    return this.verifier
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizationUrl = url
    const page = await fetch(url, { redirect: 'manual' })
    const html = await page.text()
    this.loginPage = html
    expect(page.status, html).toBe(200)
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1]
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]
    if (csrf === undefined || action === undefined) throw new Error(`login page without form or CSRF field: ${html}`)
    const submitted = await fetch(new URL(action.replaceAll('&amp;', '&'), url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf_token: csrf, username: 'demo', password: 'demo', action: 'approve' }),
    })
    expect(submitted.status).toBe(303)
    const location = new URL(submitted.headers.get('location') ?? '')
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT)
    this.callback = location.searchParams
    this.code = location.searchParams.get('code') ?? undefined
  }
}

/** What one run of the SDK's flow saw: the exchanges, the provider afterwards, the URLs. */
interface Run {
  readonly origin: string
  readonly mcpUrl: URL
  readonly exchanges: Exchange[]
  readonly provider: HeadlessProvider
}

/**
 * The SDK's whole flow against a running example: the first connection is refused (401), the SDK
 * discovers, registers or uses its document, sends the user to log in; then `tools/list` and `tools/call`.
 */
async function connectAndCall(port: number, provider: HeadlessProvider): Promise<Run> {
  const origin = `http://127.0.0.1:${port}`
  const mcpUrl = new URL(`${origin}/mcp`)
  const exchanges: Exchange[] = []
  const recordingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init)
    const url = new URL(input instanceof Request ? input.url : input.toString())
    exchanges.push({
      method: init?.method ?? 'GET',
      url,
      status: response.status,
      body: typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : undefined,
    })
    return response
  }

  const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider, fetch: recordingFetch })
  await expect(new Client({ name: 'e2e', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError)
  expect(provider.code).toBeDefined()
  await first.finishAuth(provider.code ?? '')

  const client = new Client({ name: 'e2e', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider, fetch: recordingFetch }))
  const tools = await client.listTools()
  expect(tools.tools.map((tool) => tool.name)).toContain('whoami')
  const called = await client.callTool({ name: 'whoami', arguments: {} })
  const clientId = String(provider.client?.client_id)
  expect(called.content).toEqual([{ type: 'text', text: `You are demo, signed in through client ${clientId}.` }])
  await client.close()
  return { origin, mcpUrl, exchanges, provider }
}

/** The SDK's requests in order, as `METHOD path status`, checked to contain `expected` in that order. */
function expectPath(run: Run, expected: readonly string[]): string[] {
  const seen = run.exchanges.map((exchange) => `${exchange.method} ${exchange.url.pathname} ${exchange.status}`)
  const order = expected.map((line) => {
    const index = seen.indexOf(line)
    expect(index, `${line} in\n${seen.join('\n')}`).toBeGreaterThanOrEqual(0)
    return index
  })
  expect([...order].sort((a, b) => a - b)).toEqual(order)
  return seen
}

/** The authorization and token requests carried PKCE and `resource`; the token is a JWT for the MCP server. */
function expectBoundToken(run: Run, clientId: string): void {
  const { provider, mcpUrl, origin, exchanges } = run
  const authorization = provider.authorizationUrl?.searchParams
  expect(authorization?.get('code_challenge_method')).toBe('S256')
  expect(authorization?.get('resource')).toBe(mcpUrl.href)
  expect(authorization?.get('client_id')).toBe(clientId)
  expect(provider.callback?.get('iss')).toBe(origin)
  expect(provider.callback?.get('state')).toBe('state-of-the-test')
  const tokenRequest = new URLSearchParams(exchanges.find((exchange) => exchange.url.pathname === '/token')?.body ?? '')
  expect(tokenRequest.get('code_verifier')).toBe(provider.verifier)
  expect(tokenRequest.get('resource')).toBe(mcpUrl.href)
  const accessToken = provider.savedTokens?.access_token ?? ''
  const [header, payload] = accessToken
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as unknown)
  // Signed by the example's key set (ES256), the audience bound through RFC 8707.
  expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' })
  expect(payload).toMatchObject({ aud: mcpUrl.href, sub: 'demo', client_id: clientId, scope: 'mcp:tools' })
  expect(provider.savedTokens?.refresh_token).toBeTruthy()
}

let documents: DocumentServer
beforeAll(async () => {
  documents = await startDocumentServer()
})
afterAll(async () => {
  await documents.close()
})

/** The provider of a client with a metadata document: the SDK uses the URL as its `client_id` when the server supports them. */
class DocumentProvider extends HeadlessProvider {
  readonly clientMetadataUrl: string

  constructor(clientMetadataUrl: string) {
    super()
    this.clientMetadataUrl = clientMetadataUrl
  }
}

describe.each(['mcp', 'mcp-hono'])('examples: npm run example -- %s, with the MCP SDK as the client', (name) => {
  it(
    '401 → resource metadata → AS metadata → /register → PKCE + resource → token → tools/list, tools/call',
    { timeout: 90_000 },
    async () => {
      const port = await freePort()
      const child = example(name, port)
      try {
        await waitForOutput(child, /^LISTENING \d+$/m)
        const run = await connectAndCall(port, new HeadlessProvider())
        const { origin, mcpUrl, provider } = run
        expectPath(run, [
          'POST /mcp 401',
          'GET /.well-known/oauth-protected-resource/mcp 200',
          'GET /.well-known/oauth-authorization-server 200',
          'POST /register 201',
          'POST /token 200',
          'POST /mcp 200',
        ])

        // Registration: a public client, no secret, the SDK's own metadata (application_type inferred).
        const clientId = String(provider.client?.client_id)
        expect(clientId).toMatch(/^dcr_/)
        expect(provider.client).not.toHaveProperty('client_secret')
        expectBoundToken(run, clientId)
        expect(provider.loginPage).toContain('<h1>SDK end-to-end test asks for access</h1>')

        // The protected resource metadata is oauth2-stack's document (RFC 9728 section 2).
        const metadata = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)
        expect(metadata.headers.get('access-control-allow-origin')).toBe('*')
        expect(await metadata.json()).toEqual({
          resource: mcpUrl.href,
          authorization_servers: [origin],
          scopes_supported: ['mcp:tools'],
          bearer_methods_supported: ['header'],
          resource_name: 'oauth2-stack MCP example',
        })

        // Without a token, or with a forged one, the MCP endpoint refuses and points at its metadata and scope.
        const refused = await fetch(mcpUrl, { method: 'POST', headers: { authorization: 'Bearer forged.token.value' } })
        expect(refused.status).toBe(401)
        const challenge = refused.headers.get('www-authenticate') ?? ''
        expect(challenge).toContain(`resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`)
        expect(challenge).toContain('scope="mcp:tools"')
        expect(challenge).toContain('error="invalid_token"')

        // Concurrent refresh (graceSeconds): two requests refreshing the same token both get a new pair.
        const refresh = (): Promise<Response> =>
          fetch(`${origin}/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'refresh_token',
              refresh_token: provider.savedTokens?.refresh_token ?? '',
              client_id: clientId,
            }),
          })
        const answers = await Promise.all([refresh(), refresh()])
        expect(answers.map((answer) => answer.status)).toEqual([200, 200])
        const pairs = (await Promise.all(answers.map((answer) => answer.json()))) as { access_token: string; refresh_token: string }[]
        expect(pairs[0]?.refresh_token).not.toBe(pairs[1]?.refresh_token)
        // The refreshed token is still bound to the MCP server: it works there.
        const again = await fetch(mcpUrl, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${pairs[0]?.access_token ?? ''}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
        })
        expect(again.status).toBe(200)
      } finally {
        await stopChild(child)
      }
    },
  )

  it("with a Client ID Metadata Document (the SDK's clientMetadataUrl) instead of registration", { timeout: 90_000 }, async () => {
    const documentPath = `/${name}/client-metadata.json`
    const documentUrl = `https://127.0.0.1:${documents.port}${documentPath}`
    documents.route(
      documentPath,
      json(
        {
          client_id: documentUrl,
          client_name: 'SDK end-to-end test (metadata document)',
          redirect_uris: [REDIRECT],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
        },
        { 'cache-control': 'max-age=600' },
      ),
    )
    const port = await freePort()
    const child = example(name, port)
    try {
      await waitForOutput(child, /^LISTENING \d+$/m)
      const run = await connectAndCall(port, new DocumentProvider(documentUrl))
      const seen = expectPath(run, [
        'POST /mcp 401',
        'GET /.well-known/oauth-protected-resource/mcp 200',
        'GET /.well-known/oauth-authorization-server 200',
        'POST /token 200',
        'POST /mcp 200',
      ])
      // No registration: the document URL is the client id, fetched once by the server (then cached).
      expect(seen.filter((line) => line.includes('/register'))).toEqual([])
      expect(run.provider.client?.client_id).toBe(documentUrl)
      expect(documents.requests.filter((line) => line.startsWith(`GET ${documentPath} `))).toHaveLength(1)
      expectBoundToken(run, documentUrl)
    } finally {
      await stopChild(child)
    }
  })
})
