/**
 * Back-Channel Logout 1.0 over the core's login sessions, over real HTTP once per adapter: the session
 * records every client granted in it, so RP-Initiated Logout tells each of them that registered a
 * `backchannelLogoutUri` (a local node:http receiver on 127.0.0.1, reached through the loopback fetcher),
 * without making the browser wait. The logout tokens are checked with jose against the published JWKS;
 * a client without the URI, or one signed in only in another session, gets nothing; the session's token
 * families end except the offline ones.
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import * as openid from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKCHANNEL_LOGOUT_EVENT } from '../../src/logout/index.ts'
import { CookieJar, stageOf } from '../helpers/cookie-jar.ts'
import { discover, HeldReceiver, RP_SECRET, signIn, startCoreOp, type CoreOp } from '../helpers/core-op.ts'
import { SPLIT_USERS } from '../helpers/split-site-adapter.ts'

const [ALICE = SPLIT_USERS[0]!, BOB = SPLIT_USERS[1]!] = SPLIT_USERS
const rp = (name: string) => ({ clientId: name, redirectUri: `https://${name}.example/cb` })
const ALPHA = { ...rp('alpha'), postLogoutRedirectUri: 'https://alpha.example/bye' }
const BETA = rp('beta')
const GAMMA = rp('gamma') // no backchannelLogoutUri
const DELTA = rp('delta') // signs in only in bob's browser

describe('Back-Channel Logout 1.0 over the core login sessions', () => {
  let server: CoreOp
  const receiver = new HeldReceiver()

  beforeAll(async () => {
    await receiver.listen()
    const registration = (client: { clientId: string; redirectUri: string }, backchannel: boolean) => ({
      clientId: client.clientId,
      clientSecret: RP_SECRET,
      redirectUris: [client.redirectUri],
      ...(backchannel ? { backchannelLogoutUri: receiver.url(`/${client.clientId}/logout`) } : {}),
    })
    server = await startCoreOp(
      [
        { ...registration(ALPHA, true), postLogoutRedirectUris: [ALPHA.postLogoutRedirectUri] },
        registration(BETA, true),
        registration(GAMMA, false),
        registration(DELTA, true),
      ],
      true,
    )
  })
  afterAll(async () => {
    await receiver.close()
    await server?.close()
  })

  it('two clients signed in through one session both get a logout token; no one else does; online families end, offline ones live', async () => {
    const [alpha, beta, gamma, delta] = await Promise.all([ALPHA, BETA, GAMMA, DELTA].map((c) => discover(server, c.clientId)))
    // Discovery announces back-channel logout with the core's sessions (and the fetcher).
    const metadata = alpha!.serverMetadata()
    expect(metadata.backchannel_logout_supported).toBe(true)
    expect(metadata.backchannel_logout_session_supported).toBe(true)

    // Alice's browser: alpha (offline_access), then beta and gamma by single sign-on, alpha once more silently.
    const browser = new CookieJar()
    const one = await signIn(browser, alpha!, ALPHA.redirectUri, 'openid offline_access', { user: ALICE })
    expect(one.pages).toEqual(['login', 'consent'])
    const two = await signIn(browser, beta!, BETA.redirectUri, 'openid')
    expect(two.pages).toEqual(['consent'])
    const three = await signIn(browser, gamma!, GAMMA.redirectUri, 'openid')
    const again = await signIn(browser, alpha!, ALPHA.redirectUri, 'openid offline_access', { prompt: 'none' })
    expect(again.pages).toEqual([])
    const sid = one.tokens.claims()!.sid
    expect(sid).toMatch(/^[A-Za-z0-9_-]+$/)
    for (const tokens of [two.tokens, three.tokens, again.tokens]) expect(tokens.claims()!.sid).toBe(sid)

    // Bob's browser, another session: delta.
    const bobs = new CookieJar()
    const four = await signIn(bobs, delta!, DELTA.redirectUri, 'openid', { user: BOB })
    expect(four.tokens.claims()!.sid).not.toBe(sid)

    // RP-Initiated Logout from alpha. The receiver holds its answers: the browser must not wait for them.
    const ended = await browser.fetch(
      openid.buildEndSessionUrl(alpha!, {
        id_token_hint: one.tokens.id_token!,
        post_logout_redirect_uri: ALPHA.postLogoutRedirectUri,
        state: 'bye',
      }),
    )
    expect(ended.status).toBe(302)
    expect(ended.location).toBe(`${ALPHA.postLogoutRedirectUri}?state=bye`)
    await receiver.until(2)
    receiver.release()
    // Anything else would have been sent with these two; give a stray delivery time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(receiver.deliveries.map((d) => d.path).sort()).toEqual(['/alpha/logout', '/beta/logout'])

    // Back-Channel Logout 1.0 sections 2.4 and 2.6: each a logout+jwt for its client, verified with the JWKS.
    const jwks = createLocalJWKSet((await (await fetch(metadata.jwks_uri!)).json()) as { keys: [] })
    const jtis = new Set<unknown>()
    for (const delivery of receiver.deliveries) {
      const clientId = delivery.path.split('/')[1]!
      const token = delivery.body.get('logout_token') ?? ''
      expect([...delivery.body.keys()]).toEqual(['logout_token'])
      expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'logout+jwt', alg: 'RS256' })
      const { payload } = await jwtVerify(token, jwks, { issuer: metadata.issuer, audience: clientId, typ: 'logout+jwt' })
      expect(Object.keys(payload).sort()).toEqual(['aud', 'events', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub'])
      expect(payload).toMatchObject({ aud: clientId, sub: ALICE.username, sid, events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } })
      expect(payload.nonce).toBeUndefined()
      expect(Number(payload.exp) - Number(payload.iat)).toBe(120)
      jtis.add(payload.jti)
    }
    expect(jtis.size).toBe(2)

    // Core 1.0 section 11: the session's families end except the offline one; bob's session is untouched.
    await expect(openid.refreshTokenGrant(beta!, two.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
    await expect(openid.refreshTokenGrant(gamma!, three.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
    expect((await openid.refreshTokenGrant(alpha!, one.tokens.refresh_token!)).access_token).toBeTruthy()
    expect((await openid.refreshTokenGrant(alpha!, again.tokens.refresh_token!)).access_token).toBeTruthy()
    expect((await openid.refreshTokenGrant(delta!, four.tokens.refresh_token!)).access_token).toBeTruthy()
    // Signed out: beta asks for the password again.
    const next = await browser.fetch(
      openid.buildAuthorizationUrl(beta!, { redirect_uri: BETA.redirectUri, scope: 'openid', nonce: openid.randomNonce() }),
    )
    expect(stageOf(next)).toBe('login')

    // Bob signs out too: delta alone is told, with bob's session.
    const bobEnded = await bobs.fetch(openid.buildEndSessionUrl(delta!, { id_token_hint: four.tokens.id_token! }))
    expect(bobEnded.status).toBe(200)
    await receiver.until(3)
    const last = receiver.deliveries[2]!
    expect(last.path).toBe('/delta/logout')
    const { payload } = await jwtVerify(last.body.get('logout_token') ?? '', jwks, { issuer: metadata.issuer, audience: DELTA.clientId })
    expect(payload).toMatchObject({ sub: BOB.username, sid: four.tokens.claims()!.sid })
  })
})
