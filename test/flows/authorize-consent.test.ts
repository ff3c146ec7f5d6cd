/**
 * Authorization endpoint over real HTTP: the login/consent decision. Deny (RFC 6749 section 4.1.2.1
 * access_denied), the anti-CSRF protection of the decision POST (RFC 6749 section 10.12, RFC 9700
 * section 4.7), the 303 after POST (RFC 9700 section 4.12) and the re-rendered page after a wrong
 * password.
 */
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  authorizationServer,
  authorizePath,
  authorizeUrl,
  openLoginPage,
  parseSetCookie,
  protectedPageHeaders,
  PROTECTED_PAGE_HEADERS,
  responseParams,
  submitForm,
  unescapeHtml,
  type RawResult,
} from '../helpers/browser.ts'
import { CONFIDENTIAL, startTestServer, USER, type TestServer } from '../helpers/test-server.ts'

const TWO_URIS = { clientId: 'two-uris', redirectUris: ['https://two.example/a', 'https://two.example/b'] } as const

let server: TestServer
let as: oauth.AuthorizationServer

beforeAll(async () => {
  server = await startTestServer({
    clients: [{ clientId: TWO_URIS.clientId, clientSecret: 'S'.repeat(43), redirectUris: TWO_URIS.redirectUris }],
  })
  as = authorizationServer(server)
})
afterAll(() => server.close())

const codeUrl = (extra: Record<string, string> = {}): string =>
  authorizeUrl(server.url, {
    response_type: 'code',
    client_id: CONFIDENTIAL.clientId,
    redirect_uri: CONFIDENTIAL.redirectUri,
    state: 'st',
    ...extra,
  })

/** The CSRF failure answer: an error page, no redirect, no code. */
function expectCsrfRejected(result: RawResult): void {
  expect(result.status).toBe(400)
  expect(result.location).toBeUndefined()
  expect(result.headers.get('content-type')).toBe('text/html; charset=utf-8')
  expect(protectedPageHeaders(result.headers)).toEqual(PROTECTED_PAGE_HEADERS)
  expect(result.body).toContain('<code>invalid_request</code>')
}

/** Runs `submit` and asserts it stored no code. */
async function withoutNewCode(submit: () => Promise<RawResult>): Promise<RawResult> {
  const before = server.tokenStore.size.codes
  const result = await submit()
  expect(server.tokenStore.size.codes).toBe(before)
  return result
}

describe('RFC 6749 section 4.1.2.1: the resource owner denies', () => {
  it('deny → 303 to the redirect URI with error=access_denied, state and iss; no code stored; the CSRF cookie is cleared', async () => {
    const page = await openLoginPage(codeUrl({ state: 'deny-state' }))
    const result = await withoutNewCode(() => submitForm(page, { action: 'deny' }))
    expect(result.status).toBe(303)
    expect(result.headers.get('cache-control')).toBe('no-store')
    const params = responseParams(result.location, CONFIDENTIAL.redirectUri)
    expect(params.get('error')).toBe('access_denied')
    expect(params.get('state')).toBe('deny-state')
    expect(params.get('iss')).toBe(server.issuer)
    expect(params.has('code')).toBe(false)
    expect(() => oauth.validateAuthResponse(as, { client_id: CONFIDENTIAL.clientId }, params, 'deny-state')).toThrow(
      oauth.AuthorizationResponseError,
    )
    expect(
      result.setCookies.map(parseSetCookie).some((c) => c.name === 'oauth2_csrf' && c.value === '' && c.attributes.get('max-age') === '0'),
    ).toBe(true)
  })

  it('deny wins even with correct credentials submitted along', async () => {
    const page = await openLoginPage(codeUrl({ state: 'deny2' }))
    const result = await withoutNewCode(() => submitForm(page, { action: 'deny', ...USER }))
    expect(result.status).toBe(303)
    expect(responseParams(result.location, CONFIDENTIAL.redirectUri).get('error')).toBe('access_denied')
  })

  it('a deny without a valid CSRF token is not acted upon (error page, no redirect)', async () => {
    const page = await openLoginPage(codeUrl())
    expectCsrfRejected(await submitForm(page, { action: 'deny', csrfToken: 'forged' }))
  })
})

describe('RFC 6749 section 10.12 / RFC 9700 section 4.7: the decision POST is CSRF-protected', () => {
  it('POST approve without the cookie → error page, no code', async () => {
    const page = await openLoginPage(codeUrl())
    expectCsrfRejected(await withoutNewCode(() => submitForm(page, { action: 'approve', ...USER, cookie: null })))
  })

  it('RFC 6749 3.1: a POST without the csrf_token field is an authorization request, not a decision: the login page again, no code', async () => {
    const page = await openLoginPage(codeUrl())
    const result = await withoutNewCode(() => submitForm(page, { action: 'approve', ...USER, csrfToken: null }))
    // The demo adapter answers a page it takes for a failed attempt with 401; either way it is the page.
    expect([200, 401]).toContain(result.status)
    expect(result.location).toBeUndefined()
    expect(protectedPageHeaders(result.headers)).toEqual(PROTECTED_PAGE_HEADERS)
    expect(result.body).toContain('name="csrf_token"')
  })

  it('POST approve with an empty or wrong csrf_token → error page, no code', async () => {
    const page = await openLoginPage(codeUrl())
    for (const csrfToken of ['', 'wrong', page.csrfToken.slice(0, -1), `${page.csrfToken}x`, page.csrfToken.toUpperCase()]) {
      if (csrfToken === page.csrfToken) continue
      expectCsrfRejected(await withoutNewCode(() => submitForm(page, { action: 'approve', ...USER, csrfToken })))
    }
  })

  it('POST approve with a malformed cookie value → error page, no code', async () => {
    const page = await openLoginPage(codeUrl())
    for (const cookie of ['oauth2_csrf=', 'oauth2_csrf=short', `oauth2_csrf=${'!'.repeat(43)}`, 'other=1']) {
      expectCsrfRejected(await withoutNewCode(() => submitForm(page, { action: 'approve', ...USER, cookie })))
    }
  })

  it("the token of one browser does not fit another browser's cookie → error page", async () => {
    const mine = await openLoginPage(codeUrl())
    const theirs = await openLoginPage(codeUrl())
    expect(mine.cookie).not.toBe(theirs.cookie)
    expectCsrfRejected(await withoutNewCode(() => submitForm(mine, { action: 'approve', ...USER, cookie: theirs.cookie })))
  })

  it('a token issued for other authorization parameters (other state) → error page, no code', async () => {
    const page = await openLoginPage(codeUrl({ state: 'original' }))
    const target = new URL(codeUrl({ state: 'tampered' }))
    expectCsrfRejected(await withoutNewCode(() => submitForm(page, { action: 'approve', ...USER, target })))
  })

  it('a token issued for other authorization parameters (other scope) → error page, no code', async () => {
    const page = await openLoginPage(codeUrl({ scope: 'read' }))
    const target = new URL(codeUrl({ scope: 'read write' }))
    expectCsrfRejected(await withoutNewCode(() => submitForm(page, { action: 'approve', ...USER, target })))
  })

  it('a token issued for other authorization parameters (other redirect_uri of the same client) → error page, no code', async () => {
    const page = await openLoginPage(
      authorizeUrl(server.url, { response_type: 'code', client_id: TWO_URIS.clientId, redirect_uri: TWO_URIS.redirectUris[0] }),
    )
    const target = authorizeUrl(server.url, { response_type: 'code', client_id: TWO_URIS.clientId, redirect_uri: TWO_URIS.redirectUris[1] })
    expectCsrfRejected(await withoutNewCode(() => submitForm(page, { action: 'approve', ...USER, target })))
  })

  it('a token issued with the state in the query does not fit a state dropped from the request', async () => {
    const page = await openLoginPage(codeUrl({ state: 'present' }))
    const target = authorizeUrl(server.url, {
      response_type: 'code',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: CONFIDENTIAL.redirectUri,
    })
    expectCsrfRejected(await withoutNewCode(() => submitForm(page, { action: 'approve', ...USER, target })))
  })

  it('a second GET with the cookie reuses it (no new Set-Cookie) and its token still verifies', async () => {
    const first = await openLoginPage(codeUrl())
    const second = await openLoginPage(codeUrl(), first.cookie)
    expect(second.setCookies).toEqual([])
    expect(second.cookie).toBe(first.cookie)
    const result = await submitForm(second)
    expect(result.status).toBe(303)
    expect(responseParams(result.location, CONFIDENTIAL.redirectUri).has('code')).toBe(true)
  })

  it('the form action carries the authorization request (HTML-escaped), so the POST is bound to it', async () => {
    const url = codeUrl({ state: 'a&b"<c>' })
    const page = await openLoginPage(url)
    expect(page.body).not.toContain('a&b"<c>')
    expect(page.action.searchParams.get('state')).toBe('a&b"<c>')
    const action = new URL(unescapeHtml(/<form method="post" action="([^"]+)"/.exec(page.body)?.[1] ?? ''), server.url)
    expect(action.pathname).toBe(new URL(authorizePath(server.url), server.url).pathname)
    expect([...action.searchParams].sort()).toEqual([...new URL(url).searchParams].sort())
  })

  it('after a successful decision the CSRF cookie is cleared (Set-Cookie oauth2_csrf=; Max-Age=0, same Path and Domain) so a browser cannot submit the decision again', async () => {
    const page = await openLoginPage(codeUrl({ state: 'once' }))
    const first = await submitForm(page)
    expect(first.status).toBe(303)
    const firstCode = responseParams(first.location, CONFIDENTIAL.redirectUri).get('code')
    expect(firstCode).toBeTruthy()
    const set = parseSetCookie(page.setCookies[0] ?? '')
    const clearedLine = first.setCookies.find((line) => line.startsWith('oauth2_csrf='))
    expect(clearedLine).toBeDefined()
    const cleared = parseSetCookie(clearedLine ?? '')
    expect(cleared.value).toBe('')
    expect(cleared.attributes.get('max-age')).toBe('0')
    // Only a cookie with the same name, Path (and Domain) replaces the one set with the page.
    expect(cleared.attributes.get('path')).toBe(set.attributes.get('path'))
    expect(cleared.attributes.get('domain')).toBe(set.attributes.get('domain'))
    expect(cleared.attributes.has('httponly')).toBe(true)
    expect(cleared.attributes.get('samesite')?.toLowerCase()).toBe('strict')

    // The browser drops the cookie; resubmitting the same form (back button, double click) is refused.
    expectCsrfRejected(await withoutNewCode(() => submitForm(page, { action: 'approve', ...USER, cookie: null })))
    // A client that ignores Max-Age=0 and replays the old cookie with the old token is refused too: the
    // token was spent by the decision (issue 17 item 9).
    expectCsrfRejected(await withoutNewCode(() => submitForm(page, { action: 'approve', ...USER })))
  })
})

describe('RFC 6749 section 4.1.1 (resource owner authentication, section 3.1): wrong credentials show the page again, never a redirect', () => {
  it('wrong password → 401 page with an error message, no Location, no code, anti-framing headers, and the cookie kept', async () => {
    const page = await openLoginPage(codeUrl())
    const result = await withoutNewCode(() => submitForm(page, { action: 'approve', username: USER.username, password: 'wrong' }))
    expect(result.status).toBe(401)
    expect(result.location).toBeUndefined()
    expect(result.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(protectedPageHeaders(result.headers)).toEqual(PROTECTED_PAGE_HEADERS)
    expect(result.body).toContain('role="alert"')
    expect(result.body).toContain('Wrong username or password.')
    expect(result.body).toContain(`value="${USER.username}"`)
    expect(result.setCookies.filter((line) => /max-age=0/i.test(line))).toEqual([])
  })

  it('the re-rendered page echoes the username HTML-escaped (<script>)', async () => {
    const page = await openLoginPage(codeUrl())
    const username = '"><script>alert(1)</script>'
    const result = await submitForm(page, { action: 'approve', username, password: 'x' })
    expect(result.status).toBe(401)
    expect(result.body).not.toContain('<script>')
    expect(result.body).not.toContain('"><script')
    expect(result.body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"')
  })

  it('approve with no username or password → 401 page again', async () => {
    const page = await openLoginPage(codeUrl())
    const result = await withoutNewCode(() => submitForm(page, { action: 'approve' }))
    expect(result.status).toBe(401)
    expect(result.location).toBeUndefined()
  })

  it('POST without any action shows the page again (200), no redirect', async () => {
    const page = await openLoginPage(codeUrl())
    const result = await withoutNewCode(() => submitForm(page, { ...USER }))
    expect(result.status).toBe(200)
    expect(result.location).toBeUndefined()
    expect(result.body).toContain('name="csrf_token"')
  })

  it('the form of the re-rendered page still works: right password afterwards → 303 with code, state and iss', async () => {
    const page = await openLoginPage(codeUrl({ state: 'retry' }))
    const failed = await submitForm(page, { action: 'approve', username: USER.username, password: 'nope' })
    expect(failed.status).toBe(401)
    const csrfToken = unescapeHtml(/name="csrf_token" value="([^"]+)"/.exec(failed.body)?.[1] ?? '')
    const result = await submitForm(page, { action: 'approve', ...USER, csrfToken })
    expect(result.status).toBe(303)
    const params = oauth.validateAuthResponse(as, { client_id: CONFIDENTIAL.clientId }, new URL(result.location ?? ''), 'retry')
    expect(params.get('code')).toBeTruthy()
  })
})
