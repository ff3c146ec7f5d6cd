/**
 * The Fetch adapter and the core run unchanged on Bun (installed from the npm registry as a dev
 * dependency): a real Bun server, driven from Node with oauth4webapi and the browser helper.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authorizeInBrowser } from '../helpers/test-server.ts'

const root = new URL('../../', import.meta.url)
const candidates = ['node_modules/@oven/bun-linux-x64/bin/bun', 'node_modules/@oven/bun-linux-x64-baseline/bin/bun', 'node_modules/bun/bin/bun.exe']
const bun = candidates.map((path) => new URL(path, root).pathname).find((path) => existsSync(path))
const SECRET = 'AAAAAAAAAAAAAAAAAAAAhigh-entropy-test-secret-0123456789'

describe('Fetch adapter on Bun', () => {
  let child: ChildProcess
  let base = ''

  beforeAll(async () => {
    // Bun is a dev dependency; its absence is a broken install, never a reason to skip.
    if (bun === undefined) throw new Error('Bun binary not found under node_modules: run npm ci')
    child = spawn(bun, ['test/runtimes/fetch-server.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bun server did not start: ${output}`)), 15_000)
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        const match = /READY (\d+)/.exec(output)
        if (match?.[1] !== undefined) {
          clearTimeout(timer)
          resolve(Number(match[1]))
        }
      })
      child.once('exit', (code) => reject(new Error(`bun exited with ${code}: ${output}`)))
    })
    base = `http://127.0.0.1:${port}/oauth`
  })
  afterAll(() => {
    child?.kill('SIGTERM')
  })

  const as: oauth.AuthorizationServer = { issuer: '', token_endpoint: '' }
  const client: oauth.Client = { client_id: 'confidential' }

  it('serves client_credentials to oauth4webapi', async () => {
    const server = { ...as, issuer: base, token_endpoint: `${base}/token` }
    const response = await oauth.clientCredentialsGrantRequest(server, client, oauth.ClientSecretBasic(SECRET), new URLSearchParams({ scope: 'read' }), {
      [oauth.allowInsecureRequests]: true,
    })
    const tokens = await oauth.processClientCredentialsResponse(server, client, response)
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.scope).toBe('read')
  })

  it('runs the authorization code flow with PKCE, consent page and CSRF cookie included', async () => {
    const server = { ...as, issuer: base, token_endpoint: `${base}/token`, authorization_endpoint: `${base}/authorize` }
    const verifier = oauth.generateRandomCodeVerifier()
    const url = new URL(server.authorization_endpoint)
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'confidential',
      redirect_uri: 'https://client.example/callback',
      state: 'bun-state',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString()
    const result = await authorizeInBrowser(url.toString())
    expect(result.status).toBe(303)
    const params = oauth.validateAuthResponse(server, client, result.params!, 'bun-state')
    const response = await oauth.authorizationCodeGrantRequest(server, client, oauth.ClientSecretBasic(SECRET), params, 'https://client.example/callback', verifier, {
      [oauth.allowInsecureRequests]: true,
    })
    const tokens = await oauth.processAuthorizationCodeResponse(server, client, response)
    expect(typeof tokens.refresh_token).toBe('string')
  })

  it('answers RFC errors the same way (GET on the token endpoint is 405 JSON)', async () => {
    const response = await fetch(`${base}/token`)
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
    expect(((await response.json()) as { error: string }).error).toBe('invalid_request')
  })
})
