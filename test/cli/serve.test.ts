/**
 * `oauth2-stack serve` as a subprocess on a temporary SQLite file: the flows work, `token revoke` from a
 * second process takes effect, data survives a restart, a better-sqlite3 built for another Node gives way
 * to node:sqlite with one warning line, the request log is one JSON line per request
 * and never holds a secret, a password, a code or a token, and a busy port is exit code 1.
 */
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authorizeUrl, openLoginPage, pkcePair, responseParams, submitForm } from '../helpers/browser.ts'
import { basic, postForm, runCli, startServe, tempDir, type CliResult, type RunningServer } from './run-cli.ts'

const SLOW = 90_000
const dir = tempDir()
const store = `sqlite:${join(dir.path, 'serve.db')}`
const config = join(dir.path, 'serve.json')
const ALICE = { username: 'alice', password: 'correct-horse-battery-staple-42' }
const DEMO_REDIRECT = 'http://localhost/callback'

/** Everything that must never appear in the logs. */
const secrets: Record<string, string> = {}
const outputs: { stdout: string; stderr: string }[] = []
let server: RunningServer
let firstRun: CliResult

beforeAll(async () => {
  writeFileSync(
    config,
    JSON.stringify({
      scopes: { profile: 'See your name', email: 'See your email address', invoices: 'Read your invoices' },
      defaultScopes: ['profile'],
      users: [{ ...ALICE, name: 'Alice' }],
    }),
  )
  const added = await runCli([
    'client',
    'add',
    '--json',
    '--store',
    store,
    '--id',
    'billing',
    '--grant',
    'client_credentials',
    '--scope',
    'invoices',
  ])
  expect(added.code, added.stderr).toBe(0)
  secrets.clientSecret = (JSON.parse(added.stdout) as { client_secret: string }).client_secret
  secrets.password = ALICE.password
  server = await startServe(['--store', store, '--config', config, '--port', '0', '--log', 'json'])
}, SLOW)

afterAll(async () => {
  await server?.stop()
  dir.remove()
})

describe('serve: the flows against the persistent store', () => {
  it('prints the banner on stderr and only JSON lines on stdout', () => {
    const { stdout, stderr } = server.output()
    expect(stderr).toContain(`oauth2-stack demo authorization server listening on ${server.issuer}`)
    expect(stderr).toContain(`Store:    ${store}\n`)
    expect(stderr).toContain(`Playground: ${server.issuer}/playground`)
    const lines = stdout.trim().split('\n')
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow()
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'info', msg: 'listening', issuer: server.issuer, store })
  })

  it(`on Node ${process.versions.node}: better-sqlite3 when it loads, else node:sqlite after one warning line`, () => {
    const { stderr } = server.output()
    const warnings = stderr.split('\n').filter((line) => line.startsWith('oauth2-stack: warning:'))
    if (betterSqliteLoads()) {
      expect(warnings).toEqual([])
    } else {
      // node_modules was built for another Node (CI's Node 22 and 24 runs): the store serves through node:sqlite.
      expect(warnings).toEqual([
        expect.stringMatching(
          /^oauth2-stack: warning: better-sqlite3 is installed but does not load in Node [\d.]+ \(.+\); using node:sqlite instead \(npm rebuild better-sqlite3 to use it\)$/,
        ) as unknown,
      ])
    }
  })

  it(
    'a configured user signs in through the consent page; the code and the refresh token work',
    async () => {
      const pkce = pkcePair()
      secrets.verifier = pkce.verifier
      const url = authorizeUrl(server.issuer, {
        response_type: 'code',
        client_id: 'abc',
        redirect_uri: DEMO_REDIRECT,
        scope: 'profile invoices',
        state: 'serve-test',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      })
      const page = await openLoginPage(url)
      expect(page.body).toContain('Read your invoices')
      const decided = await submitForm(page, { action: 'approve', ...ALICE })
      expect(decided.status).toBe(303)
      const code = responseParams(decided.location, DEMO_REDIRECT).get('code') ?? ''
      secrets.code = code
      const tokens = await postForm(
        `${server.issuer}/token`,
        { grant_type: 'authorization_code', code, redirect_uri: DEMO_REDIRECT, code_verifier: pkce.verifier },
        basic('abc', 'xyz'),
      )
      expect(tokens.status).toBe(200)
      expect(tokens.json.scope).toBe('profile invoices')
      secrets.accessToken = String(tokens.json.access_token)
      secrets.refreshToken = String(tokens.json.refresh_token)
      const refreshed = await postForm(
        `${server.issuer}/token`,
        { grant_type: 'refresh_token', refresh_token: secrets.refreshToken },
        basic('abc', 'xyz'),
      )
      expect(refreshed.status).toBe(200)
      secrets.refreshed = String(refreshed.json.access_token)
      secrets.refreshToken2 = String(refreshed.json.refresh_token)
    },
    SLOW,
  )

  it(
    'the client registered with `client add` authenticates with its printed secret',
    async () => {
      const answer = await postForm(
        `${server.issuer}/token`,
        { grant_type: 'client_credentials', scope: 'invoices' },
        basic('billing', secrets.clientSecret ?? ''),
      )
      expect(answer.status).toBe(200)
      secrets.serviceToken = String(answer.json.access_token)
      const wrong = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic('billing', 'not-the-secret'))
      expect(wrong.status).toBe(401)
    },
    SLOW,
  )

  it(
    'token revoke <access token> from another process: introspection says inactive',
    async () => {
      const result = await runCli(['token', 'revoke', secrets.refreshed ?? '', '--store', store])
      expect(result).toMatchObject({ code: 0, stdout: 'Revoked an access token of client abc (user alice).\n', stderr: '' })
      const introspected = await postForm(`${server.issuer}/introspect`, { token: secrets.refreshed ?? '' }, basic('abc', 'xyz'))
      expect(introspected.json).toEqual({ active: false })
    },
    SLOW,
  )

  it(
    'token revoke - (refresh token on stdin) revokes the whole family',
    async () => {
      const result = await runCli(['token', 'revoke', '-', '--store', store], { input: `${secrets.refreshToken2 ?? ''}\n` })
      expect(result).toMatchObject({
        code: 0,
        stdout: 'Revoked a refresh token of client abc (user alice) and every token of its family.\n',
      })
      const refresh = await postForm(
        `${server.issuer}/token`,
        { grant_type: 'refresh_token', refresh_token: secrets.refreshToken2 ?? '' },
        basic('abc', 'xyz'),
      )
      expect(refresh.status).toBe(400)
      expect(refresh.json.error).toBe('invalid_grant')
    },
    SLOW,
  )

  it(
    'token revoke of an unknown or already revoked token is exit 1 and changes nothing',
    async () => {
      const result = await runCli(['token', 'revoke', secrets.refreshed ?? '', '--store', store])
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(
        'oauth2-stack: no access or refresh token matches: it is unknown, expired or already revoked (nothing was changed)\n',
      )
    },
    SLOW,
  )

  it(
    'SIGTERM stops it with exit code 0; started again on the same file, clients and tokens are still there',
    async () => {
      firstRun = await server.stop()
      expect(firstRun.code).toBe(0)
      outputs.push({ stdout: firstRun.stdout, stderr: firstRun.stderr })
      const lastLines = firstRun.stdout.trim().split('\n').slice(-2)
      expect(lastLines[0]).toMatch(/"msg":"stopping","signal":"SIGTERM"/)
      expect(lastLines[1]).toMatch(/"msg":"stopped","signal":"SIGTERM"/)
      // No --log this time: stdout is not a terminal, so the log is JSON.
      server = await startServe(['--store', store, '--config', config, '--port', '0'])
      const introspected = await postForm(
        `${server.issuer}/introspect`,
        { token: secrets.serviceToken ?? '' },
        basic('billing', secrets.clientSecret ?? ''),
      )
      expect(introspected.json).toMatchObject({ active: true, client_id: 'billing', scope: 'invoices' })
      const stillRevoked = await postForm(`${server.issuer}/introspect`, { token: secrets.refreshed ?? '' }, basic('abc', 'xyz'))
      expect(stillRevoked.json).toEqual({ active: false })
      const second = await server.stop()
      expect(second.code).toBe(0)
      outputs.push({ stdout: second.stdout, stderr: second.stderr })
    },
    SLOW,
  )
})

describe('serve: the request log', () => {
  it('has one JSON line per request: method, path, status, duration, client_id when known', () => {
    const lines = outputs.flatMap(({ stdout }) => stdout.trim().split('\n')).map((line) => JSON.parse(line) as Record<string, unknown>)
    const requests = lines.filter((line) => line.msg === 'request')
    for (const line of requests) {
      expect(line).toMatchObject({
        method: expect.any(String) as unknown,
        path: expect.any(String) as unknown,
        status: expect.any(Number) as unknown,
        duration_ms: expect.any(Number) as unknown,
      })
      expect(line.path).not.toContain('?')
    }
    const token = requests.filter((line) => line.path === '/token')
    expect(token.map((line) => [line.client_id, line.status])).toEqual([
      ['abc', 200],
      ['abc', 200],
      ['billing', 200],
      ['billing', 401],
      ['abc', 400],
    ])
    expect(token.at(-1)).toMatchObject({ error: 'invalid_grant', level: 'warn', auth: 'Basic' })
    const login = requests.find((line) => line.method === 'POST' && line.path === '/authorize')
    expect(login?.params).toMatchObject({
      username: 'alice',
      password: '[redacted]',
      csrf_token: '[redacted]',
      action: 'approve',
      client_id: 'abc',
    })
    const exchange = token[0]?.params as Record<string, string> | undefined
    expect(exchange).toMatchObject({
      grant_type: 'authorization_code',
      code: '[redacted]',
      code_verifier: '[redacted]',
      redirect_uri: DEMO_REDIRECT,
    })
  })

  it('never holds the client secret, the password, the code, the verifier, a token or an Authorization header', () => {
    expect(Object.keys(secrets).sort()).toEqual([
      'accessToken',
      'clientSecret',
      'code',
      'password',
      'refreshToken',
      'refreshToken2',
      'refreshed',
      'serviceToken',
      'verifier',
    ])
    const everything = outputs.map(({ stdout, stderr }) => `${stdout}\n${stderr}`).join('\n')
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length, name).toBeGreaterThan(20)
      expect(everything.includes(value), `${name} is in the log`).toBe(false)
    }
    for (const header of [basic('abc', 'xyz'), basic('billing', secrets.clientSecret ?? '')]) {
      expect(everything).not.toContain(header.slice('Basic '.length))
    }
  })
})

describe('serve: other modes and failures', () => {
  it(
    '--log pretty writes one short line per request, without colours when stdout is not a terminal',
    async () => {
      const pretty = await startServe(['--store', 'memory:', '--port', '0', '--log', 'pretty'])
      const home = await fetch(`${pretty.issuer}/`)
      expect(home.status).toBe(200)
      // An OpenID Provider: the home page names its discovery document, whose jwks_uri is the one JWKS.
      const discoveryUrl = `${pretty.issuer}/.well-known/openid-configuration`
      expect(await home.text()).toContain(`discovery at <a href="${discoveryUrl}">`)
      const discovery = (await (await fetch(discoveryUrl)).json()) as Record<string, unknown>
      expect(discovery).toMatchObject({ jwks_uri: `${pretty.issuer}/jwks`, end_session_endpoint: `${pretty.issuer}/end_session` })
      expect(discovery.scopes_supported).toEqual(['openid', 'profile', 'email', 'offline_access'])
      const playground = await fetch(`${pretty.issuer}/playground`)
      expect(playground.status).toBe(200)
      await postForm(`${pretty.issuer}/token`, { grant_type: 'client_credentials' }, basic('abc', 'wrong'))
      const result = await pretty.stop()
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/^\d\d:\d\d:\d\d GET {2}\/ 200 [\d.]+ms$/m)
      expect(result.stdout).toMatch(/^\d\d:\d\d:\d\d GET {2}\/playground 200 [\d.]+ms$/m)
      expect(result.stdout).toMatch(
        /^\d\d:\d\d:\d\d POST \/token 401 [\d.]+ms client=abc error=invalid_client grant_type=client_credentials$/m,
      )
      expect(result.stdout).not.toContain('\u001b[')
      expect(result.stderr).toContain('Store:    memory: (nothing is kept after exit)')
      expect(result.stderr).toContain('Keys:     ID tokens; signing keys in the store')
    },
    SLOW,
  )

  it(
    'a port in use is exit 1 with a message that says what to do',
    async () => {
      const blocker: Server = createServer()
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
      const { port } = blocker.address() as AddressInfo
      try {
        const result = await runCli(['serve', '--store', 'memory:', '--port', String(port)])
        expect(result.code).toBe(1)
        expect(result.stdout).toBe('')
        expect(result.stderr).toBe(
          `oauth2-stack: port ${port} on 127.0.0.1 is already in use: stop the other server or pick another --port\n`,
        )
      } finally {
        blocker.close()
      }
    },
    SLOW,
  )

  it(
    '--no-demo serves no demo credentials and no playground',
    async () => {
      const bare = await startServe(['--store', 'memory:', '--port', '0', '--no-demo'])
      try {
        const answer = await postForm(`${bare.issuer}/token`, { grant_type: 'client_credentials' }, basic('abc', 'xyz'))
        expect(answer.status).toBe(401)
        expect((await fetch(`${bare.issuer}/playground`)).status).toBe(404)
        expect(bare.output().stderr).toContain('Register clients with: oauth2-stack client add --help')
        expect(bare.output().stderr).not.toContain('demo / demo')
      } finally {
        await bare.stop()
      }
    },
    SLOW,
  )
})

/** Whether better-sqlite3's native module loads in this Node. */
function betterSqliteLoads(): boolean {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => { close(): void }
    new Database(':memory:').close()
    return true
  } catch {
    return false
  }
}
