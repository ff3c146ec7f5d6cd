/**
 * The MCP example end to end with the MCP TypeScript SDK's own OAuth client, on Express (`npm run
 * example -- mcp`) and Hono (`mcp-hono`): 401 → protected resource metadata → authorization server
 * metadata → dynamic registration → PKCE authorization with `resource` → token → `tools/list` and
 * `tools/call`. The SDK's provider signs in through the example's login form over HTTP (GET the page,
 * POST username, password and the decision with the CSRF field), as a person would in the browser.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js'
import { describe, expect, it } from 'vitest'
import { stopChild, waitForOutput } from '../helpers/child-output.ts'

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

/** Runs `examples/<name>.ts` as `npm run example` does, announcing `LISTENING <port>` once up. */
function example(name: string, port: number): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=oauth2-stack:source', '--import', 'tsx', '--import', './test/helpers/announce-listening.ts', 'examples/run.ts', name],
    { cwd: root, env: { ...process.env, PORT: String(port), TSX_TSCONFIG_PATH: 'tsconfig.json' } },
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

describe.each(['mcp', 'mcp-hono'])('examples: npm run example -- %s, with the MCP SDK as the client', (name) => {
  it(
    '401 → resource metadata → AS metadata → /register → PKCE + resource → token → tools/list, tools/call',
    { timeout: 90_000 },
    async () => {
      const port = await freePort()
      const child = example(name, port)
      try {
        await waitForOutput(child, /^LISTENING \d+$/m)
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
        const provider = new HeadlessProvider()

        // The first connection is refused: the SDK discovers, registers and sends the user to log in.
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

        // The path the SDK took, as the server answered it.
        const seen = exchanges.map((exchange) => `${exchange.method} ${exchange.url.pathname} ${exchange.status}`)
        const at = (line: string): number => {
          const index = seen.indexOf(line)
          expect(index, `${line} in\n${seen.join('\n')}`).toBeGreaterThanOrEqual(0)
          return index
        }
        const order = [
          at('POST /mcp 401'),
          at('GET /.well-known/oauth-protected-resource/mcp 200'),
          at('GET /.well-known/oauth-authorization-server 200'),
          at('POST /register 201'),
          at('POST /token 200'),
          at('POST /mcp 200'),
        ]
        expect([...order].sort((a, b) => a - b)).toEqual(order)

        // Registration: a public client, no secret, the SDK's own metadata (application_type inferred).
        expect(clientId).toMatch(/^dcr_/)
        expect(provider.client).not.toHaveProperty('client_secret')
        // PKCE (S256) and RFC 8707 resource on the authorization request, the iss and state on the answer.
        const authorization = provider.authorizationUrl?.searchParams
        expect(authorization?.get('code_challenge_method')).toBe('S256')
        expect(authorization?.get('resource')).toBe(mcpUrl.href)
        expect(authorization?.get('client_id')).toBe(clientId)
        expect(provider.callback?.get('iss')).toBe(origin)
        expect(provider.callback?.get('state')).toBe('state-of-the-test')
        // The token request carries the verifier and the resource; the token is for the MCP server.
        const tokenRequest = new URLSearchParams(exchanges.find((exchange) => exchange.url.pathname === '/token')?.body ?? '')
        expect(tokenRequest.get('code_verifier')).toBe(provider.verifier)
        expect(tokenRequest.get('resource')).toBe(mcpUrl.href)
        const accessToken = provider.savedTokens?.access_token ?? ''
        const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>
        expect(claims).toMatchObject({ aud: mcpUrl.href, sub: 'demo', client_id: clientId, scope: 'mcp:tools' })
        expect(provider.savedTokens?.refresh_token).toBeTruthy()

        // Without a token, or with a forged one, the MCP endpoint refuses and points at its metadata.
        const refused = await fetch(mcpUrl, { method: 'POST', headers: { authorization: 'Bearer forged.token.value' } })
        expect(refused.status).toBe(401)
        expect(refused.headers.get('www-authenticate')).toContain(`resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`)
      } finally {
        await stopChild(child)
      }
    },
  )
})
