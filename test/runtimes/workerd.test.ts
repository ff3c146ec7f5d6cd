/**
 * The Fetch adapter and the core on Cloudflare's runtime, workerd (the `workerd` dev dependency, whose
 * platform package ships the binary): examples/workers/worker.ts bundled with esbuild from the built package
 * (`npm test` builds first) as Wrangler would — Workers conditions, `node:*` left to `nodejs_compat` — then
 * served by `workerd serve` with a generated config on 127.0.0.1 and a free port, and driven from Node.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { stopChild, waitForOutput } from '../helpers/child-output.ts'

const root = new URL('../../', import.meta.url)
const CLIENT_ID = 'worker-demo'
const SECRET = 'AAAAAAAAAAAAAAAAAAAAhigh-entropy-test-secret-0123456789'
const REDIRECT = 'http://localhost/callback'

/** The platform package's binary (there even when install scripts did not run), then the wrapper's. */
const BINARY = [
  'node_modules/@cloudflare/workerd-linux-64/bin/workerd',
  'node_modules/@cloudflare/workerd-linux-arm64/bin/workerd',
  'node_modules/workerd/bin/workerd',
]
  .map((path) => new URL(path, root).pathname)
  .find((path) => existsSync(path))

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address()
      if (typeof address !== 'object' || address === null) reject(new Error('no port'))
      else probe.close(() => resolve(address.port))
    })
  })
}

/** A workerd config serving `worker.js` (beside it) at `127.0.0.1:port` with the example's bindings. */
function config(port: number): string {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2026-07-01",
  compatibilityFlags = ["nodejs_compat"],
  bindings = [
    (name = "ISSUER", text = "http://127.0.0.1:${port}/oauth"),
    (name = "CLIENT_ID", text = "${CLIENT_ID}"),
    (name = "CLIENT_SECRET", text = "${SECRET}"),
  ],
);
`
}

describe('Fetch adapter on workerd (examples/workers, memory store)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oauth2-stack-workerd-'))
  let child: ChildProcess | undefined
  let base = ''
  /** Why the server did not start; every case then fails with it (a failing beforeAll would only skip them). */
  let startup: Error | undefined

  beforeAll(async () => {
    try {
      // workerd is a dev dependency; a missing binary is a broken install, never a reason to skip.
      if (BINARY === undefined) throw new Error('workerd binary not found under node_modules: run npm ci')
      const bundled = await build({
        entryPoints: [new URL('examples/workers/worker.ts', root).pathname],
        absWorkingDir: root.pathname,
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        conditions: ['workerd', 'worker', 'browser'],
        mainFields: ['module', 'main'],
        external: ['node:*'],
        outfile: join(dir, 'worker.js'),
        logLevel: 'silent',
      })
      expect(bundled.errors).toEqual([])
      const port = await freePort()
      writeFileSync(join(dir, 'config.capnp'), config(port))
      const proc = spawn(BINARY, ['serve', join(dir, 'config.capnp')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      child = proc
      await waitForOutput(proc, /Listening on http:\/\/127\.0\.0\.1:\d+/, { timeoutMs: 15_000 })
      base = `http://127.0.0.1:${port}/oauth`
    } catch (error) {
      startup = error instanceof Error ? error : new Error(String(error))
    }
  })
  beforeEach(() => {
    if (startup !== undefined) throw startup
  })
  afterAll(async () => {
    await stopChild(child)
    rmSync(dir, { recursive: true, force: true })
  })

  const client: oauth.Client = { client_id: CLIENT_ID }
  const server = (): oauth.AuthorizationServer => ({
    issuer: base,
    token_endpoint: `${base}/token`,
    authorization_endpoint: `${base}/authorize`,
  })

  it('serves the RFC 8414 metadata at the root well-known path, for its issuer', async () => {
    const issuer = new URL(base)
    const response = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true })
    const metadata = await oauth.processDiscoveryResponse(issuer, response)
    expect(metadata.issuer).toBe(base)
    expect(metadata.token_endpoint).toBe(`${base}/token`)
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials']))
  })

  it('serves client_credentials to oauth4webapi', async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      server(),
      client,
      oauth.ClientSecretBasic(SECRET),
      new URLSearchParams({ scope: 'read' }),
      {
        [oauth.allowInsecureRequests]: true,
      },
    )
    const tokens = await oauth.processClientCredentialsResponse(server(), client, response)
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.scope).toBe('read')
    expect(tokens.access_token.length).toBeGreaterThanOrEqual(32)
  })

  it('refuses a wrong client secret with invalid_client (RFC 6749 section 5.2)', async () => {
    const response = await fetch(`${base}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`${CLIENT_ID}:${SECRET.slice(0, -1)}x`)}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    })
    expect(response.status).toBe(401)
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client')
  })

  it('runs the code flow with PKCE through the consent page and its CSRF cookie', async () => {
    const verifier = oauth.generateRandomCodeVerifier()
    const url = new URL(`${base}/authorize`)
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT,
      state: 'workerd-state',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString()
    const page = await fetch(url, { redirect: 'manual' })
    const html = await page.text()
    expect(page.status).toBe(200)
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1]
    const action = /action="([^"]+)"/.exec(html)?.[1]
    expect(cookie).toMatch(/=/)
    expect(csrf).toBeDefined()
    expect(action).toBeDefined()
    const submitted = await fetch(new URL((action ?? '').replaceAll('&amp;', '&'), url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf_token: csrf ?? '', confirm: '1' }),
    })
    expect(submitted.status).toBe(303)
    const callback = new URL(submitted.headers.get('location') ?? '')
    const params = oauth.validateAuthResponse(server(), client, callback.searchParams, 'workerd-state')
    const response = await oauth.authorizationCodeGrantRequest(
      server(),
      client,
      oauth.ClientSecretBasic(SECRET),
      params,
      REDIRECT,
      verifier,
      {
        [oauth.allowInsecureRequests]: true,
      },
    )
    const tokens = await oauth.processAuthorizationCodeResponse(server(), client, response)
    expect(tokens.token_type).toBe('bearer')
  })
})
