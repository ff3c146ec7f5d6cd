import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { LocalRecordStore } from '../../../src/stores/memory-record-store.ts'
import { CsrfGuard } from '../../../src/web/csrf.ts'
import { Request } from '../../../src/web/request.ts'
import { ServerKey } from '../../../src/web/server-key.ts'

function guard(
  store = new LocalRecordStore(),
  clock = { now: 1_800_000_000 },
): { csrf: CsrfGuard; clock: { now: number }; store: LocalRecordStore } {
  const csrf = new CsrfGuard(false, { key: new ServerKey(store, 'csrf'), records: store, now: () => clock.now })
  return { csrf, clock, store }
}

const page = (cookie?: string): Request =>
  new Request({ method: 'GET', path: '/authorize', headers: cookie === undefined ? {} : { cookie } })
const post = (cookie: string | undefined, token: string): Request =>
  new Request({
    method: 'POST',
    path: '/authorize',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie === undefined ? {} : { cookie }) },
    body: new URLSearchParams({ csrf_token: token }).toString(),
  })

/** The first render: the cookie the browser keeps (`name=value`) and the token. */
async function render(csrf: CsrfGuard, binding = 'request-a'): Promise<{ cookie: string; token: string }> {
  const issued = await csrf.issue(page(), binding)
  return { cookie: issued.setCookie?.split(';')[0] ?? '', token: issued.token }
}

describe('CsrfGuard (RFC 9700 section 4.7, issue 17 item 9)', () => {
  it('a token verifies once with its cookie and binding; a second POST of the same pair is refused', async () => {
    const { csrf } = guard()
    const { cookie, token } = await render(csrf)
    expect(cookie).toMatch(/^oauth2_csrf=[A-Za-z0-9_-]{43}$/)
    expect(await csrf.verify(post(cookie, token), 'request-a')).toBe(true)
    expect(await csrf.verify(post(cookie, token), 'request-a')).toBe(false)
  })

  it('a browser with a cookie keeps it, and every render gets a fresh token that verifies on its own', async () => {
    const { csrf } = guard()
    const { cookie, token } = await render(csrf)
    const again = await csrf.issue(page(cookie), 'request-a')
    expect(again.setCookie).toBeUndefined()
    expect(again.token).not.toBe(token)
    expect(await csrf.verify(post(cookie, again.token), 'request-a')).toBe(true)
    expect(await csrf.verify(post(cookie, token), 'request-a')).toBe(true)
  })

  it('refuses another binding, another browser, no cookie, and a tampered token', async () => {
    const { csrf } = guard()
    const { cookie, token } = await render(csrf)
    const other = await render(csrf)
    expect(await csrf.verify(post(cookie, token), 'request-b')).toBe(false)
    expect(await csrf.verify(post(other.cookie, token), 'request-a')).toBe(false)
    expect(await csrf.verify(post(undefined, token), 'request-a')).toBe(false)
    expect(await csrf.verify(post(cookie, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`), 'request-a')).toBe(false)
    expect(await csrf.verify(post(cookie, token), 'request-a')).toBe(true)
  })

  it('only cookies the server issued: a self-made cookie with its own HMAC token, or one MACed under another key, is refused and replaced', async () => {
    const { csrf } = guard()
    const forgedCookie = 'oauth2_csrf=' + 'C'.repeat(43)
    const forgedToken = createHmac('sha256', 'C'.repeat(43)).update('request-a').digest('base64url')
    expect(await csrf.verify(post(forgedCookie, forgedToken), 'request-a')).toBe(false)
    expect((await csrf.issue(page(forgedCookie), 'request-a')).setCookie).toBeDefined()
    const elsewhere = await render(guard().csrf)
    expect(await csrf.verify(post(elsewhere.cookie, elsewhere.token), 'request-a')).toBe(false)
  })

  it("two guards on one record store (two processes) accept each other's cookies and tokens, once", async () => {
    const store = new LocalRecordStore()
    const a = guard(store).csrf
    const b = guard(store).csrf
    const { cookie, token } = await render(a)
    expect(await b.verify(post(cookie, token), 'request-a')).toBe(true)
    expect(await a.verify(post(cookie, token), 'request-a')).toBe(false)
  })

  it('a token lives an hour', async () => {
    const { csrf, clock } = guard()
    const { cookie, token } = await render(csrf)
    const late = await render(csrf)
    clock.now += 3601
    expect(await csrf.verify(post(cookie, token), 'request-a')).toBe(false)
    clock.now -= 2
    expect(await csrf.verify(post(late.cookie, late.token), 'request-a')).toBe(true)
  })
})
