/**
 * OpenID Connect RP-Initiated Logout 1.0 and Back-Channel Logout 1.0 over real HTTP, once per adapter:
 * id_token_hint (expired accepted), client_id against the hint's aud, registered post-logout URIs only,
 * the CSRF-protected confirmation page, and logout tokens delivered to a local receiver.
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { codeFor, OTHER_RP, RP, startOidcServer, type OidcTestServer } from '../helpers/oidc-server.ts'
import { postToken } from '../helpers/test-server.ts'

describe('OpenID Connect logout', () => {
  let server: OidcTestServer
  let idToken: string
  const revoked: unknown[] = []
  beforeAll(async () => {
    server = await startOidcServer()
    // The store work adds revokeFamilies; logout calls it when the token store has it.
    Object.assign(server.tokenStore, { revokeFamilies: async (selector: unknown) => revoked.push(selector) })
    const code = await codeFor(server, RP, { scope: 'openid', nonce: 'n' })
    const token = await postToken(
      server.url,
      { grant_type: 'authorization_code', code, redirect_uri: RP.redirectUri },
      { basic: [RP.clientId, RP.clientSecret] },
    )
    idToken = String(token.json.id_token)
  })
  beforeEach(() => {
    server.clock.ms = Date.now()
    revoked.length = 0
  })
  afterAll(() => server.close())

  const endSession = (params: Record<string, string>, cookie?: string): Promise<Response> =>
    fetch(`${server.url}/end_session?${new URLSearchParams(params).toString()}`, {
      redirect: 'manual',
      ...(cookie === undefined ? {} : { headers: { cookie } }),
    })

  it('section 2: an expired id_token_hint of the session ends it, revokes its online families, redirects with state, and tells the RP by back-channel', async () => {
    const { sessionId, cookie } = server.sessions.open('alice', [RP.clientId, OTHER_RP.clientId])
    server.clock.advance(7200)
    const delivered = server.receiver.next()
    const response = await endSession(
      { id_token_hint: idToken, post_logout_redirect_uri: RP.postLogoutRedirectUri, state: 'after-logout' },
      cookie,
    )
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe(`${RP.postLogoutRedirectUri}?state=after-logout`)
    expect(response.headers.get('set-cookie')).toContain('test_session=;')
    expect(server.sessions.sessions.has(sessionId)).toBe(false)
    expect(revoked).toEqual([{ sessionId, exceptOffline: true }])

    // Back-Channel Logout 1.0 sections 2.4 and 2.5: a form POST of a logout+jwt.
    const body = new URLSearchParams(await delivered)
    const logoutToken = body.get('logout_token') ?? ''
    expect(decodeProtectedHeader(logoutToken)).toMatchObject({ typ: 'logout+jwt', alg: 'RS256' })
    const keys = createLocalJWKSet((await server.signer.jwks()) as { keys: [] })
    const { payload } = await jwtVerify(logoutToken, keys, { issuer: server.issuer, audience: RP.clientId, typ: 'logout+jwt' })
    expect(Object.keys(payload).sort()).toEqual(['aud', 'events', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub'])
    expect(payload).toMatchObject({ sub: 'alice', sid: sessionId, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } })
    expect(payload.nonce).toBeUndefined()
    expect(server.receiver.bodies).toHaveLength(1)
  })

  it('section 3: an unregistered post_logout_redirect_uri is refused with a page, never followed', async () => {
    const { sessionId, cookie } = server.sessions.open('alice', [RP.clientId])
    const response = await endSession({ id_token_hint: idToken, post_logout_redirect_uri: 'https://evil.example/' }, cookie)
    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
    expect(await response.text()).toContain('not registered')
    const noClient = await endSession({ post_logout_redirect_uri: RP.postLogoutRedirectUri }, cookie)
    expect(noClient.status).toBe(400)
    expect(server.sessions.sessions.has(sessionId)).toBe(true)
  })

  it("section 2: a client_id that is not the hint's aud is refused; a forged hint too", async () => {
    const { sessionId, cookie } = server.sessions.open('alice', [RP.clientId])
    const mismatch = await endSession({ id_token_hint: idToken, client_id: OTHER_RP.clientId }, cookie)
    expect(mismatch.status).toBe(400)
    const [header = '', payload = ''] = idToken.split('.')
    const forged = `${header}.${Buffer.from(JSON.stringify({ iss: server.issuer, sub: 'alice', aud: RP.clientId })).toString('base64url')}.${payload.slice(0, 10)}`
    expect((await endSession({ id_token_hint: forged }, cookie)).status).toBe(400)
    expect(server.sessions.sessions.has(sessionId)).toBe(true)
  })

  it('without a hint the user confirms on a page whose form is CSRF-protected; a forged POST ends nothing', async () => {
    const { sessionId, cookie } = server.sessions.open('alice', [RP.clientId])
    const page = await endSession({ client_id: RP.clientId, post_logout_redirect_uri: RP.postLogoutRedirectUri, state: 'x' }, cookie)
    expect(page.status).toBe(200)
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    const html = await page.text()
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1] ?? ''
    const csrfCookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    expect(csrf).not.toBe('')
    expect(server.sessions.sessions.has(sessionId)).toBe(true)

    const form = { client_id: RP.clientId, post_logout_redirect_uri: RP.postLogoutRedirectUri, state: 'x' }
    const post = (fields: Record<string, string>, cookies: string): Promise<Response> =>
      fetch(`${server.url}/end_session`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
      })
    // Cross-site: the attacker's page has no CSRF cookie of this browser, and cannot read the token.
    const forged = await post({ ...form, csrf_token: csrf }, cookie)
    expect(forged.status).toBe(400)
    const wrongToken = await post({ ...form, csrf_token: `${csrf.slice(0, -2)}xx` }, `${cookie}; ${csrfCookie}`)
    expect(wrongToken.status).toBe(400)
    expect(server.sessions.sessions.has(sessionId)).toBe(true)

    const confirmed = await post({ ...form, csrf_token: csrf }, `${cookie}; ${csrfCookie}`)
    expect(confirmed.status).toBe(303)
    expect(confirmed.headers.get('location')).toBe(`${RP.postLogoutRedirectUri}?state=x`)
    expect(server.sessions.sessions.has(sessionId)).toBe(false)
    // Single use: the same token again is refused.
    const again = server.sessions.open('alice', [RP.clientId])
    expect((await post({ ...form, csrf_token: csrf }, `${again.cookie}; ${csrfCookie}`)).status).toBe(400)
  })

  it('a hint of another user asks for confirmation; without a session the browser is signed out already', async () => {
    const { sessionId, cookie } = server.sessions.open('bob', [RP.clientId])
    const page = await endSession({ id_token_hint: idToken }, cookie)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('csrf_token')
    expect(server.sessions.sessions.has(sessionId)).toBe(true)
    const none = await endSession({ id_token_hint: idToken, post_logout_redirect_uri: RP.postLogoutRedirectUri })
    expect(none.status).toBe(302)
    expect(none.headers.get('location')).toBe(RP.postLogoutRedirectUri)
    const signedOut = await endSession({})
    expect(signedOut.status).toBe(200)
    expect(await signedOut.text()).toContain('signed out')
  })
})
