/**
 * The Fetch adapter and the core run unchanged on Bun and on Deno (both installed from the npm registry
 * as dev dependencies): the same cases against a real server on each runtime (test/runtimes/fetch-server.ts
 * on `Bun.serve` / `Deno.serve`), driven from Node with oauth4webapi and the browser helper.
 *
 * Deno runs with one permission, network access to 127.0.0.1 (`--allow-net=127.0.0.1 --no-prompt`), and
 * offline: npm imports resolve from the project's node_modules (`--node-modules-dir=manual`), remote
 * modules are refused (`--no-remote --cached-only`) and the update check is off (DENO_NO_UPDATE_CHECK).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { stopChild, waitForOutput } from '../helpers/child-output.ts'
import { authorizeInBrowser } from '../helpers/test-server.ts'

const root = new URL('../../', import.meta.url)
const SECRET = 'AAAAAAAAAAAAAAAAAAAAhigh-entropy-test-secret-0123456789'
const SERVER = 'test/runtimes/fetch-server.ts'

/** The first binary that exists: the platform package's (there even when install scripts did not run), then the wrapper's. */
const find = (candidates: readonly string[]): string | undefined =>
  candidates.map((path) => new URL(path, root).pathname).find((path) => existsSync(path))

interface Runtime {
  readonly name: string
  /** The binary, or undefined when the install lacks it. */
  readonly binary: string | undefined
  readonly args: readonly string[]
  /** Added to the environment. */
  readonly env?: Readonly<Record<string, string>>
}

const runtimes: readonly Runtime[] = [
  {
    name: 'Bun',
    binary: find([
      'node_modules/@oven/bun-linux-x64/bin/bun',
      'node_modules/@oven/bun-linux-x64-baseline/bin/bun',
      'node_modules/bun/bin/bun.exe',
    ]),
    args: [SERVER],
  },
  {
    name: 'Deno',
    binary: find(['node_modules/@deno/linux-x64-glibc/deno', 'node_modules/@deno/linux-arm64-glibc/deno', 'node_modules/deno/deno']),
    // npm packages come from node_modules (as npm installed them), remote modules are refused; no
    // permission beyond listening at 127.0.0.1, and a missing one fails instead of prompting.
    args: ['run', '--node-modules-dir=manual', '--no-remote', '--cached-only', '--no-prompt', '--allow-net=127.0.0.1', SERVER],
    // Deno otherwise checks online for a newer release on every run.
    env: { DENO_NO_UPDATE_CHECK: '1' },
  },
]

for (const { name, binary, args, env } of runtimes)
  describe(`Fetch adapter on ${name}`, () => {
    let child: ChildProcess | undefined
    let base = ''

    /** Why the server did not start; every case then fails with it (a failing beforeAll would only skip them). */
    let startup: Error | undefined

    beforeAll(async () => {
      try {
        // Both runtimes are dev dependencies; a missing binary is a broken install, never a reason to skip.
        if (binary === undefined) throw new Error(`${name} binary not found under node_modules: run npm ci`)
        const proc = spawn(binary, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
        child = proc
        const port = Number((await waitForOutput(proc, /READY (\d+)/, { timeoutMs: 15_000 }))[1])
        base = `http://127.0.0.1:${port}/oauth`
      } catch (error) {
        startup = error instanceof Error ? error : new Error(String(error))
      }
    })
    beforeEach(() => {
      if (startup !== undefined) throw startup
    })
    afterAll(() => stopChild(child))

    const as: oauth.AuthorizationServer = { issuer: '', token_endpoint: '' }
    const client: oauth.Client = { client_id: 'confidential' }

    it('serves client_credentials to oauth4webapi', async () => {
      const server = { ...as, issuer: base, token_endpoint: `${base}/token` }
      const response = await oauth.clientCredentialsGrantRequest(
        server,
        client,
        oauth.ClientSecretBasic(SECRET),
        new URLSearchParams({ scope: 'read' }),
        {
          [oauth.allowInsecureRequests]: true,
        },
      )
      const tokens = await oauth.processClientCredentialsResponse(server, client, response)
      expect(tokens.token_type).toBe('bearer')
      expect(tokens.scope).toBe('read')
    })

    it('runs the authorization code flow with PKCE, consent page and CSRF cookie included', async () => {
      const server = { ...as, issuer: base, token_endpoint: `${base}/token`, authorization_endpoint: `${base}/authorize` }
      const verifier = oauth.generateRandomCodeVerifier()
      const state = `${name.toLowerCase()}-state`
      const url = new URL(server.authorization_endpoint)
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: 'confidential',
        redirect_uri: 'https://client.example/callback',
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).toString()
      const result = await authorizeInBrowser(url.toString())
      expect(result.status).toBe(303)
      const params = oauth.validateAuthResponse(server, client, result.params!, state)
      const response = await oauth.authorizationCodeGrantRequest(
        server,
        client,
        oauth.ClientSecretBasic(SECRET),
        params,
        'https://client.example/callback',
        verifier,
        {
          [oauth.allowInsecureRequests]: true,
        },
      )
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
