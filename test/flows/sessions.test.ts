/**
 * Login sessions (single sign-on) and remembered consent at the authorization endpoint, over real HTTP,
 * with a site adapter that implements the login/consent split: the session cookie (HttpOnly, SameSite=Lax,
 * id rotated at every sign-in, never adopted from the browser), SSO across clients, idle and absolute
 * lifetimes through the injected clock, remembered consent (per redirect URI and metadata version for
 * self-registered clients, never for loopback-only ones), and consent POSTs bound to their session.
 */
import { describe, expect, it } from 'vitest'
import { parseSetCookie } from '../helpers/browser.ts'
import { CookieJar, stageOf } from '../helpers/cookie-jar.ts'
import { ALICE, BOB, DYNAMIC, LOOPBACK, SECOND, SESSION_COOKIE, useSessionServer } from '../helpers/session-server.ts'
import { CONFIDENTIAL, postToken } from '../helpers/test-server.ts'
import { DEFAULT_SESSION_IDLE_LIFETIME, DEFAULT_SESSION_LIFETIME } from '../../src/sessions/login-sessions.ts'

const h = useSessionServer()
const { url, authorize, params, codeRecord } = h

describe('single sign-on: the core keeps the login session', () => {
  it('first authorization: login page, then consent page, then the code; the session cookie is HttpOnly, SameSite=Lax, Path=/', async () => {
    const first = await h.jar.fetch(url())
    expect(stageOf(first)).toBe('login')
    const afterLogin = await h.jar.submit(first, url(), { action: 'approve', ...ALICE })
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
    const done = await h.jar.submit(afterLogin, url(), { action: 'approve' })
    expect(done.status).toBe(303)
    expect(params(done).get('state')).toBe('st')
    expect(params(done).get('iss')).toBe(h.server.issuer)
    const record = await codeRecord(done)
    expect(record?.userId).toBe('alice')
    expect(record?.data).toEqual({ name: 'Alice' })
    expect(record?.context?.authTime).toBe(h.server.clock.seconds)
    expect(record?.context?.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    // The public sid is not the cookie's secret value.
    expect(record?.context?.sessionId).not.toBe(cookie.value)
    expect(record?.context?.grantId).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('a second client signs in without a password (consent page only), and the same session id is carried', async () => {
    const first = await authorize(url())
    expect(first.pages).toEqual(['login', 'consent'])
    const sid = (await codeRecord(first.result))?.context?.sessionId
    const logins = h.adapter.logins
    const second = await authorize(url({}, SECOND))
    expect(second.pages).toEqual(['consent'])
    expect(h.adapter.logins).toBe(logins)
    const record = await codeRecord(second.result, SECOND.redirectUris[0])
    expect(record?.userId).toBe('alice')
    expect(record?.context?.sessionId).toBe(sid)
    expect(h.adapter.rendered.at(-1)?.userId).toBe('alice')
  })

  it('the code redeems to tokens at the token endpoint', async () => {
    const { result } = await authorize(url())
    const token = await postToken(
      h.server.url,
      { grant_type: 'authorization_code', code: params(result).get('code') ?? '', redirect_uri: CONFIDENTIAL.redirectUri },
      { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret] },
    )
    expect(token.status).toBe(200)
    expect(typeof token.json['access_token']).toBe('string')
  })

  it('the session ends after its idle lifetime without use, and is extended by use', async () => {
    await authorize(url())
    h.server.clock.advance(DEFAULT_SESSION_IDLE_LIFETIME - 60)
    // Used just before the idle end: extended.
    expect((await authorize(url())).pages).toEqual([])
    h.server.clock.advance(DEFAULT_SESSION_IDLE_LIFETIME - 60)
    expect((await authorize(url())).pages).toEqual([])
    h.server.clock.advance(DEFAULT_SESSION_IDLE_LIFETIME + 1)
    expect((await h.jar.fetch(url())).status).toBe(200)
    expect(stageOf(await h.jar.fetch(url()))).toBe('login')
  })

  it('the session ends at its absolute lifetime however much it is used', async () => {
    await authorize(url())
    for (let used = 0; used < DEFAULT_SESSION_LIFETIME - 3600; used += 3600) {
      h.server.clock.advance(3600)
      expect((await authorize(url())).pages).toEqual([])
    }
    h.server.clock.advance(3601)
    expect(stageOf(await h.jar.fetch(url()))).toBe('login')
  })

  it('currentUser seeds the session from the host application: no login page, auth_time from the host', async () => {
    h.hostAuthTime = h.server.clock.seconds - 120
    h.jar.set('host_user', 'bob')
    const page = await h.jar.fetch(url({}, SECOND))
    expect(stageOf(page)).toBe('consent')
    expect(h.jar.get(SESSION_COOKIE)).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const done = await h.jar.submit(page, url({}, SECOND), { action: 'approve' })
    const record = await codeRecord(done, SECOND.redirectUris[0])
    expect(record?.userId).toBe('bob')
    expect(record?.context?.authTime).toBe(h.hostAuthTime)
  })
})

describe('session fixation: the session id changes at sign-in and a planted cookie is never adopted', () => {
  it('a planted, unknown cookie value is ignored (login page) and replaced by a fresh id at sign-in', async () => {
    const planted = 'P'.repeat(43)
    h.jar.set(SESSION_COOKIE, planted)
    const { result, pages } = await authorize(url())
    expect(pages).toEqual(['login', 'consent'])
    expect(result.status).toBe(303)
    expect(h.jar.get(SESSION_COOKIE)).not.toBe(planted)
    const attacker = new CookieJar()
    attacker.set(SESSION_COOKIE, planted)
    expect(stageOf(await attacker.fetch(url()))).toBe('login')
  })

  it("an attacker's own valid session planted in the victim's browser is ended when the victim signs in", async () => {
    const attacker = new CookieJar()
    await authorize(url(), ALICE).then(() => undefined)
    const planted = h.jar.get(SESSION_COOKIE) ?? ''
    attacker.set(SESSION_COOKIE, planted)
    // The victim (holding the planted cookie) signs in again, as bob, with prompt=login.
    const { result, pages } = await authorize(url({ prompt: 'login' }), BOB)
    expect(pages[0]).toBe('login')
    expect((await codeRecord(result))?.userId).toBe('bob')
    const fresh = h.jar.get(SESSION_COOKIE)
    expect(fresh).not.toBe(planted)
    // The planted id is dead: the attacker's browser gets the login page, not bob's session.
    expect(stageOf(await attacker.fetch(url()))).toBe('login')
  })

  it('a session cookie of the wrong shape is never looked up (login page)', async () => {
    h.jar.set(SESSION_COOKIE, 'short')
    expect(stageOf(await h.jar.fetch(url()))).toBe('login')
  })
})

describe('remembered consent', () => {
  it('an authorization the remembered consent covers skips the consent page (302 straight to the client)', async () => {
    await authorize(url())
    const again = await h.jar.fetch(url())
    expect(again.status).toBe(302)
    expect(params(again).get('code')).toBeTruthy()
    expect((await codeRecord(again))?.context?.grantId).toBeDefined()
  })

  it('the grant id stays the same across authorizations under one consent', async () => {
    const first = await authorize(url())
    const second = await h.jar.fetch(url())
    expect((await codeRecord(second))?.context?.grantId).toBe((await codeRecord(first.result))?.context?.grantId)
  })

  it('a wider scope asks again; once allowed, both scopes are remembered', async () => {
    await authorize(url())
    const wider = await h.jar.fetch(url({ scope: 'read write' }))
    expect(stageOf(wider)).toBe('consent')
    expect(h.adapter.rendered.at(-1)?.rememberedScopes).toEqual(['read'])
    await h.jar.submit(wider, url({ scope: 'read write' }), { action: 'approve' })
    expect((await h.jar.fetch(url({ scope: 'write' }))).status).toBe(302)
  })

  it('prompt=consent shows the consent page although consent is remembered', async () => {
    await authorize(url())
    expect(stageOf(await h.jar.fetch(url({ prompt: 'consent' })))).toBe('consent')
  })

  it('deny on the consent page → access_denied with state and iss, and nothing remembered', async () => {
    const page = await h.jar.fetch(url())
    const consent = await h.jar.submit(page, url(), { action: 'approve', ...ALICE })
    const denied = await h.jar.submit(consent, url(), { action: 'deny' })
    expect(denied.status).toBe(303)
    expect(params(denied).get('error')).toBe('access_denied')
    expect(params(denied).get('iss')).toBe(h.server.issuer)
    expect(stageOf(await h.jar.fetch(url()))).toBe('consent')
  })

  it('a self-registered client whose redirect URIs are all loopback never skips the consent page; prompt=none gets consent_required', async () => {
    const first = await authorize(url({}, LOOPBACK))
    expect(first.pages).toEqual(['login', 'consent'])
    expect(stageOf(await h.jar.fetch(url({}, LOOPBACK)))).toBe('consent')
    const silent = await h.jar.fetch(url({ prompt: 'none' }, LOOPBACK))
    expect(silent.status).toBe(302)
    expect(params(silent, LOOPBACK.redirectUris[0]).get('error')).toBe('consent_required')
  })

  it('a self-registered client: consent is remembered per redirect URI and dropped when its metadata version changes', async () => {
    const [a = '', b = ''] = DYNAMIC.redirectUris
    const viaA = (extra: Record<string, string> = {}): string => url(extra, { clientId: DYNAMIC.clientId, redirectUris: [a] })
    const viaB = url({}, { clientId: DYNAMIC.clientId, redirectUris: [b] })
    expect((await authorize(viaA())).pages).toEqual(['login', 'consent'])
    expect((await h.jar.fetch(viaA())).status).toBe(302)
    // Another redirect URI of the same client: asked again.
    expect(stageOf(await h.jar.fetch(viaB))).toBe('consent')
    h.versions.set(DYNAMIC.clientId, 'v2')
    try {
      expect(stageOf(await h.jar.fetch(viaA()))).toBe('consent')
      expect(params(await h.jar.fetch(viaA({ prompt: 'none' })), a).get('error')).toBe('consent_required')
    } finally {
      h.versions.set(DYNAMIC.clientId, 'v1')
    }
  })

  it('an administrator-registered client with loopback redirect URIs keeps its remembered consent', async () => {
    const local = { clientId: LOOPBACK.clientId, redirectUris: LOOPBACK.redirectUris }
    h.versions.delete(LOOPBACK.clientId)
    try {
      await authorize(url({}, local))
      expect((await h.jar.fetch(url({}, local))).status).toBe(302)
    } finally {
      h.versions.set(LOOPBACK.clientId, 'v1')
    }
  })

  it('a consent POST is bound to the session it was shown in: after the session changed, it is refused (error page)', async () => {
    const login = await h.jar.fetch(url())
    const consent = await h.jar.submit(login, url(), { action: 'approve', ...ALICE })
    expect(stageOf(consent)).toBe('consent')
    // Bob signs in elsewhere; his session cookie ends up in this browser before alice's consent is posted.
    const other = new CookieJar()
    await authorize(url({}, SECOND), BOB)
    const otherLogin = await other.fetch(url())
    await other.submit(otherLogin, url(), { action: 'approve', ...BOB })
    h.jar.set(SESSION_COOKIE, other.get(SESSION_COOKIE) ?? '')
    const before = h.server.tokenStore.size.codes
    const forged = await h.jar.submit(consent, url(), { action: 'approve' })
    expect(forged.status).toBe(400)
    expect(forged.location).toBeUndefined()
    expect(h.server.tokenStore.size.codes).toBe(before)
  })
})
