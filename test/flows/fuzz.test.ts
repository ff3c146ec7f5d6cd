/**
 * Property-based fuzzing through real HTTP at every endpoint, on every adapter (this file runs in each
 * flows:* project). Invariants: never a 5xx, never a hang, errors are RFC-shaped, never a redirect outside
 * a registered redirect URI, never a token without valid client credentials and a valid grant.
 *
 * FUZZ_RUNS sets the number of requests per property (default 3500 per adapter, so CI runs 21 000 across the six adapters);
 * FUZZ_SEED replays a failure. Both are printed.
 */
import fc from 'fast-check'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTER, CONFIDENTIAL, PUBLIC_CLIENT, startTestServer, USER, type TestServer } from '../helpers/test-server.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 3500)
const SEED = Number(process.env.FUZZ_SEED ?? 20261129)
const REGISTERED = [CONFIDENTIAL.redirectUri, PUBLIC_CLIENT.redirectUri]
const BASIC = `Basic ${Buffer.from(`${CONFIDENTIAL.clientId}:${CONFIDENTIAL.clientSecret}`).toString('base64')}`

/** Adversarial strings: invalid percent-encoding and UTF-8, CR/LF, NUL, quotes, markup, huge values. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '%',
    '%zz',
    '%C3%28',
    '%ED%A0%80',
    '%00',
    '\r\nSet-Cookie: x=1',
    '"><script>alert(1)</script>',
    '\u0000',
    '\uD800',
    '+',
    ' ',
    '',
    'a'.repeat(5000),
  ),
  fc.constantFrom(
    CONFIDENTIAL.clientId,
    PUBLIC_CLIENT.clientId,
    CONFIDENTIAL.redirectUri,
    PUBLIC_CLIENT.redirectUri,
    'code',
    'token',
    'client_credentials',
    'authorization_code',
    'refresh_token',
    'password',
    'read',
    'read write',
    'S256',
    'plain',
  ),
)
const names = fc.constantFrom(
  'client_id',
  'client_secret',
  'redirect_uri',
  'response_type',
  'grant_type',
  'scope',
  'state',
  'code',
  'code_verifier',
  'code_challenge',
  'code_challenge_method',
  'refresh_token',
  'username',
  'password',
  'token',
  'token_type_hint',
  'csrf_token',
  'action',
)
const params = fc.array(fc.tuple(fc.oneof(names, fc.string({ maxLength: 10 })), nasty), { maxLength: 8 })
const encode = (pairs: [string, string][]): string => new URLSearchParams(pairs).toString()
/** Raw (not re-encoded) query text, to send malformed escapes as they are. */
const rawText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    '%',
    '%%%',
    'a=%ZZ&b=%C3%28',
    'client_id=confidential&client_id=public-app',
    '&&&==',
    'redirect_uri=https%3A%2F%2Fevil.example',
  ),
)

describe(`fuzzing every endpoint through ${ADAPTER} (seed ${SEED}, ${RUNS} runs per property)`, () => {
  let server: TestServer
  let paths: string[]
  beforeAll(async () => {
    server = await startTestServer()
    paths = ['/authorize', '/token', '/revoke', '/introspect', '/.well-known/oauth-authorization-server', '/nope', '/authorize/', '/TOKEN']
  })
  afterAll(() => server.close())

  const request = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    path: fc.integer({ min: 0, max: 7 }),
    query: fc.oneof(params.map(encode), rawText),
    body: fc.oneof(params.map(encode), rawText, fc.constant('')),
    contentType: fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=utf-8',
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=x',
      '',
    ),
    authorization: fc.oneof(
      fc.constant(undefined),
      fc.constant(BASIC),
      nasty.map((value) => `Basic ${value}`),
      nasty.map((value) => `Bearer ${value}`),
    ),
    cookie: fc.oneof(
      fc.constant(undefined),
      nasty.map((value) => `oauth2_csrf=${value}`),
    ),
  })

  it('never answers 5xx, always answers in time, keeps errors RFC-shaped and redirects only to registered URIs', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const path = paths[input.path] ?? '/token'
        const headers: Record<string, string> = {}
        if (input.contentType !== '') headers['content-type'] = input.contentType
        // fetch itself refuses header values with control characters or non-latin1 text; raw sockets cover those.
        const headerSafe = (value: string): string => value.replace(/[^\x20-\x7e\x80-\xff\t]/g, '').trim()
        if (input.authorization !== undefined) headers.authorization = headerSafe(input.authorization)
        if (input.cookie !== undefined) headers.cookie = headerSafe(input.cookie)
        const hasBody = input.method !== 'GET' && input.method !== 'OPTIONS'
        const response = await fetch(`${server.url}${path}${input.query === '' ? '' : `?${input.query}`}`, {
          method: input.method,
          headers,
          redirect: 'manual',
          signal: AbortSignal.timeout(5000),
          ...(hasBody ? { body: input.body } : {}),
        })
        const text = await response.text()
        expect(response.status, `${input.method} ${path} → ${response.status} ${text.slice(0, 200)}`).toBeLessThan(500)
        const location = response.headers.get('location')
        if (location !== null)
          expect(
            REGISTERED.some((uri) => location.startsWith(uri)),
            location,
          ).toBe(true)
        if (response.status >= 400 && response.headers.get('content-type')?.startsWith('application/json') === true) {
          const body = JSON.parse(text) as { error?: unknown; error_description?: unknown }
          expect(typeof body.error).toBe('string')
          if (typeof body.error_description === 'string') expect(body.error_description).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/)
        }
        if (path === '/token' && response.status === 200) {
          // A token only for valid credentials and a valid grant: here client credentials or the password grant.
          const form = new URLSearchParams(input.body)
          const grant = form.get('grant_type')
          expect(input.authorization === BASIC || form.get('client_secret') === CONFIDENTIAL.clientSecret).toBe(true)
          expect(grant === 'client_credentials' || (grant === 'password' && form.get('password') === USER.password)).toBe(true)
        }
      }),
      { numRuns: RUNS, seed: SEED },
    )
  }, 300_000)

  it('survives raw-socket abuse: header injection, lying Content-Length, garbage request lines', async () => {
    const { hostname, port, pathname } = new URL(server.url)
    const raw = (text: string): Promise<string> =>
      new Promise((resolve) => {
        const socket = connect(Number(port), hostname)
        let answer = ''
        socket.setTimeout(12_000, () => socket.destroy())
        socket.on('data', (chunk) => (answer += chunk.toString('latin1')))
        socket.on('close', () => resolve(answer))
        socket.on('error', () => resolve(answer))
        socket.end(text)
      })
    const token = `${pathname.replace(/\/$/, '')}/token`
    const cases = [
      `POST ${token} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=client_credentials`,
      `POST ${token} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n5\r\ngrant\r\nzz\r\n`,
      `GET ${pathname.replace(/\/$/, '')}/authorize?state=%0d%0aSet-Cookie:%20x=1 HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GARBAGE\r\n\r\n`,
      `POST ${token} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`,
    ]
    for (const text of cases) {
      const answer = await raw(text)
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)
      // Either an HTTP 4xx or a closed connection (Node's parser refusing garbage); never a 5xx, never a hang.
      expect(status === 0 || (status >= 400 && status < 500), answer.slice(0, 120)).toBe(true)
      expect(answer.toLowerCase()).not.toContain('\r\nset-cookie: x=1')
    }
  }, 60_000)
})
