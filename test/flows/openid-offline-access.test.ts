/**
 * `offline_access` (OpenID Connect Core 1.0 section 11) over real HTTP once per adapter, with the core's
 * login sessions and openid-client 6: for `openid` requests it is honoured only with a response type that
 * returns a code and only as far as consent covered it (a remembered consent counts only if it included
 * `offline_access`); the implicit grant drops it; requests without `openid` keep plain OAuth behaviour;
 * at logout the families granted without it end and the offline ones survive.
 */
import * as openid from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieJar } from '../helpers/cookie-jar.ts'
import { discover, RP_SECRET, signIn, startCoreOp, visit, type CoreOp } from '../helpers/core-op.ts'
import { SPLIT_USERS } from '../helpers/split-site-adapter.ts'

const ALICE = SPLIT_USERS[0]!
const RP = { clientId: 'offline-rp', redirectUri: 'https://offline.example/cb' }

describe('OpenID Connect Core 1.0 section 11: offline_access', () => {
  let server: CoreOp
  let config: openid.Configuration

  beforeAll(async () => {
    server = await startCoreOp(
      [{ clientId: RP.clientId, clientSecret: RP_SECRET, redirectUris: [RP.redirectUri], responseTypes: ['code', 'token'] }],
      false,
    )
    config = await discover(server, RP.clientId)
  })
  afterAll(() => server?.close())

  /** An authorization request of `responseType` for `scope`, its answer and the pages shown on the way. */
  async function authorize(jar: CookieJar, params: Record<string, string>) {
    const url = openid.buildAuthorizationUrl(config, { redirect_uri: RP.redirectUri, nonce: openid.randomNonce(), ...params })
    const { result, pages } = await visit(jar, url, { user: ALICE })
    const location = new URL(result.location ?? 'about:blank')
    const answer = new URLSearchParams(location.hash.length > 1 ? location.hash.slice(1) : location.search)
    return { result, pages, answer }
  }

  it('a remembered consent without offline_access does not cover it; the consent that does is remembered; logout spares only offline families', async () => {
    const browser = new CookieJar()
    const online = await signIn(browser, config, RP.redirectUri, 'openid', { user: ALICE })
    expect(online.pages).toEqual(['login', 'consent'])
    expect(online.tokens.refresh_token).toBeDefined()

    // prompt=none cannot grant offline_access under a consent that lacked it (Core 11: consent is required)…
    const silent = await authorize(browser, { scope: 'openid offline_access', prompt: 'none' })
    expect(silent.pages).toEqual([])
    expect(silent.answer.get('error')).toBe('consent_required')
    expect(silent.answer.get('code')).toBeNull()
    // …and without prompt=none the consent page is shown again, never skipped.
    const asked = await signIn(browser, config, RP.redirectUri, 'openid offline_access')
    expect(asked.pages).toEqual(['consent'])
    expect(asked.tokens.scope?.split(' ').sort()).toEqual(['offline_access', 'openid'])
    expect(asked.tokens.refresh_token).toBeDefined()

    // Now the remembered consent includes offline_access: it counts, with prompt=none too.
    const remembered = await signIn(browser, config, RP.redirectUri, 'openid offline_access', { prompt: 'none' })
    expect(remembered.pages).toEqual([])
    expect(remembered.tokens.scope?.split(' ')).toContain('offline_access')
    const sid = online.tokens.claims()!.sid
    expect(remembered.tokens.claims()!.sid).toBe(sid)

    // RP-Initiated Logout: the family granted without offline_access ends, the offline ones survive.
    const ended = await browser.fetch(openid.buildEndSessionUrl(config, { id_token_hint: online.tokens.id_token! }))
    expect(ended.status).toBe(200)
    await expect(openid.refreshTokenGrant(config, online.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
    const kept = await openid.refreshTokenGrant(config, asked.tokens.refresh_token!)
    expect(kept.scope?.split(' ')).toContain('offline_access')
    expect((await openid.refreshTokenGrant(config, remembered.tokens.refresh_token!)).access_token).toBeTruthy()
  })

  it('the implicit grant drops offline_access from an openid request; without openid it is an ordinary scope', async () => {
    const browser = new CookieJar()
    const oidc = await authorize(browser, { response_type: 'token', scope: 'openid offline_access' })
    expect(oidc.answer.get('access_token')).toBeTruthy()
    expect(oidc.answer.get('scope')).toBe('openid')
    expect(oidc.answer.get('refresh_token')).toBeNull()
    // Plain OAuth (no openid): the scope is granted as asked, as before OpenID Connect.
    const plain = await authorize(browser, { response_type: 'token', scope: 'read offline_access' })
    expect(plain.pages).toEqual(['consent'])
    expect(plain.answer.get('scope')?.split(' ').sort()).toEqual(['offline_access', 'read'])
  })

  it('a code request without openid keeps plain OAuth behaviour: offline_access granted as asked, its family outlives the logout', async () => {
    const browser = new CookieJar()
    const plain = await signIn(browser, config, RP.redirectUri, 'read offline_access', { user: ALICE })
    expect(plain.tokens.id_token).toBeUndefined()
    expect(plain.tokens.scope?.split(' ').sort()).toEqual(['offline_access', 'read'])
    const online = await signIn(browser, config, RP.redirectUri, 'read')
    const ended = await browser.fetch(openid.buildEndSessionUrl(config, {}))
    // No hint: the user confirms the sign-out on a page.
    expect(ended.status).toBe(200)
    const confirmed = await browser.submit(ended, `${server.url}/end_session`, { client_id: RP.clientId })
    expect(confirmed.status).toBe(200)
    expect(confirmed.body).toContain('You are signed out.')
    expect(browser.get('oauth2_session')).toBeUndefined()
    await expect(openid.refreshTokenGrant(config, online.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
    expect((await openid.refreshTokenGrant(config, plain.tokens.refresh_token!)).access_token).toBeTruthy()
  })
})
