/**
 * Authorization endpoint over real HTTP: PKCE (RFC 7636 section 4.3 and 4.4.1; RFC 9700 section 2.1.1).
 * Public clients must send an S256 code_challenge; plain only when allowed; anything malformed is an
 * invalid_request redirected to the client with state and iss.
 */
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashToken } from '../../src/tokens/hash.ts'
import { authorizationServer, authorizeUrl, openLoginPage, pkcePair, request, responseParams, submitForm } from '../helpers/browser.ts'
import { CONFIDENTIAL, PUBLIC_CLIENT, startTestServer, type TestServer } from '../helpers/test-server.ts'

const STRICT_CONFIDENTIAL = { clientId: 'strict-confidential', secret: 'S'.repeat(43), redirectUri: 'https://strict.example/cb' } as const
const VALID_S256 = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
const PLAIN = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'

const servers: TestServer[] = []
let server: TestServer
let plainServer: TestServer
let strictServer: TestServer

beforeAll(async () => {
  const clients = [
    {
      clientId: STRICT_CONFIDENTIAL.clientId,
      clientSecret: STRICT_CONFIDENTIAL.secret,
      redirectUris: [STRICT_CONFIDENTIAL.redirectUri],
      requirePkce: true,
    },
  ]
  server = await startTestServer({ clients })
  plainServer = await startTestServer({ clients, code: { pkce: { allowPlain: true } } })
  strictServer = await startTestServer({ clients, code: { pkce: { requireForAllClients: true } } })
  servers.push(server, plainServer, strictServer)
})
afterAll(async () => {
  for (const s of servers) await s.close()
})

const publicUrl = (on: TestServer, extra: Record<string, string>): string =>
  authorizeUrl(on.url, {
    response_type: 'code',
    client_id: PUBLIC_CLIENT.clientId,
    redirect_uri: PUBLIC_CLIENT.redirectUri,
    state: 'pk',
    ...extra,
  })
const confidentialUrl = (on: TestServer, extra: Record<string, string>): string =>
  authorizeUrl(on.url, {
    response_type: 'code',
    client_id: CONFIDENTIAL.clientId,
    redirect_uri: CONFIDENTIAL.redirectUri,
    state: 'pk',
    ...extra,
  })

/** Asserts a 302 invalid_request redirect to `redirectUri` with state pk and iss of `on`. */
async function expectInvalidRequest(on: TestServer, url: string, redirectUri: string = PUBLIC_CLIENT.redirectUri): Promise<void> {
  const codes = on.tokenStore.size.codes
  const result = await request(url)
  expect(result.status).toBe(302)
  const params = responseParams(result.location, redirectUri)
  expect(params.get('error')).toBe('invalid_request')
  expect(params.get('state')).toBe('pk')
  expect(params.get('iss')).toBe(on.issuer)
  expect(on.tokenStore.size.codes).toBe(codes)
}

/** Asserts the login page is shown (the request passed validation). */
async function expectLoginPage(url: string): Promise<void> {
  const result = await request(url)
  expect(result.status).toBe(200)
  expect(result.location).toBeUndefined()
  expect(result.body).toContain('name="csrf_token"')
}

describe('RFC 7636 section 4.4.1 / RFC 9700 section 2.1.1: PKCE at the authorization endpoint', () => {
  it('a public client without code_challenge → invalid_request redirect', async () => {
    await expectInvalidRequest(server, publicUrl(server, {}))
  })

  it('a public client with an S256 challenge is shown the login page and the code keeps the challenge', async () => {
    const { challenge } = pkcePair()
    const url = publicUrl(server, { code_challenge: challenge, code_challenge_method: 'S256' })
    await expectLoginPage(url)
    const result = await submitForm(await openLoginPage(url))
    const code = responseParams(result.location, PUBLIC_CLIENT.redirectUri).get('code') ?? ''
    const record = await server.tokenStore.fetchByCode(hashToken(code))
    expect(record?.codeChallenge).toBe(challenge)
    expect(record?.codeChallengeMethod).toBe('S256')
  })

  it('RFC 7636 section 4.4.1: code_challenge_method=plain → invalid_request by default', async () => {
    await expectInvalidRequest(server, publicUrl(server, { code_challenge: PLAIN, code_challenge_method: 'plain' }))
  })

  it('RFC 7636 section 4.3: a missing code_challenge_method means plain → invalid_request by default', async () => {
    await expectInvalidRequest(server, publicUrl(server, { code_challenge: VALID_S256 }))
  })

  it('with pkce.allowPlain, plain is accepted and the code redeems with verifier = challenge (oauth4webapi)', async () => {
    const as = authorizationServer(plainServer)
    const client: oauth.Client = { client_id: PUBLIC_CLIENT.clientId, token_endpoint_auth_method: 'none' }
    const url = publicUrl(plainServer, { code_challenge: PLAIN, code_challenge_method: 'plain' })
    await expectLoginPage(url)
    const result = await submitForm(await openLoginPage(url))
    const callback = oauth.validateAuthResponse(as, client, new URL(result.location ?? ''), 'pk')
    const record = await plainServer.tokenStore.fetchByCode(hashToken(callback.get('code') ?? ''))
    expect(record?.codeChallengeMethod).toBe('plain')
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, PUBLIC_CLIENT.redirectUri, PLAIN, {
      [oauth.allowInsecureRequests]: true,
    })
    expect((await oauth.processAuthorizationCodeResponse(as, client, response)).token_type).toBe('bearer')
  })

  it('with pkce.allowPlain, a missing method means plain: stored as plain, so the S256 verifier of the same value fails', async () => {
    const { verifier, challenge } = pkcePair()
    const url = publicUrl(plainServer, { code_challenge: challenge })
    await expectLoginPage(url)
    const result = await submitForm(await openLoginPage(url))
    const code = responseParams(result.location, PUBLIC_CLIENT.redirectUri).get('code') ?? ''
    const record = await plainServer.tokenStore.fetchByCode(hashToken(code))
    expect(record?.codeChallengeMethod).toBe('plain')
    expect(record?.codeChallenge).toBe(challenge)
    const as = authorizationServer(plainServer)
    const client: oauth.Client = { client_id: PUBLIC_CLIENT.clientId, token_endpoint_auth_method: 'none' }
    const callback = oauth.validateAuthResponse(as, client, new URL(result.location ?? ''), 'pk')
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, PUBLIC_CLIENT.redirectUri, verifier, {
      [oauth.allowInsecureRequests]: true,
    })
    await expect(oauth.processAuthorizationCodeResponse(as, client, response)).rejects.toThrow()
  })

  it('code_challenge_method without code_challenge → invalid_request (public and confidential clients)', async () => {
    await expectInvalidRequest(server, publicUrl(server, { code_challenge_method: 'S256' }))
    await expectInvalidRequest(server, confidentialUrl(server, { code_challenge_method: 'S256' }), CONFIDENTIAL.redirectUri)
  })

  it('RFC 7636 section 4.4.1: an unsupported transformation (S512, s256, empty) → invalid_request', async () => {
    for (const method of ['S512', 's256', 'sha256', '', 'S256 ']) {
      await expectInvalidRequest(server, publicUrl(server, { code_challenge: VALID_S256, code_challenge_method: method }))
    }
  })

  const malformedS256: readonly (readonly [string, string])[] = [
    ['empty', ''],
    ['42 characters (too short)', VALID_S256.slice(0, 42)],
    ['44 characters (too long for a SHA-256)', `${VALID_S256}A`],
    ['base64 with padding', `${VALID_S256}=`],
    ['standard base64 characters + and /', `${VALID_S256.slice(0, 41)}+/`],
    ['a space', `${VALID_S256.slice(0, 42)} `],
    ['a percent sign', `${VALID_S256.slice(0, 42)}%`],
    ['non-ASCII', `${VALID_S256.slice(0, 42)}é`],
    ['a NUL', `${VALID_S256.slice(0, 42)}\u0000`],
  ]
  for (const [name, challenge] of malformedS256) {
    it(`RFC 7636 section 4.2: a malformed S256 code_challenge (${name}) → invalid_request`, async () => {
      await expectInvalidRequest(server, publicUrl(server, { code_challenge: challenge, code_challenge_method: 'S256' }))
    })
  }

  it('RFC 7636 section 4.1: a malformed plain code_challenge (42 or 129 characters, bad characters) → invalid_request even with allowPlain', async () => {
    for (const challenge of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}+`, `${'a'.repeat(42)}=`]) {
      await expectInvalidRequest(plainServer, publicUrl(plainServer, { code_challenge: challenge, code_challenge_method: 'plain' }))
    }
  })

  it('RFC 7636 section 4.1: plain accepts the whole unreserved alphabet from 43 to 128 characters with allowPlain', async () => {
    for (const challenge of ['A-._~z09'.padEnd(43, 'x'), 'y'.repeat(128)]) {
      await expectLoginPage(publicUrl(plainServer, { code_challenge: challenge, code_challenge_method: 'plain' }))
    }
  })

  it('a confidential client needs no PKCE by default, but its challenge is validated when sent', async () => {
    await expectLoginPage(confidentialUrl(server, {}))
    await expectLoginPage(confidentialUrl(server, { code_challenge: VALID_S256, code_challenge_method: 'S256' }))
    await expectInvalidRequest(
      server,
      confidentialUrl(server, { code_challenge: 'short', code_challenge_method: 'S256' }),
      CONFIDENTIAL.redirectUri,
    )
    await expectInvalidRequest(
      server,
      confidentialUrl(server, { code_challenge: PLAIN, code_challenge_method: 'plain' }),
      CONFIDENTIAL.redirectUri,
    )
  })

  it('pkce.requireForAllClients: the confidential client without code_challenge → invalid_request; with S256 → login page', async () => {
    await expectInvalidRequest(strictServer, confidentialUrl(strictServer, {}), CONFIDENTIAL.redirectUri)
    await expectLoginPage(confidentialUrl(strictServer, { code_challenge: VALID_S256, code_challenge_method: 'S256' }))
  })

  it('a confidential client registered with requirePkce needs it too', async () => {
    const url = (extra: Record<string, string>): string =>
      authorizeUrl(server.url, {
        response_type: 'code',
        client_id: STRICT_CONFIDENTIAL.clientId,
        redirect_uri: STRICT_CONFIDENTIAL.redirectUri,
        state: 'pk',
        ...extra,
      })
    await expectInvalidRequest(server, url({}), STRICT_CONFIDENTIAL.redirectUri)
    await expectLoginPage(url({ code_challenge: VALID_S256, code_challenge_method: 'S256' }))
  })

  it('PKCE errors of a POST decision are redirected too (303), and no code is issued', async () => {
    const { challenge } = pkcePair()
    const page = await openLoginPage(publicUrl(server, { code_challenge: challenge, code_challenge_method: 'S256' }))
    const codes = server.tokenStore.size.codes
    const target = publicUrl(server, { code_challenge: challenge.slice(0, 42), code_challenge_method: 'S256' })
    const result = await submitForm(page, { action: 'approve', username: 'alice', password: 'wonderland', target })
    expect(result.status).toBe(303)
    expect(responseParams(result.location, PUBLIC_CLIENT.redirectUri).get('error')).toBe('invalid_request')
    expect(server.tokenStore.size.codes).toBe(codes)
  })
})
