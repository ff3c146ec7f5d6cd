/**
 * Guessing device user codes, through real HTTP (issue 17 items 1 and 6, RFC 8628 section 5.1): the
 * decision step accepts only a code this browser's check step accepted, every failed lookup counts
 * against the guesser's address, the global ceiling never refuses an address that typed no wrong code,
 * and the device authorization endpoint is limited per (client, address) with pending codes capped.
 * Plus the consent CSRF of the authorization endpoint (issue 17 item 9): single-use tokens, and only
 * cookies the server issued.
 */
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVICE_CODE_GRANT_TYPE, DeviceCodeGrant } from '../../src/grants/index.ts'
import type { LimitsOptions } from '../../src/limits/policies.ts'
import { LocalDeviceCodeStore } from '../../src/stores/index.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import type { NodeEnviron } from '../../src/web/index.ts'
import { authorizeUrl, openLoginPage, request, submitForm, unescapeHtml, type LoginPage, type RawResult } from '../helpers/browser.ts'
import { CONFIDENTIAL, postToken, PUBLIC_CLIENT, startTestServer, USER, type TestServer } from '../helpers/test-server.ts'

const ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'

interface Device {
  readonly device_code: string
  readonly user_code: string
  readonly verification_uri: string
}

async function deviceServer(limits: LimitsOptions = {}): Promise<TestServer> {
  const server = await startTestServer({ controller: { limits, clientAddress: (_environ, req) => req.header('x-test-address') } })
  server.controller.addGrant(new DeviceCodeGrant<NodeEnviron>({ deviceCodeStore: new LocalDeviceCodeStore() }))
  return server
}

async function startDevice(server: TestServer, address = '192.0.2.250'): Promise<{ status: number; headers: Headers; device: Device }> {
  const response = await fetch(`${server.url}/device_authorization`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-test-address': address },
    body: new URLSearchParams({ client_id: PUBLIC_CLIENT.clientId, scope: 'read' }),
  })
  return { status: response.status, headers: response.headers, device: (await response.json()) as Device }
}

function poll(server: TestServer, device: Device): ReturnType<typeof postToken> {
  return postToken(server.url, { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: device.device_code, client_id: PUBLIC_CLIENT.clientId })
}

/** A well-formed user code that is not `code`. */
function otherCode(code: string, seed: number): string {
  let other = ''
  for (let i = 0; i < 8; i++) other += ALPHABET[(seed * 7 + i * 3 + 1) % ALPHABET.length]
  return other === code.replace('-', '') ? otherCode(code, seed + 1) : `${other.slice(0, 4)}-${other.slice(4)}`
}

/** The verification page as a browser at `address` opens it. */
async function openEntry(server: TestServer, address: string): Promise<LoginPage> {
  const page = await request(`${server.url}/device`, { headers: { 'x-test-address': address } })
  const csrfToken = unescapeHtml(/name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1] ?? '')
  const cookie = page.setCookies.find((line) => line.startsWith('oauth2_csrf='))?.split(';')[0] ?? ''
  return { ...page, cookie, csrfToken, action: new URL(`${server.url}/device`) }
}

function post(url: URL | string, address: string, cookie: string, form: Record<string, string>): Promise<RawResult> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'x-test-address': address }
  if (cookie !== '') headers.cookie = cookie
  return request(url, { method: 'POST', headers, body: new URLSearchParams(form) })
}

/** The check step: types `code` on a fresh entry page. */
async function enterCode(server: TestServer, address: string, code: string): Promise<{ entry: LoginPage; result: RawResult }> {
  const entry = await openEntry(server, address)
  return { entry, result: await post(entry.action, address, entry.cookie, { csrf_token: entry.csrfToken, user_code: code }) }
}

/** The decision step, as an attacker would forge it under the old scheme: a self-chosen cookie and its HMAC. */
function forgedDecision(server: TestServer, address: string, code: string, action: 'approve' | 'deny'): Promise<RawResult> {
  const cookie = 'A'.repeat(43)
  const normalized = code.replace('-', '')
  const token = createHmac('sha256', cookie)
    .update(`device-verification\0decide\0${hashToken(normalized)}`)
    .digest('base64url')
  return post(`${server.url}/device?user_code=${code}`, address, `oauth2_csrf=${cookie}`, { csrf_token: token, action, ...USER })
}

describe('issue 17 item 1: the decision step accepts only a code this browser checked', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await deviceServer()
  })
  afterAll(() => server.close())

  it('a decision forged with a self-chosen cookie is refused, decides nothing and is no oracle', async () => {
    const { device } = await startDevice(server)
    const right = await forgedDecision(server, '198.51.100.10', device.user_code, 'deny')
    const wrong = await forgedDecision(server, '198.51.100.10', otherCode(device.user_code, 1), 'deny')
    expect(right.status).toBe(400)
    expect(right.body).not.toContain('Sign in')
    expect(right.body.replace(/value="[^"]*"/g, '')).toBe(wrong.body.replace(/value="[^"]*"/g, ''))
    expect((await poll(server, device)).json).toMatchObject({ error: 'authorization_pending' })
  })

  it('a server-issued token for one code does not decide another', async () => {
    const { device: mine } = await startDevice(server)
    const { device: victim } = await startDevice(server)
    const { entry, result } = await enterCode(server, '198.51.100.11', mine.user_code)
    expect(result.status).toBe(200)
    const token = unescapeHtml(/name="csrf_token" value="([^"]+)"/.exec(result.body)?.[1] ?? '')
    const answer = await post(`${server.url}/device?user_code=${victim.user_code}`, '198.51.100.11', entry.cookie, {
      csrf_token: token,
      action: 'deny',
    })
    expect(answer.status).toBe(400)
    expect((await poll(server, victim)).json).toMatchObject({ error: 'authorization_pending' })
  })

  it('every failed decision counts against the address: the 6th is refused with 429, even the right code at the check step; other addresses go on', async () => {
    const { device } = await startDevice(server)
    for (let i = 0; i < 5; i++)
      expect((await forgedDecision(server, '198.51.100.12', otherCode(device.user_code, i), 'deny')).status).toBe(400)
    const locked = await enterCode(server, '198.51.100.12', device.user_code)
    expect(locked.result.status).toBe(429)
    expect(Number(locked.result.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(locked.result.body).toContain('Try again in')
    expect((await forgedDecision(server, '198.51.100.12', device.user_code, 'deny')).status).toBe(429)
    expect((await enterCode(server, '198.51.100.13', device.user_code)).result.status).toBe(200)
  })

  it('the decision token is single-use: after a wrong password the old form is refused, the re-rendered one works', async () => {
    const { device } = await startDevice(server)
    const { entry, result } = await enterCode(server, '198.51.100.14', device.user_code)
    const token = unescapeHtml(/name="csrf_token" value="([^"]+)"/.exec(result.body)?.[1] ?? '')
    const action = new URL(unescapeHtml(/<form method="post" action="([^"]+)"/.exec(result.body)?.[1] ?? ''), server.url)
    const failed = await post(action, '198.51.100.14', entry.cookie, {
      csrf_token: token,
      action: 'approve',
      username: USER.username,
      password: 'nope',
    })
    expect(failed.status).toBe(401)
    expect((await post(action, '198.51.100.14', entry.cookie, { csrf_token: token, action: 'approve', ...USER })).status).toBe(400)
    const fresh = unescapeHtml(/name="csrf_token" value="([^"]+)"/.exec(failed.body)?.[1] ?? '')
    expect((await post(action, '198.51.100.14', entry.cookie, { csrf_token: fresh, action: 'approve', ...USER })).status).toBe(200)
    expect((await poll(server, device)).status).toBe(200)
  })
})

describe('RFC 8628 section 5.1: the global ceiling never locks out an address that typed no wrong code', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await deviceServer({ userCodeGuessesGlobal: { max: 8, windowSeconds: 900 } })
  })
  afterAll(() => server.close())

  it('past the ceiling a fresh address with the right code gets in; an address is locked at its first wrong code', async () => {
    const { device } = await startDevice(server)
    for (let address = 0; address < 8; address++) {
      expect((await enterCode(server, `198.51.100.${20 + address}`, otherCode(device.user_code, address))).result.status).toBe(400)
    }
    expect((await enterCode(server, '198.51.100.40', device.user_code)).result.status).toBe(200)
    expect((await enterCode(server, '198.51.100.41', otherCode(device.user_code, 9))).result.status).toBe(400)
    expect((await enterCode(server, '198.51.100.41', device.user_code)).result.status).toBe(429)
  })
})

describe('issue 17 item 6: the device authorization endpoint is limited and pending codes capped', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await deviceServer({ devicePendingPerClient: { max: 15, windowSeconds: 600 } })
  })
  afterAll(() => server.close())

  it('10 requests per (client, address), then 429 with Retry-After and too_many_requests', async () => {
    for (let i = 0; i < 10; i++) expect((await startDevice(server, '203.0.113.50')).status).toBe(200)
    const refused = await startDevice(server, '203.0.113.50')
    expect(refused.status).toBe(429)
    expect(refused.device).toMatchObject({ error: 'too_many_requests' })
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await startDevice(server, '203.0.113.51')).status).toBe(200)
  })

  it('pending codes per client are capped whatever the addresses', async () => {
    // 11 issued above; 4 more reach the cap of 15.
    for (let i = 0; i < 4; i++) expect((await startDevice(server, `203.0.113.${60 + i}`)).status).toBe(200)
    expect((await startDevice(server, '203.0.113.70')).status).toBe(429)
    server.clock.advance(601)
    expect((await startDevice(server, '203.0.113.70')).status).toBe(200)
  })
})

describe('issue 17 item 9: the consent CSRF token is single-use and the cookie must be one the server issued', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())
  const url = (): string =>
    authorizeUrl(server.url, {
      response_type: 'code',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: CONFIDENTIAL.redirectUri,
      state: 's',
    })

  it('a cookie/token pair replayed after the decision is refused (a client that ignores Max-Age=0)', async () => {
    const page = await openLoginPage(url())
    expect((await submitForm(page)).status).toBe(303)
    const replay = await submitForm(page)
    expect(replay.status).toBe(400)
    expect(replay.location).toBeUndefined()
  })

  it('a self-made cookie with a token computed from it is refused', async () => {
    const page = await openLoginPage(url())
    const cookie = 'B'.repeat(43)
    const binding = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method']
      .map((name) => page.action.searchParams.get(name) ?? '')
      .join('\0')
    const token = createHmac('sha256', cookie).update(binding).digest('base64url')
    const forged = await submitForm(page, { action: 'approve', ...USER, cookie: `oauth2_csrf=${cookie}`, csrfToken: token })
    expect(forged.status).toBe(400)
    expect(forged.location).toBeUndefined()
  })
})
