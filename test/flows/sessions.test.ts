/**
 * Login sessions (single sign-on) and remembered consent at the authorization endpoint, over real HTTP,
 * with a site adapter that implements the login/consent split: the session cookie (HttpOnly, SameSite=Lax,
 * id rotated at every sign-in, never adopted from the browser), SSO across clients, remembered consent and
 * `prompt=consent`, `prompt=none|login`, `max_age`, `id_token_hint` (OpenID Connect Core section 3.1.2.1),
 * idle and absolute lifetimes through the injected clock, loopback-only clients, and the sign-in limits.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { authorizeUrl, parseSetCookie, pkcePair, responseParams, type RawResult } from '../helpers/browser.ts'
import { CookieJar, stageOf } from '../helpers/cookie-jar.ts'
import { SplitSiteAdapter, SPLIT_USERS } from '../helpers/split-site-adapter.ts'
import { CONFIDENTIAL, postToken, startTestServer, type TestServer } from '../helpers/test-server.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import { RememberedConsents } from '../../src/sessions/consent-store.ts'
import { DEFAULT_SESSION_IDLE_LIFETIME, DEFAULT_SESSION_LIFETIME } from '../../src/sessions/login-sessions.ts'

const SECOND = { clientId: 'second', clientSecret: 'S'.repeat(43), redirectUris: ['https://second.example/cb'], name: 'Second' } as const
const LOOPBACK = { clientId: 'loopback-app', clientSecret: 'L'.repeat(43), redirectUris: ['http://127.0.0.1:8123/cb'] } as const
const DYNAMIC = {
  clientId: 'dynamic-app',
  clientSecret: 'D'.repeat(43),
  redirectUris: ['https://dynamic.example/a', 'https://dynamic.example/b'],
} as const
/** The metadata versions of the clients that have one (self-registered, metadata-document), changed by the tests. */
const versions = new Map<string, string>([
  [LOOPBACK.clientId, 'v1'],
  [DYNAMIC.clientId, 'v1'],
])
const ALICE = { username: 'alice', password: 'wonderland' } as const
const BOB = { username: 'bob', password: 'builder-of-things' } as const
const HINTS: Readonly<Record<string, string>> = { 'hint-alice': 'alice', 'hint-bob': 'bob' }

let server: TestServer
let adapter: SplitSiteAdapter
let hostAuthTime = 0
// The controller's record store, so each test starts without remembered consent (read on the server's clock).
const records = new LocalRecordStore({ clock: () => server.clock.now() })
const consents = new RememberedConsents(records, { now: () => server.clock.seconds })

beforeAll(async () => {
  adapter = new SplitSiteAdapter(SPLIT_USERS, { hostAuthTime: () => hostAuthTime })
  server = await startTestServer({
    clients: [SECOND, LOOPBACK, DYNAMIC],
    controller: () => ({
      // The test server's client store, with a metadata version on the dynamic clients.
      clientStore: {
        fetchByClientId: async (clientId: string) => {
          const found = await server.clientStore.fetchByClientId(clientId)
          const version = versions.get(clientId)
          return found === undefined || version === undefined ? found : { ...found, metadataVersion: version }
        },
      },
      siteAdapter: adapter,
      sessions: { verifyIdTokenHint: async (hint) => (HINTS[hint] === undefined ? undefined : { sub: HINTS[hint] }) },
      limits: { signIn: { max: 3, windowSeconds: 900 } },
      recordStore: records,
    }),
  })
})
afterAll(() => server.close())

let jar: CookieJar
beforeEach(async () => {
  jar = new CookieJar()
  for (const user of SPLIT_USERS) await consents.revoke({ userId: user.username })
})

const SESSION_COOKIE = 'oauth2_session'

/** An authorization URL of `client` (default the confidential one) with these extra parameters. */
function url(extra: Record<string, string> = {}, client: { clientId: string; redirectUris: readonly string[] } = confidential()): string {
  return authorizeUrl(server.url, {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUris[0] ?? '',
    scope: 'read',
    state: 'st',
    ...extra,
  })
}

function confidential(): { clientId: string; redirectUris: readonly string[] } {
  return { clientId: CONFIDENTIAL.clientId, redirectUris: [CONFIDENTIAL.redirectUri] }
}

/** Opens `target` and goes through whatever pages come (login with `user`, consent approved) to the redirect. */
async function authorize(
  target: string,
  user: { username: string; password: string } = ALICE,
): Promise<{ result: RawResult; pages: string[] }> {
  const pages: string[] = []
  let result = await jar.fetch(target)
  for (let step = 0; step < 3 && result.status === 200; step++) {
    const stage = stageOf(result) ?? 'unknown'
    pages.push(stage)
    result = await jar.submit(result, target, stage === 'login' ? { action: 'approve', ...user } : { action: 'approve' })
  }
  return { result, pages }
}

function params(result: RawResult, redirectUri: string = CONFIDENTIAL.redirectUri): URLSearchParams {
  return responseParams(result.location, redirectUri)
}

async function codeRecord(result: RawResult, redirectUri: string = CONFIDENTIAL.redirectUri) {
  const code = params(result, redirectUri).get('code')
  if (code === null) throw new Error(`no code in ${String(result.location)}`)
  return server.tokenStore.fetchByCode(hashToken(code))
}

describe('single sign-on: the core keeps the login session', () => {
  it('first authorization: login page, then consent page, then the code; the session cookie is HttpOnly, SameSite=Lax, Path=/', async () => {
    const first = await jar.fetch(url())
    expect(stageOf(first)).toBe('login')
    const afterLogin = await jar.submit(first, url(), { action: 'approve', ...ALICE })
    expect(stageOf(afterLogin)).toBe('consent')
    const line = afterLogin.setCookies.find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`))
    expect(line).toBeDefined()
    const cookie = parseSetCookie(line ?? '')
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(cookie.attributes.has('httponly')).toBe(true)
    expect(cookie.attributes.get('samesite')).toBe('Lax')
    expect(cookie.attributes.get('path')).toBe('/')
    expect(cookie.attributes.get('max-age')).toBe(String(DEFAULT_SESSION_LIFETIME))
    // An http loopback issuer: no Secure, no __Host- prefix (https issuers get both).
    expect(cookie.attributes.has('secure')).toBe(false)
    const done = await jar.submit(afterLogin, url(), { action: 'approve' })
    expect(done.status).toBe(303)
    expect(params(done).get('state')).toBe('st')
    expect(params(done).get('iss')).toBe(server.issuer)
    const record = await codeRecord(done)
    expect(record?.userId).toBe('alice')
    expect(record?.data).toEqual({ name: 'Alice' })
    expect(record?.context?.authTime).toBe(server.clock.seconds)
    expect(record?.context?.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    // The public sid is not the cookie's secret value.
    expect(record?.context?.sessionId).not.toBe(cookie.value)
    expect(record?.context?.grantId).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('a second client signs in without a password (consent page only), and the same session id is carried', async () => {
    const first = await authorize(url())
    expect(first.pages).toEqual(['login', 'consent'])
    const sid = (await codeRecord(first.result))?.context?.sessionId
    const logins = adapter.logins
    const second = await authorize(url({}, SECOND))
    expect(second.pages).toEqual(['consent'])
    expect(adapter.logins).toBe(logins)
    const record = await codeRecord(second.result, SECOND.redirectUris[0])
    expect(record?.userId).toBe('alice')
    expect(record?.context?.sessionId).toBe(sid)
    expect(adapter.rendered.at(-1)?.userId).toBe('alice')
  })

  it('the code redeems to tokens at the token endpoint', async () => {
    const { result } = await authorize(url())
    const token = await postToken(
      server.url,
      { grant_type: 'authorization_code', code: params(result).get('code') ?? '', redirect_uri: CONFIDENTIAL.redirectUri },
      { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret] },
    )
    expect(token.status).toBe(200)
    expect(typeof token.json['access_token']).toBe('string')
  })

  it('the session ends after its idle lifetime without use, and is extended by use', async () => {
    await authorize(url())
    server.clock.advance(DEFAULT_SESSION_IDLE_LIFETIME - 60)
    // Used just before the idle end: extended.
    expect((await authorize(url())).pages).toEqual([])
    server.clock.advance(DEFAULT_SESSION_IDLE_LIFETIME - 60)
    expect((await authorize(url())).pages).toEqual([])
    server.clock.advance(DEFAULT_SESSION_IDLE_LIFETIME + 1)
    expect((await jar.fetch(url())).status).toBe(200)
    expect(stageOf(await jar.fetch(url()))).toBe('login')
  })

  it('the session ends at its absolute lifetime however much it is used', async () => {
    await authorize(url())
    for (let used = 0; used < DEFAULT_SESSION_LIFETIME - 3600; used += 3600) {
      server.clock.advance(3600)
      expect((await authorize(url())).pages).toEqual([])
    }
    server.clock.advance(3601)
    expect(stageOf(await jar.fetch(url()))).toBe('login')
  })

  it('currentUser seeds the session from the host application: no login page, auth_time from the host', async () => {
    hostAuthTime = server.clock.seconds - 120
    const page = await jar.fetch(url({}, SECOND), { headers: { 'x-host-user': 'bob' } })
    expect(stageOf(page)).toBe('consent')
    expect(jar.get(SESSION_COOKIE)).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const done = await jar.submit(page, url({}, SECOND), { action: 'approve' })
    const record = await codeRecord(done, SECOND.redirectUris[0])
    expect(record?.userId).toBe('bob')
    expect(record?.context?.authTime).toBe(hostAuthTime)
  })
})

describe('session fixation: the session id changes at sign-in and a planted cookie is never adopted', () => {
  it('a planted, unknown cookie value is ignored (login page) and replaced by a fresh id at sign-in', async () => {
    const planted = 'P'.repeat(43)
    jar.set(SESSION_COOKIE, planted)
    const { result, pages } = await authorize(url())
    expect(pages).toEqual(['login', 'consent'])
    expect(result.status).toBe(303)
    expect(jar.get(SESSION_COOKIE)).not.toBe(planted)
    const attacker = new CookieJar()
    attacker.set(SESSION_COOKIE, planted)
    expect(stageOf(await attacker.fetch(url()))).toBe('login')
  })

  it("an attacker's own valid session planted in the victim's browser is ended when the victim signs in", async () => {
    const attacker = new CookieJar()
    await authorize(url(), ALICE).then(() => undefined)
    const planted = jar.get(SESSION_COOKIE) ?? ''
    attacker.set(SESSION_COOKIE, planted)
    // The victim (holding the planted cookie) signs in again, as bob, with prompt=login.
    const { result, pages } = await authorize(url({ prompt: 'login' }), BOB)
    expect(pages[0]).toBe('login')
    expect((await codeRecord(result))?.userId).toBe('bob')
    const fresh = jar.get(SESSION_COOKIE)
    expect(fresh).not.toBe(planted)
    // The planted id is dead: the attacker's browser gets the login page, not bob's session.
    expect(stageOf(await attacker.fetch(url()))).toBe('login')
  })

  it('a session cookie of the wrong shape is never looked up (login page)', async () => {
    jar.set(SESSION_COOKIE, 'short')
    expect(stageOf(await jar.fetch(url()))).toBe('login')
  })
})

describe('remembered consent', () => {
  it('an authorization the remembered consent covers skips the consent page (302 straight to the client)', async () => {
    await authorize(url())
    const again = await jar.fetch(url())
    expect(again.status).toBe(302)
    expect(params(again).get('code')).toBeTruthy()
    expect((await codeRecord(again))?.context?.grantId).toBeDefined()
  })

  it('the grant id stays the same across authorizations under one consent', async () => {
    const first = await authorize(url())
    const second = await jar.fetch(url())
    expect((await codeRecord(second))?.context?.grantId).toBe((await codeRecord(first.result))?.context?.grantId)
  })

  it('a wider scope asks again; once allowed, both scopes are remembered', async () => {
    await authorize(url())
    const wider = await jar.fetch(url({ scope: 'read write' }))
    expect(stageOf(wider)).toBe('consent')
    expect(adapter.rendered.at(-1)?.rememberedScopes).toEqual(['read'])
    await jar.submit(wider, url({ scope: 'read write' }), { action: 'approve' })
    expect((await jar.fetch(url({ scope: 'write' }))).status).toBe(302)
  })

  it('prompt=consent shows the consent page although consent is remembered', async () => {
    await authorize(url())
    expect(stageOf(await jar.fetch(url({ prompt: 'consent' })))).toBe('consent')
  })

  it('deny on the consent page → access_denied with state and iss, and nothing remembered', async () => {
    const page = await jar.fetch(url())
    const consent = await jar.submit(page, url(), { action: 'approve', ...ALICE })
    const denied = await jar.submit(consent, url(), { action: 'deny' })
    expect(denied.status).toBe(303)
    expect(params(denied).get('error')).toBe('access_denied')
    expect(params(denied).get('iss')).toBe(server.issuer)
    expect(stageOf(await jar.fetch(url()))).toBe('consent')
  })

  it('a self-registered client whose redirect URIs are all loopback never skips the consent page; prompt=none gets consent_required', async () => {
    const first = await authorize(url({}, LOOPBACK))
    expect(first.pages).toEqual(['login', 'consent'])
    expect(stageOf(await jar.fetch(url({}, LOOPBACK)))).toBe('consent')
    const silent = await jar.fetch(url({ prompt: 'none' }, LOOPBACK))
    expect(silent.status).toBe(302)
    expect(params(silent, LOOPBACK.redirectUris[0]).get('error')).toBe('consent_required')
  })

  it('a self-registered client: consent is remembered per redirect URI and dropped when its metadata version changes', async () => {
    const [a = '', b = ''] = DYNAMIC.redirectUris
    const viaA = (extra: Record<string, string> = {}): string => url(extra, { clientId: DYNAMIC.clientId, redirectUris: [a] })
    const viaB = url({}, { clientId: DYNAMIC.clientId, redirectUris: [b] })
    expect((await authorize(viaA())).pages).toEqual(['login', 'consent'])
    expect((await jar.fetch(viaA())).status).toBe(302)
    // Another redirect URI of the same client: asked again.
    expect(stageOf(await jar.fetch(viaB))).toBe('consent')
    versions.set(DYNAMIC.clientId, 'v2')
    try {
      expect(stageOf(await jar.fetch(viaA()))).toBe('consent')
      expect(params(await jar.fetch(viaA({ prompt: 'none' })), a).get('error')).toBe('consent_required')
    } finally {
      versions.set(DYNAMIC.clientId, 'v1')
    }
  })

  it('an administrator-registered client with loopback redirect URIs keeps its remembered consent', async () => {
    const local = { clientId: LOOPBACK.clientId, redirectUris: LOOPBACK.redirectUris }
    versions.delete(LOOPBACK.clientId)
    try {
      await authorize(url({}, local))
      expect((await jar.fetch(url({}, local))).status).toBe(302)
    } finally {
      versions.set(LOOPBACK.clientId, 'v1')
    }
  })

  it('a consent POST is bound to the session it was shown in: after the session changed, it is refused (error page)', async () => {
    const login = await jar.fetch(url())
    const consent = await jar.submit(login, url(), { action: 'approve', ...ALICE })
    expect(stageOf(consent)).toBe('consent')
    // Bob signs in elsewhere; his session cookie ends up in this browser before alice's consent is posted.
    const other = new CookieJar()
    await authorize(url({}, SECOND), BOB)
    const otherLogin = await other.fetch(url())
    await other.submit(otherLogin, url(), { action: 'approve', ...BOB })
    jar.set(SESSION_COOKIE, other.get(SESSION_COOKIE) ?? '')
    const before = server.tokenStore.size.codes
    const forged = await jar.submit(consent, url(), { action: 'approve' })
    expect(forged.status).toBe(400)
    expect(forged.location).toBeUndefined()
    expect(server.tokenStore.size.codes).toBe(before)
  })
})

describe('OpenID Connect Core section 3.1.2.1: prompt, max_age, id_token_hint', () => {
  it('prompt=none without a session → login_required to the client with state and iss; no page', async () => {
    const result = await jar.fetch(url({ prompt: 'none' }))
    expect(result.status).toBe(302)
    expect(params(result).get('error')).toBe('login_required')
    expect(params(result).get('state')).toBe('st')
    expect(params(result).get('iss')).toBe(server.issuer)
  })

  it('prompt=none with a session but no consent for this client → consent_required', async () => {
    await authorize(url())
    const result = await jar.fetch(url({ prompt: 'none' }, SECOND))
    expect(params(result, SECOND.redirectUris[0]).get('error')).toBe('consent_required')
  })

  it('prompt=none with session and consent → the code, without any page', async () => {
    await authorize(url())
    const result = await jar.fetch(url({ prompt: 'none' }))
    expect(result.status).toBe(302)
    expect(params(result).get('code')).toBeTruthy()
  })

  it('prompt=none with prompt=consent asked alongside (prompt="none consent") → invalid_request', async () => {
    for (const prompt of ['none login', 'none consent', 'login none']) {
      const result = await jar.fetch(url({ prompt }))
      expect(params(result).get('error')).toBe('invalid_request')
    }
  })

  it('prompt=none with a bad redirect URI still gets the error page, never a redirect', async () => {
    const result = await jar.fetch(url({ prompt: 'none', redirect_uri: 'https://evil.example/cb' }))
    expect(result.status).toBe(400)
    expect(result.location).toBeUndefined()
  })

  it('unknown prompt values are ignored', async () => {
    await authorize(url())
    expect((await jar.fetch(url({ prompt: 'unheard-of' }))).status).toBe(302)
  })

  it('prompt=login shows the login page despite the session; after it the code carries the new auth_time', async () => {
    await authorize(url())
    server.clock.advance(600)
    const { result, pages } = await authorize(url({ prompt: 'login' }))
    expect(pages).toEqual(['login'])
    expect((await codeRecord(result))?.context?.authTime).toBe(server.clock.seconds)
  })

  it('prompt=select_account shows the login page with the prompt handed to the adapter', async () => {
    await authorize(url())
    const page = await jar.fetch(url({ prompt: 'select_account' }))
    expect(stageOf(page)).toBe('login')
    expect(adapter.rendered.at(-1)?.prompts).toEqual(['select_account'])
  })

  it('max_age: a session older than max_age asks for the login again; a younger one does not', async () => {
    await authorize(url())
    server.clock.advance(300)
    expect((await jar.fetch(url({ max_age: '600' }))).status).toBe(302)
    expect(stageOf(await jar.fetch(url({ max_age: '299' })))).toBe('login')
    const silent = await jar.fetch(url({ max_age: '299', prompt: 'none' }))
    expect(params(silent).get('error')).toBe('login_required')
    const { result } = await authorize(url({ max_age: '0' }))
    expect((await codeRecord(result))?.context?.authTime).toBe(server.clock.seconds)
  })

  it('max_age that is not a whole number of seconds → invalid_request to the client', async () => {
    for (const maxAge of ['-1', 'abc', '1.5', '']) {
      expect(params(await jar.fetch(url({ max_age: maxAge }))).get('error')).toBe('invalid_request')
    }
  })

  it('login_hint is handed to the login page', async () => {
    await jar.fetch(url({ login_hint: 'bob@example.com' }))
    expect(adapter.rendered.at(-1)?.loginHint).toBe('bob@example.com')
  })

  it('id_token_hint for another user than the session’s → login_required; for the same user → the code; not ours → invalid_request', async () => {
    await authorize(url())
    expect(params(await jar.fetch(url({ id_token_hint: 'hint-bob' }))).get('error')).toBe('login_required')
    expect(params(await jar.fetch(url({ id_token_hint: 'hint-alice', prompt: 'none' }))).get('code')).toBeTruthy()
    expect(params(await jar.fetch(url({ id_token_hint: 'forged' }))).get('error')).toBe('invalid_request')
  })

  it('repeated prompt or max_age → invalid_request', async () => {
    const target = authorizeUrl(server.url, [
      ['response_type', 'code'],
      ['client_id', CONFIDENTIAL.clientId],
      ['redirect_uri', CONFIDENTIAL.redirectUri],
      ['state', 'st'],
      ['prompt', 'none'],
      ['prompt', 'login'],
    ])
    expect(params(await jar.fetch(target)).get('error')).toBe('invalid_request')
  })

  it('a public client with PKCE works through the same session', async () => {
    await authorize(url())
    const { challenge } = pkcePair()
    const result = await authorize(
      url(
        { code_challenge: challenge, code_challenge_method: 'S256' },
        { clientId: 'public-app', redirectUris: ['https://spa.example/cb'] },
      ),
    )
    expect(result.pages).toEqual(['consent'])
  })
})

describe('the sign-in limits keep working on the split login page', () => {
  it('wrong passwords are counted; once locked, even the right password is refused with 429', async () => {
    const name = { username: 'alice', password: 'wrong' }
    let page = await jar.fetch(url())
    for (let attempt = 0; attempt < 3; attempt++) {
      page = await jar.submit(page, url(), { action: 'approve', ...name })
      expect(page.status).toBe(401)
    }
    const locked = await jar.submit(page, url(), { action: 'approve', ...ALICE })
    expect(locked.status).toBe(429)
    expect(jar.get(SESSION_COOKIE)).toBeUndefined()
    server.clock.advance(901)
  })
})
