/**
 * Rate limits through real HTTP (issue 16, issue 17 items 2 and 3): wrong client secrets per (client,
 * address), scrypt work bounded before any hash, the password grant and the login form per (username,
 * address) with a per-username ceiling. The test tells the server the client's address through the
 * `clientAddress` option (an `x-test-address` header), so one test process plays many addresses.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuthorizationController, type AuditEvent } from '../../src/index.ts'
import { SECRET_HASH_CHANNEL } from '../../src/tokens/hash.ts'
import { LocalClientStore, LocalTokenStore } from '../../src/stores/index.ts'
import { authorizeUrl, openLoginPage, submitForm } from '../helpers/browser.ts'
import { CONFIDENTIAL, postToken, startTestServer, USER, type TestServer } from '../helpers/test-server.ts'

const WEAK = { clientId: 'weak', clientSecret: 'xyz', redirectUris: ['https://weak.example/cb'] } as const
const GENERATED = { clientId: 'generated', clientSecret: 'G'.repeat(43), redirectUris: ['https://generated.example/cb'] } as const

const from = (address: string): { headers: Record<string, string> } => ({ headers: { 'x-test-address': address } })

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({
    clients: [WEAK, GENERATED],
    controller: { clientAddress: (_environ, request) => request.header('x-test-address') },
  })
})
afterAll(() => server.close())

/** Counts the client-secret hashes computed while `work` runs, by algorithm. */
async function countHashes(work: () => Promise<unknown>): Promise<{ sha256: number; scrypt: number }> {
  const counts = { sha256: 0, scrypt: 0 }
  const listener = (message: unknown): void => {
    counts[(message as { algorithm: 'sha256' | 'scrypt' }).algorithm]++
  }
  subscribe(SECRET_HASH_CHANNEL, listener)
  try {
    await work()
  } finally {
    unsubscribe(SECRET_HASH_CHANNEL, listener)
  }
  return counts
}

const clientCredentials = { grant_type: 'client_credentials' }

describe('OAuth 2.1 section 2.4.1: wrong client secrets are limited per (client, address)', () => {
  it('50 wrong secrets from one address → 429 with Retry-After; the right secret from another address still works', async () => {
    const statuses: number[] = []
    let last: Awaited<ReturnType<typeof postToken>> | undefined
    for (let i = 0; i < 50; i++) {
      last = await postToken(server.url, clientCredentials, { basic: [CONFIDENTIAL.clientId, `wrong-${i}`], ...from('198.51.100.1') })
      statuses.push(last.status)
    }
    expect(statuses.slice(0, 10)).toEqual(Array<number>(10).fill(401))
    expect(statuses.slice(10)).toEqual(Array<number>(40).fill(429))
    expect(last?.json).toMatchObject({ error: 'too_many_requests' })
    const retryAfter = Number(last?.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(900)

    const elsewhere = await postToken(server.url, clientCredentials, {
      basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret],
      ...from('198.51.100.2'),
    })
    expect(elsewhere.status).toBe(200)
    // From the locked address even the right secret waits: the lock comes before the check.
    const locked = await postToken(server.url, clientCredentials, {
      basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret],
      ...from('198.51.100.1'),
    })
    expect(locked.status).toBe(429)
    // Another client from the same address is not affected.
    expect(
      (await postToken(server.url, clientCredentials, { basic: [GENERATED.clientId, GENERATED.clientSecret], ...from('198.51.100.1') }))
        .status,
    ).toBe(200)
  })

  it('the lock ends with its window', async () => {
    for (let i = 0; i < 10; i++)
      await postToken(server.url, clientCredentials, { basic: [GENERATED.clientId, 'wrong'], ...from('198.51.100.3') })
    expect(
      (await postToken(server.url, clientCredentials, { basic: [GENERATED.clientId, GENERATED.clientSecret], ...from('198.51.100.3') }))
        .status,
    ).toBe(429)
    server.clock.advance(901)
    expect(
      (await postToken(server.url, clientCredentials, { basic: [GENERATED.clientId, GENERATED.clientSecret], ...from('198.51.100.3') }))
        .status,
    ).toBe(200)
  })

  it('the revocation and introspection endpoints count and answer alike', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', 'x-test-address': '198.51.100.4' }
    const statuses: number[] = []
    for (const path of ['/revoke', '/introspect']) {
      for (let i = 0; i < 6; i++) {
        const body = new URLSearchParams({ token: 'x', client_id: GENERATED.clientId, client_secret: 'wrong' })
        const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: form, body })
        statuses.push(response.status)
        if (response.status === 429) expect(response.headers.get('retry-after')).toMatch(/^\d+$/)
      }
    }
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429, 429])
  })
})

describe('issue 17 item 2: wrong secrets cost bounded hash work', () => {
  it('unknown clients and clients with generated secrets cost one SHA-256 each, no scrypt', async () => {
    const unknown = await countHashes(() =>
      postToken(server.url, clientCredentials, { basic: ['nobody', 'guess'], ...from('203.0.113.1') }),
    )
    const generated = await countHashes(() =>
      postToken(server.url, clientCredentials, { basic: [GENERATED.clientId, 'guess'], ...from('203.0.113.1') }),
    )
    expect(unknown).toEqual({ sha256: 1, scrypt: 0 })
    expect(generated).toEqual(unknown)
  })

  it('a busy short-secret client is not limited for being busy: after one scrypt its right secret is checked without one', async () => {
    const first = await postToken(server.url, clientCredentials, { basic: [WEAK.clientId, WEAK.clientSecret], ...from('203.0.113.9') })
    expect(first.status).toBe(200)
    let statuses: number[] = []
    const counts = await countHashes(async () => {
      const answers = await Promise.all(
        Array.from({ length: 30 }, () =>
          postToken(server.url, clientCredentials, { basic: [WEAK.clientId, WEAK.clientSecret], ...from('203.0.113.9') }),
        ),
      )
      statuses = answers.map((answer) => answer.status)
    })
    expect(statuses).toEqual(Array<number>(30).fill(200))
    expect(counts.scrypt).toBe(0)
  })

  it('a concurrent flood of wrong secrets for a short-secret client computes at most 10 scrypts per (client, address) and window', async () => {
    const counts = await countHashes(() =>
      Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          postToken(server.url, clientCredentials, { basic: [WEAK.clientId, `guess-${i}`], ...from('203.0.113.2') }),
        ),
      ),
    )
    expect(counts.scrypt).toBe(10)
    // A locked (client, address) gets 429 before any hash.
    const after = await countHashes(() =>
      postToken(server.url, clientCredentials, { basic: [WEAK.clientId, WEAK.clientSecret], ...from('203.0.113.2') }),
    )
    expect(after).toEqual({ sha256: 0, scrypt: 0 })
    // The client itself, from its own address, still authenticates, and a success clears its count.
    for (let i = 0; i < 12; i++) {
      expect(
        (await postToken(server.url, clientCredentials, { basic: [WEAK.clientId, WEAK.clientSecret], ...from('203.0.113.3') })).status,
      ).toBe(200)
    }
  })
})

describe('RFC 6749 section 4.3.2: the password grant is limited per (username, address)', () => {
  const password = (pass: string, address: string, username: string = USER.username): ReturnType<typeof postToken> =>
    postToken(
      server.url,
      { grant_type: 'password', username, password: pass },
      { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret], ...from(address) },
    )

  it('10 wrong passwords lock the name from that address, the right one too; other addresses still sign in', async () => {
    for (let i = 0; i < 10; i++) expect((await password(`wrong-${i}`, '192.0.2.1')).json).toMatchObject({ error: 'invalid_grant' })
    const locked = await password(USER.password, '192.0.2.1')
    expect(locked.status).toBe(429)
    expect(locked.json).toMatchObject({ error: 'too_many_requests' })
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0)
    // Case does not give a fresh count.
    expect((await password(USER.password, '192.0.2.1', 'ALICE')).status).toBe(429)
    expect((await password(USER.password, '192.0.2.2')).status).toBe(200)
  })

  it('the per-username ceiling (100) is reached only from many addresses', async () => {
    for (let address = 0; address < 10; address++) {
      for (let i = 0; i < 10; i++) await password('wrong', `192.0.2.${100 + address}`, 'bob')
    }
    expect((await password('wrong', '192.0.2.200', 'bob')).status).toBe(429)
    expect((await password('wrong', '192.0.2.200', 'carol')).status).toBe(400)
  })
})

describe('RFC 6749 section 4.3.2 / issue 16: the login form is limited per (username, address)', () => {
  const url = (): string =>
    authorizeUrl(server.url, {
      response_type: 'code',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: CONFIDENTIAL.redirectUri,
      state: 's',
    })
  const attempt = async (pass: string, address: string): Promise<Awaited<ReturnType<typeof submitForm>>> => {
    const page = await openLoginPage(url())
    const headers = { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie, 'x-test-address': address }
    const body = new URLSearchParams({ csrf_token: page.csrfToken, action: 'approve', username: USER.username, password: pass })
    const response = await fetch(page.action, { method: 'POST', redirect: 'manual', headers, body })
    return {
      status: response.status,
      headers: response.headers,
      body: await response.text(),
      location: response.headers.get('location') ?? undefined,
      setCookies: [],
    }
  }

  it('the site adapter reports failures; after 10 the page says when to try again, even for the right password; other addresses go on', async () => {
    for (let i = 0; i < 10; i++) expect((await attempt(`wrong-${i}`, '192.0.2.50')).status).toBe(401)
    const locked = await attempt(USER.password, '192.0.2.50')
    expect(locked.status).toBe(429)
    expect(locked.location).toBeUndefined()
    expect(locked.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(locked.body).toMatch(/try again in 1[45] minutes/i)
    expect((await attempt(USER.password, '192.0.2.51')).status).toBe(303)
  })

  it('a locked name and a plain wrong password look the same to the guesser (no oracle)', async () => {
    for (let i = 0; i < 10; i++) await attempt('wrong', '192.0.2.60')
    const right = await attempt(USER.password, '192.0.2.60')
    const wrong = await attempt('wrong', '192.0.2.60')
    expect([right.status, wrong.status]).toEqual([429, 429])
    expect(right.body.replace(/\d+ minutes?/, '')).toBe(wrong.body.replace(/\d+ minutes?/, ''))
  })

  it('submitForm through the default socket address works as before', async () => {
    const page = await openLoginPage(url())
    expect((await submitForm(page)).status).toBe(303)
  })
})

describe('issue 17 item 2: weak secrets on a non-loopback issuer', () => {
  it('stored short secrets keep working after an upgrade, with a start-up warning naming the client', async () => {
    const warnings: string[] = []
    const logger = {
      error: (): void => {},
      warn: (_fields: unknown, message: string): void => void warnings.push(message),
      info: (): void => {},
      debug: (): void => {},
    }
    const clientStore = new LocalClientStore()
    await clientStore.addClient({ clientId: 'legacy', clientSecret: 'short' })
    await clientStore.addClient({ clientId: 'modern', clientSecret: 'M'.repeat(43) })
    const tokenStore = new LocalTokenStore()
    const controller = new AuthorizationController({
      issuer: 'https://auth.example.com',
      accessTokenStore: tokenStore,
      authCodeStore: tokenStore,
      clientStore,
      logger,
    })
    await controller.ready
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('legacy')
    expect(warnings[0]).not.toContain('modern')
    const quiet = new AuthorizationController({
      issuer: 'https://auth.example.com',
      accessTokenStore: tokenStore,
      authCodeStore: tokenStore,
      clientStore,
      logger,
      allowWeakClientSecrets: true,
    })
    await quiet.ready
    expect(warnings).toHaveLength(1)
  })
})

describe('the client address behind a proxy of ours (trustProxy)', () => {
  let proxied: TestServer
  beforeAll(async () => {
    proxied = await startTestServer({ controller: { trustProxy: 1 } })
  })
  afterAll(() => proxied.close())

  it('counts the address the proxy appended, not what the client prepended', async () => {
    const via = (forwarded: string): { headers: Record<string, string> } => ({ headers: { 'x-forwarded-for': forwarded } })
    // The client varies what it sends itself; the proxy's entry (last) stays the same: one count.
    for (let i = 0; i < 10; i++)
      await postToken(proxied.url, clientCredentials, { basic: [CONFIDENTIAL.clientId, 'wrong'], ...via(`10.9.9.${i}, 198.51.100.77`) })
    expect(
      (
        await postToken(proxied.url, clientCredentials, {
          basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret],
          ...via('198.51.100.77'),
        })
      ).status,
    ).toBe(429)
    expect(
      (
        await postToken(proxied.url, clientCredentials, {
          basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret],
          ...via('198.51.100.78'),
        })
      ).status,
    ).toBe(200)
  })
})

describe('issue 16: a refused request is reported as a rate_limited event', () => {
  let observed: TestServer
  const events: AuditEvent[] = []
  beforeAll(async () => {
    observed = await startTestServer({
      controller: { clientAddress: (_environ, request) => request.header('x-test-address'), onEvent: (event) => void events.push(event) },
    })
  })
  afterAll(() => observed.close())

  it('names the limit and when to try again, and carries no secret', async () => {
    for (let i = 0; i < 11; i++)
      await postToken(observed.url, clientCredentials, { basic: [CONFIDENTIAL.clientId, 'wrong-secret'], ...from('198.51.100.90') })
    await expect.poll(() => events.filter((event) => event.type === 'rate_limited').length).toBe(1)
    const limited = events.find((event) => event.type === 'rate_limited')
    expect(limited).toMatchObject({ type: 'rate_limited', limit: 'clientAuthentication' })
    expect((limited as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0)
    expect(JSON.stringify(limited)).not.toContain('wrong-secret')
  })
})
