/**
 * A host application's own login and session in front of the core's (`SiteAdapter.currentUser`), over
 * real HTTP with openid-client as the relying party and ID tokens from `OpenIdConnect`: the session
 * `currentUser` seeded follows the host's user at every authorization (another user, a sign-out), and
 * `prompt=login` / `max_age` are answered by the host's own login page (OpenID Connect Core section
 * 3.1.2.1): only a host sign-in after the request demanded one satisfies them, and the round trip happens
 * once (no loop).
 */
import * as openid from 'openid-client'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { RawResult } from '../helpers/browser.ts'
import { CookieJar, stageOf } from '../helpers/cookie-jar.ts'
import { HOST_COOKIE, HOST_LOGIN, HostLoginSiteAdapter, hostSession } from '../helpers/host-login-site-adapter.ts'
import { startKeySetOidcServer } from '../helpers/keyset-oidc-server.ts'
import type { TestServer } from '../helpers/test-server.ts'

const RP = { clientId: 'host-rp', clientSecret: 'H'.repeat(43), redirectUris: ['https://rp.example/cb'] }
const SESSION_COOKIE = 'oauth2_session'

describe('a host application’s login and session in front of the core’s', () => {
  let server: TestServer
  let config: openid.Configuration
  const adapter = new HostLoginSiteAdapter()
  let jar: CookieJar

  beforeAll(async () => {
    server = await startKeySetOidcServer({ clients: [RP], siteAdapter: adapter, scopes: ['openid', 'profile'] })
    config = await openid.discovery(new URL(server.issuer), RP.clientId, RP.clientSecret, undefined, {
      execute: [openid.allowInsecureRequests],
    })
  })
  afterAll(() => server?.close())
  beforeEach(() => {
    // openid-client checks iat and auth_time against the real clock.
    server.clock.ms = Date.now()
    jar = new CookieJar()
  })

  const now = (): number => server.clock.seconds
  /** The host signs `userId` in (or, with `undefined`, out) in this browser. */
  const host = (userId: string | undefined, authTime = now()): void => {
    if (userId === undefined) jar.delete(HOST_COOKIE)
    else jar.set(HOST_COOKIE, hostSession(userId, authTime))
  }

  /** An authorization request of the RP, with its nonce and PKCE verifier. */
  async function request(extra: Record<string, string> = {}) {
    const verifier = openid.randomPKCECodeVerifier()
    const nonce = openid.randomNonce()
    const url = openid.buildAuthorizationUrl(config, {
      redirect_uri: RP.redirectUris[0]!,
      scope: 'openid',
      nonce,
      state: openid.randomState(),
      code_challenge: await openid.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    })
    return { url, verifier, nonce, state: url.searchParams.get('state')! }
  }

  /** Approves the consent page when one is shown; returns the answer that follows and the user it named. */
  async function consentIfAsked(result: RawResult, pageUrl: URL): Promise<{ result: RawResult; consentFor?: string | undefined }> {
    if (result.status !== 200 || stageOf(result) !== 'consent') return { result }
    const consentFor = /<p id="user">([^<]*)<\/p>/.exec(result.body)?.[1]
    return { result: await jar.submit(result, pageUrl, { action: 'approve' }), consentFor }
  }

  /** Redeems the code of a redirect to the RP; returns the ID token's claims. */
  async function redeem(result: RawResult, sent: Awaited<ReturnType<typeof request>>, maxAge?: number): Promise<openid.IDToken> {
    expect([302, 303], `${result.status} ${result.location ?? result.body.slice(0, 200)}`).toContain(result.status)
    const tokens = await openid.authorizationCodeGrant(config, new URL(result.location ?? ''), {
      pkceCodeVerifier: sent.verifier,
      expectedNonce: sent.nonce,
      expectedState: sent.state,
      idTokenExpected: true,
      ...(maxAge === undefined ? {} : { maxAge }),
    })
    return tokens.claims()!
  }

  /** Where the core sent the browser to sign in at the host: the URL it must come back to, and the prompts it passed. */
  function hostLoginOf(result: RawResult, from: URL): { back: URL; prompts: string[] } {
    expect(result.status).toBe(303)
    const login = new URL(result.location ?? '')
    expect(`${login.origin}${login.pathname}`).toBe(HOST_LOGIN)
    const prompt = login.searchParams.get('prompt') ?? ''
    return { back: new URL(login.searchParams.get('return_to') ?? '', from), prompts: prompt === '' ? [] : prompt.split(' ') }
  }

  /** The error parameter of a redirect to the RP. */
  const errorOf = (result: RawResult): string | null => new URL(result.location ?? 'https://none.invalid').searchParams.get('error')

  it('another user signed in to the host between two authorizations: the second is his (ID token sub), in a new session', async () => {
    host('alice', now() - 60)
    const first = await request()
    const one = await consentIfAsked(await jar.fetch(first.url), first.url)
    expect(one.consentFor).toBe('alice')
    const alice = await redeem(one.result, first)
    expect(alice.sub).toBe('alice')
    const aliceCookie = jar.get(SESSION_COOKIE)
    expect(aliceCookie).toBeDefined()

    // Bob signs in to the host in the same browser; alice's consent is remembered, so the old code would grant as alice.
    host('bob', now() - 5)
    const second = await request()
    const two = await consentIfAsked(await jar.fetch(second.url), second.url)
    expect(two.consentFor).toBe('bob')
    const bob = await redeem(two.result, second)
    expect(bob.sub).toBe('bob')
    expect(bob.auth_time).toBe(now() - 5)
    // A new session: a new cookie value (no fixation) and a new sid.
    expect(jar.get(SESSION_COOKIE)).not.toBe(aliceCookie)
    expect(bob.sid).not.toBe(alice.sid)
  })

  it('the host’s user changed while the consent page was open: the approval is refused, never granted as the old user', async () => {
    host('carol', now() - 60)
    const sent = await request()
    const page = await jar.fetch(sent.url)
    expect(stageOf(page)).toBe('consent')
    host('dave', now() - 1)
    const approved = await jar.submit(page, sent.url, { action: 'approve' })
    expect(approved.status).toBe(400)
    expect(approved.location).toBeUndefined()
  })

  it('the host signed out: login_required with prompt=none, the host’s login page without; the core session is ended', async () => {
    host('alice', now() - 60)
    const first = await request()
    expect((await redeem((await consentIfAsked(await jar.fetch(first.url), first.url)).result, first)).sub).toBe('alice')
    const oldCookie = jar.get(SESSION_COOKIE)!

    host(undefined)
    const sent = await request()
    hostLoginOf(await jar.fetch(sent.url), sent.url)
    // The core's session ended with the host's: its cookie is cleared…
    expect(jar.get(SESSION_COOKIE)).toBeUndefined()
    // …and gone from the store: the old cookie, sent again, signs nobody in, even silently.
    jar.set(SESSION_COOKIE, oldCookie)
    const silent = await jar.fetch((await request({ prompt: 'none' })).url)
    expect(silent.status).toBe(302)
    expect(errorOf(silent)).toBe('login_required')
  })

  it('the host signed out, then prompt=none: login_required, never a code for the previous user', async () => {
    host('erin', now() - 60)
    const first = await request()
    expect((await redeem((await consentIfAsked(await jar.fetch(first.url), first.url)).result, first)).sub).toBe('erin')
    host(undefined)
    const silent = await jar.fetch((await request({ prompt: 'none' })).url)
    expect(silent.status).toBe(302)
    expect(errorOf(silent)).toBe('login_required')
  })

  it('prompt=login with a stale host session: not granted until the host reports a newer sign-in, then auth_time is the host’s', async () => {
    const signedIn = now() - 600
    host('alice', signedIn)
    const first = await request()
    expect((await redeem((await consentIfAsked(await jar.fetch(first.url), first.url)).result, first)).auth_time).toBe(signedIn)

    const sent = await request({ prompt: 'login' })
    const { back, prompts } = hostLoginOf(await jar.fetch(sent.url), sent.url)
    expect(prompts).toContain('login')
    // Back from the host without a new sign-in (a host that sends signed-in users straight back): refused, no second trip.
    const stale = await jar.fetch(back)
    expect(stale.status).toBe(302)
    expect(errorOf(stale)).toBe('login_required')
    // The mark cannot be moved back before the stale sign-in: a changed moment is no mark, so a new demand.
    const mark = back.searchParams.get('reauth_since') ?? ''
    const moved = new URL(back)
    moved.searchParams.set('reauth_since', mark.replace(/^\d+/, String(signedIn - 1)))
    hostLoginOf(await jar.fetch(moved), sent.url)
    // Nor carried to another authorization request.
    const other = await request({ prompt: 'login' })
    const carried = new URL(other.url)
    carried.searchParams.set('reauth_since', mark)
    hostLoginOf(await jar.fetch(carried), other.url)

    // The host signs her in again: the same URL back is granted (consent remembered), with the host's auth_time.
    server.clock.advance(2)
    host('alice', now())
    const granted = await jar.fetch(back)
    const claims = await redeem(granted, sent)
    expect(claims.sub).toBe('alice')
    expect(claims.auth_time).toBe(now())
  })

  it('max_age older than the host’s sign-in: the host’s login page is told prompt login, and its new sign-in satisfies it', async () => {
    host('alice', now() - 600)
    const first = await request()
    await redeem((await consentIfAsked(await jar.fetch(first.url), first.url)).result, first)

    const sent = await request({ max_age: '300' })
    const { back, prompts } = hostLoginOf(await jar.fetch(sent.url), sent.url)
    expect(prompts).toEqual(['login'])
    server.clock.advance(2)
    host('alice', now())
    const claims = await redeem(await jar.fetch(back), sent, 300)
    expect(claims.auth_time).toBe(now())
  })
})
