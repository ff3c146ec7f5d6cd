/**
 * Authorization endpoint over real HTTP, adversarial inputs: a few hundred seeded random query strings
 * and form bodies (invalid percent-encoding, overlong values, NUL, CRLF, markup, repeated and odd
 * parameter names) and a handful of raw-socket requests. Properties (RFC 6749 section 4.1.2.1,
 * RFC 9700 section 4.11): never a 5xx, never a Location outside a registered redirect URI, always iss
 * on a redirect, no header injection, no markup reflected unescaped.
 *
 * Plain loops with fixed seeds so every failure is reproducible (the fast-check properties live with
 * the unit tests).
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authorizePath, cookiePathCovers, openLoginPage, parseSetCookie, request, type RawResult } from '../helpers/browser.ts'
import { CONFIDENTIAL, PUBLIC_CLIENT, startTestServer, type TestServer } from '../helpers/test-server.ts'

const TENANT = { clientId: 'tenant-client', redirectUri: 'https://client.example/cb?tenant=1' } as const
const NATIVE = { clientId: 'native-v4', redirectUri: 'http://127.0.0.1/cb' } as const
const REGISTERED = [CONFIDENTIAL.redirectUri, PUBLIC_CLIENT.redirectUri, TENANT.redirectUri] as const

let server: TestServer

beforeAll(async () => {
  server = await startTestServer({
    clients: [
      { clientId: TENANT.clientId, clientSecret: 'S'.repeat(43), redirectUris: [TENANT.redirectUri] },
      { clientId: NATIVE.clientId, redirectUris: [NATIVE.redirectUri] },
    ],
  })
})
afterAll(() => server.close())

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const NASTY_RAW = [
  '%zz',
  '%',
  '%%',
  '%4',
  '%C3%28',
  '%E2%82',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%FF%FE',
  '%00',
  '%00%00',
  '%0d%0aLocation:%20https://evil.example/',
  '%0D%0ASet-Cookie:%20oauth2_csrf=AAAA',
  '%0a',
  '%E2%80%A8',
  '<script>alert(1)</script>',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  '%22%3E%3Csvg%20onload%3Dalert(1)%3E',
  "'",
  '&amp;',
  '%26',
  '%2526',
  '+',
  '%2B',
  '%20',
  'é',
  '€',
  '\u{1F600}',
  '\uD800',
  'https://evil.example/',
  'https%3A%2F%2Fevil.example%2F',
  '//evil.example',
  'javascript:alert(1)',
  '\\\\evil.example',
  'code',
  'token',
  'code%20token',
  'S256',
  'plain',
  '',
  '=',
  '==',
  'A'.repeat(64),
] as const

const NAMES = [
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'csrf_token',
  'action',
  'username',
  'password',
  'CLIENT_ID',
  'client_id[]',
  'client_id%00',
  'redirect_uri%20',
  '%zz',
  '',
  '__proto__',
  'constructor',
  'toString',
] as const

const CLIENTS: readonly (readonly [string, string])[] = [
  [CONFIDENTIAL.clientId, CONFIDENTIAL.redirectUri],
  [PUBLIC_CLIENT.clientId, PUBLIC_CLIENT.redirectUri],
  [TENANT.clientId, TENANT.redirectUri],
  [NATIVE.clientId, 'http://127.0.0.1:51234/cb'],
]

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T
}

/** encodeURIComponent, keeping the text raw when it cannot be encoded (a lone surrogate). */
function lenientEncode(text: string): string {
  try {
    return encodeURIComponent(text)
  } catch {
    return text
  }
}

/** A random value: a nasty raw piece, an encoded one, a huge one, or a concatenation. */
function value(random: () => number, allowHuge: { left: number }): string {
  const roll = random()
  if (roll < 0.05 && allowHuge.left > 0) {
    allowHuge.left--
    return pick(random, ['A'.repeat(5000), '%41'.repeat(1500), '%zz'.repeat(1200), '%00'.repeat(1500), '€'.repeat(600)])
  }
  if (roll < 0.45) return pick(random, NASTY_RAW)
  if (roll < 0.7) return lenientEncode(pick(random, NASTY_RAW))
  return `${pick(random, NASTY_RAW)}${pick(random, NASTY_RAW)}${pick(random, NASTY_RAW)}`
}

/** A random query (or form body) text: mostly a valid request mutated a few times, sometimes pure junk. */
function randomQuery(random: () => number): string {
  const huge = { left: 1 }
  const pairs: [string, string][] = []
  if (random() < 0.8) {
    const [clientId, redirectUri] = pick(random, CLIENTS)
    pairs.push(['client_id', encodeURIComponent(clientId)])
    if (random() < 0.85) pairs.push(['redirect_uri', encodeURIComponent(redirectUri)])
    pairs.push(['response_type', random() < 0.7 ? 'code' : 'token'])
    if (random() < 0.5) pairs.push(['state', encodeURIComponent(`st-${Math.floor(random() * 1000)}`)])
    if (random() < 0.4) pairs.push(['code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'], ['code_challenge_method', 'S256'])
  }
  const mutations = 1 + Math.floor(random() * 4)
  for (let m = 0; m < mutations; m++) {
    const roll = random()
    if (roll < 0.35 && pairs.length > 0) {
      const index = Math.floor(random() * pairs.length)
      const pair = pairs[index]
      if (pair !== undefined) pair[1] = value(random, huge)
    } else if (roll < 0.5 && pairs.length > 0) {
      pairs.splice(Math.floor(random() * pairs.length), 1)
    } else if (roll < 0.65 && pairs.length > 0) {
      const pair = pick(random, pairs)
      pairs.push([pair[0], random() < 0.5 ? pair[1] : value(random, huge)])
    } else if (roll < 0.9) {
      pairs.push([pick(random, NAMES), value(random, huge)])
    } else {
      pairs.push([pick(random, ['', '&', '&&', '=', '==&==', '%', '?']), ''])
    }
  }
  for (let i = pairs.length - 1; i > 0; i--) {
    if (random() < 0.2) {
      const j = Math.floor(random() * (i + 1))
      const a = pairs[i]
      const b = pairs[j]
      if (a !== undefined && b !== undefined) {
        pairs[i] = b
        pairs[j] = a
      }
    }
  }
  return pairs.map(([name, v]) => (v === '' && random() < 0.3 ? name : `${name}=${v}`)).join('&')
}

/** Whether a Location is a registered redirect URI (or a loopback port variant) followed by response parameters. */
function isRegisteredRedirect(location: string): boolean {
  for (const uri of REGISTERED) {
    for (const separator of uri.includes('?') ? ['&', '#'] : ['?', '#']) {
      if (location.startsWith(`${uri}${separator}`)) return true
    }
  }
  return /^http:\/\/127\.0\.0\.1(:\d{1,5})?\/cb[?#]/.test(location)
}

/** The properties every answer of the authorization endpoint must have. */
function checkAnswer(result: RawResult, label: string): void {
  expect(result.status, label).toBeLessThan(500)
  expect(result.status, label).toBeGreaterThanOrEqual(200)
  if (result.location !== undefined) {
    expect([302, 303], label).toContain(result.status)
    expect(isRegisteredRedirect(result.location), `${label} → ${result.location.slice(0, 200)}`).toBe(true)
    expect(result.location, label).not.toMatch(/[\r\n\0]/)
    const url = new URL(result.location)
    const params = new URLSearchParams(url.hash.length > 1 ? url.hash.slice(1) : url.search)
    expect(params.get('iss'), label).toBe(server.issuer)
    expect(params.getAll('iss'), label).toHaveLength(1)
    expect(result.body, label).toBe('')
  } else {
    expect([302, 303, 307, 308], label).not.toContain(result.status)
    expect(result.body, label).not.toMatch(/<script|<svg/i)
  }
  for (const line of result.setCookies) {
    // Only the CSRF cookie, never anything smuggled in from the request.
    const cookie = parseSetCookie(line)
    expect(cookie.name, label).toBe('oauth2_csrf')
    expect(cookie.value, label).toMatch(/^([A-Za-z0-9_-]{43})?$/)
    expect(cookie.attributes.has('httponly'), label).toBe(true)
    expect(cookiePathCovers(cookie.attributes.get('path'), authorizePath(server.url)), label).toBe(true)
  }
}

describe('RFC 6749 section 4.1.2.1 / RFC 9700 section 4.11: adversarial authorization requests never 5xx and never redirect off the registered URIs', () => {
  for (const seed of [1, 7, 42]) {
    it(`GET with 120 random query strings (seed ${seed})`, async () => {
      const random = prng(seed)
      for (let i = 0; i < 120; i++) {
        const query = randomQuery(random)
        const label = `seed ${seed} #${i}: GET ?${query.slice(0, 300)}`
        checkAnswer(await request(`${server.url}/authorize?${query}`), label)
      }
    })
  }

  for (const seed of [3, 11]) {
    it(`POST with 60 random query strings and form bodies, with and without a real CSRF cookie (seed ${seed})`, async () => {
      const random = prng(seed)
      const page = await openLoginPage(
        `${server.url}/authorize?response_type=code&client_id=${CONFIDENTIAL.clientId}&redirect_uri=${encodeURIComponent(CONFIDENTIAL.redirectUri)}`,
      )
      const codes = server.tokenStore.size.codes
      for (let i = 0; i < 60; i++) {
        const query = randomQuery(random)
        const body = randomQuery(random)
        const cookie = pick(random, ['', page.cookie, 'oauth2_csrf=', `oauth2_csrf=${'A'.repeat(43)}`, 'oauth2_csrf=%zz; oauth2_csrf=x'])
        const contentType = pick(random, [
          'application/x-www-form-urlencoded',
          'application/x-www-form-urlencoded; charset=latin1',
          'text/plain',
          'application/json',
          'multipart/form-data; boundary=x',
        ])
        const headers: Record<string, string> = { 'content-type': contentType }
        if (cookie !== '') headers.cookie = cookie
        const label = `seed ${seed} #${i}: POST ?${query.slice(0, 200)} body ${body.slice(0, 200)} cookie ${cookie}`
        checkAnswer(await request(`${server.url}/authorize?${query}`, { method: 'POST', headers, body }), label)
      }
      // None of these POSTs carried the page's CSRF token for its own request, so none may have issued a code.
      expect(server.tokenStore.size.codes).toBe(codes)
    })
  }

  it('CRLF, NUL and markup in state are encoded in the Location, never injected as headers', async () => {
    const state = '\r\nSet-Cookie: pwned=1\r\nLocation: https://evil.example/\u0000<script>'
    const query = new URLSearchParams({
      response_type: 'bogus',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: CONFIDENTIAL.redirectUri,
      state,
    })
    const result = await request(`${server.url}/authorize?${query.toString()}`)
    checkAnswer(result, 'crlf state')
    expect(result.status).toBe(302)
    expect(result.setCookies).toEqual([])
    expect(result.headers.get('pwned')).toBeNull()
    expect(new URL(result.location ?? '').searchParams.get('state')).toBe(state)
  })

  it('CRLF and markup in state on the login page: escaped in the form action, and state comes back intact after approval', async () => {
    const state = '"><script>alert(1)</script>\r\n'
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: CONFIDENTIAL.redirectUri,
      state,
    })
    const page = await openLoginPage(`${server.url}/authorize?${query.toString()}`)
    checkAnswer(page, 'login page')
    expect(page.action.searchParams.get('state')).toBe(state)
  })
})

/** Sends raw bytes and reads the status line and headers of the answer (or `undefined` if the socket just closed). */
function rawRequest(bytes: Buffer): Promise<{ status: number | undefined; head: string; body: string }> {
  const { port } = new URL(server.url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1')
    const chunks: Buffer[] = []
    socket.setTimeout(5000, () => {
      socket.destroy()
      reject(new Error('raw request timed out'))
    })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const split = text.indexOf('\r\n\r\n')
      const head = split === -1 ? text : text.slice(0, split)
      const match = /^HTTP\/1\.1 (\d{3})/.exec(head)
      resolve({ status: match === null ? undefined : Number(match[1]), head, body: split === -1 ? '' : text.slice(split + 4) })
    })
    socket.write(bytes)
  })
}

describe('RFC 6749 section 4.1.2.1 / RFC 9110 section 15.5.1: raw-socket requests with bytes fetch() would never send', () => {
  const base = `response_type=code&client_id=${CONFIDENTIAL.clientId}&redirect_uri=${encodeURIComponent(CONFIDENTIAL.redirectUri)}`
  const targets: readonly (readonly [string, Buffer])[] = [
    ['raw markup in state', Buffer.from(`@AUTH@?${base}&state="><script>alert(1)</script>`, 'latin1')],
    [
      'raw quote and angle brackets in an unknown response_type',
      Buffer.from(`@AUTH@?client_id=${CONFIDENTIAL.clientId}&response_type=<b>"x"</b>&state=s`, 'latin1'),
    ],
    ['raw latin-1 bytes', Buffer.concat([Buffer.from(`@AUTH@?${base}&state=`), Buffer.from([0xe9, 0xff, 0x80])])],
    ['invalid UTF-8 bytes in client_id', Buffer.concat([Buffer.from('@AUTH@?client_id='), Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80])])],
    ['a NUL byte in the target', Buffer.concat([Buffer.from(`@AUTH@?${base}&state=a`), Buffer.from([0x00]), Buffer.from('b')])],
    ['a bare CR in the target', Buffer.from(`@AUTH@?${base}&state=a\rLocation: https://evil.example/`, 'latin1')],
    ['a tab in the target', Buffer.from(`@AUTH@?${base}&state=a\tb`, 'latin1')],
    ['a DEL byte in the target', Buffer.from(`@AUTH@?${base}&state=a\u007fb`, 'latin1')],
    ['an absolute-form target', Buffer.from(`http://evil.example@AUTH@?${base}&state=abs`, 'latin1')],
    ['a very long target (just under 16 KiB)', Buffer.from(`@AUTH@?${base}&state=${'A'.repeat(15_000)}`, 'latin1')],
  ]
  for (const [name, target] of targets) {
    it(`${name} → answered below 500 (or refused by the HTTP parser), never redirected off the registered URIs, no markup reflected`, async () => {
      const resolved = Buffer.from(target.toString('latin1').replaceAll('@AUTH@', authorizePath(server.url)), 'latin1')
      const head = Buffer.concat([Buffer.from('GET '), resolved, Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')])
      const result = await rawRequest(head)
      if (result.status !== undefined) {
        expect(result.status, result.head).toBeLessThan(500)
        const location = /\r\nlocation: ([^\r\n]*)/i.exec(result.head)?.[1]
        if (location !== undefined) expect(isRegisteredRedirect(location), location).toBe(true)
        expect(result.body).not.toMatch(/<script|<b>"x"/i)
        expect(result.head).not.toMatch(/\r\nlocation: https:\/\/evil/i)
      } else {
        // The connection was closed without an answer: only acceptable for bytes the HTTP parser rejects.
        expect(['a NUL byte in the target', 'a bare CR in the target', 'a tab in the target', 'a DEL byte in the target']).toContain(name)
      }
    })
  }
})
