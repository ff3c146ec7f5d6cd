/**
 * OpenID Connect Core 1.0 and Discovery 1.0 over real HTTP, once per adapter: ID tokens checked by
 * openid-client 6 (against the JWKS), oauth4webapi's OIDC functions and jose; userinfo; discovery; CORS.
 */
import { createHash } from 'node:crypto'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import * as oauth from 'oauth4webapi'
import * as openid from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALICE_CLAIMS, codeFor, OTHER_RP, RP, RP_EDDSA, RP_ES256, startOidcServer, type OidcTestServer } from '../helpers/oidc-server.ts'
import { postToken } from '../helpers/test-server.ts'

const basic = (clientId: string): { basic: [string, string] } => ({ basic: [clientId, RP.clientSecret] })

describe('OpenID Connect provider', () => {
  let server: OidcTestServer
  beforeAll(async () => {
    server = await startOidcServer()
  })
  afterAll(() => server.close())

  async function exchange(client: { clientId: string; redirectUri: string }, params: Record<string, string>) {
    const code = await codeFor(server, client, params)
    return postToken(server.url, { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri }, basic(client.clientId))
  }

  async function verify(idToken: string, clientId: string) {
    const keys = createLocalJWKSet((await (await fetch(`${server.url}/jwks`)).json()) as { keys: [] })
    return jwtVerify(idToken, keys, { issuer: server.issuer, audience: clientId })
  }

  it('Core 3.1: openid-client 6 discovers, runs the code flow with PKCE and nonce, validates the ID token and reads userinfo', async () => {
    const config = await openid.discovery(new URL(server.issuer), RP.clientId, RP.clientSecret, undefined, {
      execute: [openid.allowInsecureRequests],
    })
    const verifier = openid.randomPKCECodeVerifier()
    const nonce = openid.randomNonce()
    const state = openid.randomState()
    const url = openid.buildAuthorizationUrl(config, {
      redirect_uri: RP.redirectUri,
      scope: 'openid profile email',
      code_challenge: await openid.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
    })
    const { authorizeInBrowser } = await import('../helpers/test-server.ts')
    const result = await authorizeInBrowser(url.href)
    const tokens = await openid.authorizationCodeGrant(config, new URL(result.location ?? ''), {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
      idTokenExpected: true,
    })
    const claims = tokens.claims()
    expect(claims?.sub).toBe('alice')
    expect(claims?.nonce).toBe(nonce)
    expect(claims?.aud).toBe(RP.clientId)
    const userinfo = await openid.fetchUserInfo(config, tokens.access_token, 'alice')
    // Core 5.4: profile and email claims, nothing the scopes do not cover, and our own sub.
    expect(userinfo).toEqual({ sub: 'alice', name: 'Alice Liddell', given_name: 'Alice', email: 'alice@example.com', email_verified: true })
  })

  it('Core 2 and 3.1.3.6: the ID token holds iss, sub, aud, exp, iat, auth_time, nonce, at_hash (SHA-256 for RS256), RS256 by default', async () => {
    const token = await exchange(RP, { scope: 'openid', nonce: 'n-0S6_WzA2Mj' })
    expect(token.status).toBe(200)
    const idToken = String(token.json.id_token)
    expect(decodeProtectedHeader(idToken)).toMatchObject({ alg: 'RS256', kid: 'test-rs256' })
    expect(decodeProtectedHeader(idToken).typ).toBeUndefined()
    const { payload } = await verify(idToken, RP.clientId)
    const now = Math.floor(server.clock.ms / 1000)
    const digest = createHash('sha256').update(String(token.json.access_token)).digest()
    expect(payload).toEqual({
      iss: server.issuer,
      sub: 'alice',
      aud: RP.clientId,
      iat: now,
      exp: now + 3600,
      // No login time from the site adapter: the code's issue time (docs/openid-connect.md).
      auth_time: now,
      nonce: 'n-0S6_WzA2Mj',
      at_hash: digest.subarray(0, 16).toString('base64url'),
    })
  })

  it('id_token_signed_response_alg: ES256 (at_hash SHA-256) and EdDSA (at_hash SHA-512) per client', async () => {
    for (const [client, alg, hash, half] of [
      [RP_ES256, 'ES256', 'sha256', 16],
      [RP_EDDSA, 'EdDSA', 'sha512', 32],
    ] as const) {
      const token = await exchange(client, { scope: 'openid' })
      const idToken = String(token.json.id_token)
      expect(decodeProtectedHeader(idToken).alg).toBe(alg)
      const { payload } = await verify(idToken, client.clientId)
      expect(payload.at_hash).toBe(
        createHash(hash).update(String(token.json.access_token)).digest().subarray(0, half).toString('base64url'),
      )
      expect(payload.nonce).toBeUndefined()
    }
  })

  it('oauth4webapi: processAuthorizationCodeResponse with expectedNonce and processUserInfoResponse; a wrong nonce is refused', async () => {
    const as = await oauth.processDiscoveryResponse(
      new URL(server.issuer),
      await oauth.discoveryRequest(new URL(server.issuer), { algorithm: 'oidc', [oauth.allowInsecureRequests]: true }),
    )
    const client: oauth.Client = { client_id: RP_ES256.clientId, id_token_signed_response_alg: 'ES256' }
    const auth = oauth.ClientSecretBasic(RP.clientSecret)
    const options = { [oauth.allowInsecureRequests]: true }
    const nonce = oauth.generateRandomNonce()
    const verifier = oauth.generateRandomCodeVerifier()
    const run = async (): Promise<Response> => {
      const code = await codeFor(server, RP_ES256, {
        scope: 'openid phone',
        nonce,
        state: 's',
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      })
      const params = oauth.validateAuthResponse(as, client, new URLSearchParams({ code, state: 's', iss: server.issuer }), 's')
      return oauth.authorizationCodeGrantRequest(as, client, auth, params, RP_ES256.redirectUri, verifier, options)
    }
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await run(), { expectedNonce: nonce, requireIdToken: true })
    const claims = oauth.getValidatedIdTokenClaims(tokens)
    expect(claims?.nonce).toBe(nonce)
    const info = await oauth.processUserInfoResponse(
      as,
      client,
      'alice',
      await oauth.userInfoRequest(as, client, tokens.access_token, options),
    )
    expect(info).toEqual({ sub: 'alice', phone_number: '+44 20 7946 0000' })
    await expect(
      oauth.processAuthorizationCodeResponse(as, client, await run(), { expectedNonce: 'another-nonce', requireIdToken: true }),
    ).rejects.toThrow(/nonce/)
  })

  it('Core 12.2: a refresh returns a new ID token for the same sub, aud and auth_time, without nonce', async () => {
    const first = await exchange(RP, { scope: 'openid offline_access', nonce: 'n1' })
    const before = (await verify(String(first.json.id_token), RP.clientId)).payload
    server.clock.advance(60)
    const refreshed = await postToken(
      server.url,
      { grant_type: 'refresh_token', refresh_token: String(first.json.refresh_token) },
      basic(RP.clientId),
    )
    expect(refreshed.status).toBe(200)
    const after = (await verify(String(refreshed.json.id_token), RP.clientId)).payload
    expect(after).toMatchObject({ sub: 'alice', aud: RP.clientId, auth_time: before.auth_time, iat: Number(before.iat) + 60 })
    expect(after.nonce).toBeUndefined()
    server.clock.ms = Date.now()
  })

  it('no ID token without openid; openid alone releases sub alone at userinfo', async () => {
    const plain = await exchange(RP, { scope: 'read' })
    expect(plain.json.id_token).toBeUndefined()
    const onlyOpenid = await exchange(RP, { scope: 'openid' })
    const info = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${String(onlyOpenid.json.access_token)}` } })
    expect(info.status).toBe(200)
    expect(info.headers.get('cache-control')).toBe('no-store')
    expect(await info.json()).toEqual({ sub: 'alice' })
  })

  it('userinfo: POST with a form token; RFC 6750 errors for no token, two tokens, a bad token, a token without openid, a client token', async () => {
    const token = String((await exchange(RP, { scope: 'openid email' })).json.access_token)
    const posted = await fetch(`${server.url}/userinfo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: token }),
    })
    expect(await posted.json()).toEqual({ sub: 'alice', email: ALICE_CLAIMS.email, email_verified: true })

    const none = await fetch(`${server.url}/userinfo`)
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe(`Bearer realm="${server.issuer}"`)
    const both = await fetch(`${server.url}/userinfo`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: token }),
    })
    expect(both.status).toBe(400)
    const bad = await fetch(`${server.url}/userinfo`, { headers: { authorization: 'Bearer nope' } })
    expect(bad.status).toBe(401)
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"')

    const read = String((await exchange(RP, { scope: 'read' })).json.access_token)
    const noOpenid = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${read}` } })
    expect(noOpenid.status).toBe(403)
    expect(noOpenid.headers.get('www-authenticate')).toContain('error="insufficient_scope"')

    const cc = await postToken(server.url, { grant_type: 'client_credentials', scope: 'openid' }, basic(RP.clientId))
    expect(cc.status).toBe(200)
    const client = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${String(cc.json.access_token)}` } })
    expect(client.status).toBe(401)
    expect(client.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(await client.json()).toMatchObject({ error: 'invalid_token' })
  })

  it('Discovery 4: the document at {issuer}/.well-known/openid-configuration is the RFC 8414 metadata, with the OIDC fields', async () => {
    const response = await fetch(`${server.issuer}/.well-known/openid-configuration`)
    expect(response.status).toBe(200)
    const document = (await response.json()) as Record<string, unknown>
    expect(document).toEqual(JSON.parse(JSON.stringify(server.controller.metadata)))
    expect(document).toMatchObject({
      issuer: server.issuer,
      userinfo_endpoint: `${server.issuer}/userinfo`,
      end_session_endpoint: `${server.issuer}/end_session`,
      jwks_uri: `${server.issuer}/jwks`,
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
      code_challenge_methods_supported: ['S256'],
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    })
    expect(document.scopes_supported).toContain('openid')
    expect(document.response_types_supported).toContain('code')
    expect(document.claims_supported).toEqual(expect.arrayContaining(['sub', 'auth_time', 'nonce', 'email', 'phone_number']))
    const jwks = (await (await fetch(String(document.jwks_uri))).json()) as { keys: { d?: string }[] }
    expect(jwks.keys).toHaveLength(3)
    for (const key of jwks.keys) expect(key.d).toBeUndefined()
  })

  it('CORS: per client on /token and /userinfo, any origin for preflights, never on /authorize', async () => {
    const preflight = await fetch(`${server.url}/token`, {
      method: 'OPTIONS',
      headers: { origin: RP.origin, 'access-control-request-method': 'POST' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(RP.origin)
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull()
    const code = await codeFor(server, RP, { scope: 'openid' })
    const token = await postToken(
      server.url,
      { grant_type: 'authorization_code', code, redirect_uri: RP.redirectUri },
      { ...basic(RP.clientId), headers: { origin: RP.origin } },
    )
    expect(token.status).toBe(200)
    expect(token.headers.get('access-control-allow-origin')).toBe(RP.origin)
    const userinfo = await fetch(`${server.url}/userinfo`, {
      headers: { authorization: `Bearer ${String(token.json.access_token)}`, origin: RP.origin },
    })
    expect(userinfo.headers.get('access-control-allow-origin')).toBe(RP.origin)
    const foreign = await postToken(
      server.url,
      { grant_type: 'client_credentials' },
      { ...basic(OTHER_RP.clientId), headers: { origin: RP.origin } },
    )
    expect(foreign.status).toBe(200)
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
    const authorize = await fetch(`${server.url}/authorize?client_id=${RP.clientId}`, {
      headers: { origin: RP.origin },
      redirect: 'manual',
    })
    expect(authorize.headers.get('access-control-allow-origin')).toBeNull()
  })
})
