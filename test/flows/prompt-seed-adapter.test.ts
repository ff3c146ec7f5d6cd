/**
 * OpenID Connect Core section 3.1.2.1 with a site adapter of the seed's three methods only (no
 * login/consent split): `prompt=none` never shows a page (`login_required`, or `interaction_required`
 * when the adapter would answer with its own page), `prompt=none` with another value and a bad `max_age`
 * are `invalid_request`, and the code carries the authentication time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authorizeUrl, openLoginPage, request, responseParams, submitForm } from '../helpers/browser.ts'
import { TestSiteAdapter } from '../helpers/site-adapter.ts'
import { CONFIDENTIAL, startTestServer, USER, type TestServer } from '../helpers/test-server.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import type { Request } from '../../src/web/request.ts'
import { Response } from '../../src/web/response.ts'
import type { AuthenticationResult } from '../../src/web/site-adapter.ts'

/** The flows' adapter, answering with its own page when the request has `x-own-page`. */
class OwnPageAdapter extends TestSiteAdapter {
  override async authenticate(request: Request): Promise<AuthenticationResult> {
    if (request.header('x-own-page') !== undefined) return { type: 'respond', response: new Response(200, {}, 'second factor') }
    return super.authenticate(request)
  }
}

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({
    controller: { siteAdapter: new OwnPageAdapter([{ username: USER.username, password: USER.password, data: {} }]) },
  })
})
afterAll(() => server.close())

const url = (extra: Record<string, string> = {}): string =>
  authorizeUrl(server.url, {
    response_type: 'code',
    client_id: CONFIDENTIAL.clientId,
    redirect_uri: CONFIDENTIAL.redirectUri,
    state: 'st',
    ...extra,
  })

describe('prompt with the seed-style site adapter', () => {
  it('prompt=none → login_required with state and iss, never the page', async () => {
    const result = await request(url({ prompt: 'none' }))
    expect(result.status).toBe(302)
    const params = responseParams(result.location, CONFIDENTIAL.redirectUri)
    expect(params.get('error')).toBe('login_required')
    expect(params.get('state')).toBe('st')
    expect(params.get('iss')).toBe(server.issuer)
  })

  it('prompt=none where the adapter would show its own page → interaction_required', async () => {
    const result = await request(url({ prompt: 'none' }), { headers: { 'x-own-page': '1' } })
    expect(responseParams(result.location, CONFIDENTIAL.redirectUri).get('error')).toBe('interaction_required')
    // Without prompt=none the page is shown.
    expect((await request(url(), { headers: { 'x-own-page': '1' } })).body).toBe('second factor')
  })

  it('prompt=none login and a max_age that is no number → invalid_request to the client', async () => {
    for (const extra of [{ prompt: 'none login' }, { max_age: 'soon' }]) {
      expect(responseParams((await request(url(extra))).location, CONFIDENTIAL.redirectUri).get('error')).toBe('invalid_request')
    }
  })

  it('the login form keeps nonce, prompt and max_age in its action; the code carries auth_time = the sign-in', async () => {
    const page = await openLoginPage(url({ nonce: 'n-1', max_age: '60', prompt: 'login' }))
    expect(page.action.searchParams.get('nonce')).toBe('n-1')
    expect(page.action.searchParams.get('max_age')).toBe('60')
    expect(page.action.searchParams.get('prompt')).toBe('login')
    const result = await submitForm(page)
    const code = responseParams(result.location, CONFIDENTIAL.redirectUri).get('code') ?? ''
    const record = await server.tokenStore.fetchByCode(hashToken(code))
    expect(record?.context?.authTime).toBe(server.clock.seconds)
    expect(record?.context?.sessionId).toBeUndefined()
  })

  it('a tampered nonce in the form action is refused (the CSRF token binds it)', async () => {
    const page = await openLoginPage(url({ nonce: 'n-1' }))
    const target = new URL(page.action)
    target.searchParams.set('nonce', 'n-2')
    expect((await submitForm(page, { action: 'approve', ...USER, target })).status).toBe(400)
  })
})
