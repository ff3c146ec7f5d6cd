/**
 * One OpenID Provider, wired like the demo, over real HTTP once per adapter: a `KeySet` on a
 * `LocalRecordStore` (the controller's `signer` and the `OpenIdConnect` signer, one JWKS), the core's
 * login sessions (a site adapter with the login/consent split) and `OpenIdConnect` with its defaults.
 * openid-client 6 is the relying party: single sign-on gives the second client an ID token with the same
 * `sid` and `auth_time`; `id_token_hint` works at /authorize; logout (RP-Initiated Logout 1.0) ends the
 * session and revokes the session's refresh tokens except the offline ones.
 */
import { decodeProtectedHeader } from 'jose'
import * as openid from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashToken } from '../../src/tokens/hash.ts'
import { CookieJar, stageOf } from '../helpers/cookie-jar.ts'
import { startKeySetOidcServer } from '../helpers/keyset-oidc-server.ts'
import { SplitSiteAdapter, SPLIT_USERS } from '../helpers/split-site-adapter.ts'
import type { TestServer } from '../helpers/test-server.ts'

const SECRET = 'R'.repeat(43)
const FIRST = {
  clientId: 'first-rp',
  clientSecret: SECRET,
  redirectUris: ['https://first.example/cb'],
  postLogoutRedirectUris: ['https://first.example/logged-out'],
}
const SECOND = { clientId: 'second-rp', clientSecret: SECRET, redirectUris: ['https://second.example/cb'] }
const ALICE = { username: 'alice', password: 'wonderland' }

describe('OpenID Provider: KeySet, login sessions and OpenIdConnect wired together', () => {
  let server: TestServer
  let adapter: SplitSiteAdapter
  const jar = new CookieJar()

  beforeAll(async () => {
    adapter = new SplitSiteAdapter(SPLIT_USERS)
    server = await startKeySetOidcServer({
      clients: [FIRST, SECOND],
      siteAdapter: adapter,
      scopes: ['openid', 'profile', 'email', 'offline_access'],
    })
    server.clock.ms = Date.now()
  })
  afterAll(() => server?.close())

  async function discover(client: { clientId: string; clientSecret: string }): Promise<openid.Configuration> {
    return openid.discovery(new URL(server.issuer), client.clientId, client.clientSecret, undefined, {
      execute: [openid.allowInsecureRequests],
    })
  }

  /** Runs the code flow for `client` through the cookie jar; returns the tokens and the pages shown. */
  async function signIn(config: openid.Configuration, redirectUri: string, scope: string) {
    const verifier = openid.randomPKCECodeVerifier()
    const nonce = openid.randomNonce()
    const url = openid.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      nonce,
      code_challenge: await openid.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    })
    const pages: string[] = []
    let result = await jar.fetch(url)
    for (let step = 0; step < 3 && result.status === 200; step++) {
      const stage = stageOf(result) ?? 'unknown'
      pages.push(stage)
      result = await jar.submit(result, url, stage === 'login' ? { action: 'approve', ...ALICE } : { action: 'approve' })
    }
    expect([302, 303], result.body.slice(0, 300)).toContain(result.status)
    const tokens = await openid.authorizationCodeGrant(config, new URL(result.location ?? ''), {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      idTokenExpected: true,
    })
    return { tokens, pages, claims: tokens.claims()! }
  }

  it('SSO, id_token_hint, one JWKS, then logout: the session ends, non-offline refresh tokens die, offline ones survive', async () => {
    const first = await discover(FIRST)
    const second = await discover(SECOND)
    // One JWKS: the controller's, announced by discovery, holding the key of the ID tokens.
    const metadata = first.serverMetadata()
    expect(metadata.jwks_uri).toBe(`${server.issuer}/jwks`)
    expect(metadata.end_session_endpoint).toBe(`${server.issuer}/end_session`)
    expect(metadata.backchannel_logout_supported).toBeUndefined()
    const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: { kid: string }[] }

    // 1. The first client: login and consent; offline_access, so its refresh token outlives the session.
    const one = await signIn(first, FIRST.redirectUris[0]!, 'openid offline_access')
    expect(one.pages).toEqual(['login', 'consent'])
    expect(jwks.keys.map((key) => key.kid)).toContain(decodeProtectedHeader(one.tokens.id_token!).kid)
    const { sid, auth_time: authTime } = one.claims
    expect(sid).toMatch(/^[A-Za-z0-9_-]+$/)
    // The public sid, never the cookie's value.
    expect(sid).not.toBe(jar.get('oauth2_session'))
    expect(authTime).toBe(Math.floor(server.clock.ms / 1000))
    expect(one.tokens.refresh_token).toBeDefined()

    // 2. The second client later: no password, the same session (sid) and the same auth_time.
    server.clock.advance(120)
    const two = await signIn(second, SECOND.redirectUris[0]!, 'openid')
    expect(two.pages).toEqual(['consent'])
    expect(two.claims.sid).toBe(sid)
    expect(two.claims.auth_time).toBe(authTime)
    expect(two.tokens.refresh_token).toBeDefined()
    // The codes and tokens carry that same sid as GrantContext.sessionId.
    const stored = await server.tokenStore.fetchByRefreshToken(hashToken(two.tokens.refresh_token!))
    expect(stored?.context?.sessionId).toBe(sid)

    // 3. id_token_hint at /authorize is checked with the provider's keys: its own ID token passes with prompt=none…
    const silent = openid.buildAuthorizationUrl(first, {
      redirect_uri: FIRST.redirectUris[0]!,
      scope: 'openid offline_access',
      prompt: 'none',
      id_token_hint: one.tokens.id_token!,
    })
    const answered = await jar.fetch(silent)
    expect(answered.status).toBe(302)
    expect(new URL(answered.location!).searchParams.get('code')).toBeTruthy()
    // …and a forged one is refused.
    const forged = `${one.tokens.id_token!.slice(0, -4)}AAAA`
    const refused = await jar.fetch(
      openid.buildAuthorizationUrl(first, { redirect_uri: FIRST.redirectUris[0]!, scope: 'openid', prompt: 'none', id_token_hint: forged }),
    )
    expect(new URL(refused.location!).searchParams.get('error')).toBe('invalid_request')

    // 4. RP-Initiated Logout from the first client, with its ID token and its registered post-logout URI.
    const logout = openid.buildEndSessionUrl(first, {
      id_token_hint: one.tokens.id_token!,
      post_logout_redirect_uri: FIRST.postLogoutRedirectUris[0]!,
      state: 'bye',
    })
    const ended = await jar.fetch(logout)
    expect(ended.status).toBe(302)
    expect(ended.location).toBe(`${FIRST.postLogoutRedirectUris[0]}?state=bye`)
    expect(jar.get('oauth2_session')).toBeUndefined()

    // 5. The second client's refresh token died with the session; the offline one lives on.
    await expect(openid.refreshTokenGrant(second, two.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
    const refreshed = await openid.refreshTokenGrant(first, one.tokens.refresh_token!)
    expect(refreshed.access_token).toBeTruthy()

    // 6. Signed out: the next authorization asks for the password again.
    const again = await jar.fetch(
      openid.buildAuthorizationUrl(second, { redirect_uri: SECOND.redirectUris[0]!, scope: 'openid', nonce: openid.randomNonce() }),
    )
    expect(stageOf(again)).toBe('login')
  })
})
