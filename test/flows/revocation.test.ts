import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  accessTokenLive,
  authorizationServer,
  basicAuth,
  confidentialClient,
  confidentialTokens,
  insecure,
  noAuth,
  obtainCode,
  publicClient,
  redeemCode,
  refresh,
  refreshTokenLive,
  refreshTokenOf,
} from '../helpers/oauth-client.ts'
import { CONFIDENTIAL, PUBLIC_CLIENT, startTestServer, type TestServer } from '../helpers/test-server.ts'

const OTHER = { clientId: 'other-client', clientSecret: 'B'.repeat(20) + 'other-high-entropy-secret-0123456789' }

describe('RFC 7009 token revocation', () => {
  let server: TestServer
  let as: oauth.AuthorizationServer
  beforeAll(async () => {
    server = await startTestServer({ clients: [{ ...OTHER, redirectUris: ['https://other.example/cb'] }] })
    as = { ...authorizationServer(server), revocation_endpoint: `${server.url}/revoke` }
  })
  afterAll(() => server.close())

  const revoke = async (token: string, hint?: string, auth = basicAuth, client = confidentialClient): Promise<Response> =>
    oauth.revocationRequest(as, client, auth, token, {
      ...insecure,
      ...(hint === undefined ? {} : { additionalParameters: { token_type_hint: hint } }),
    })

  it('revokes an access token (2.1); oauth4webapi accepts the 200 answer', async () => {
    const tokens = await confidentialTokens(server)
    const response = await revoke(tokens.access_token)
    await oauth.processRevocationResponse(response)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await accessTokenLive(server, tokens.access_token)).toBe(false)
    // The refresh token of the same grant is left alone when only the access token is revoked.
    expect(await refreshTokenLive(server, refreshTokenOf(tokens))).toBe(true)
  })

  it("revoking a refresh token revokes its family's access tokens and refresh tokens", async () => {
    const tokens = await confidentialTokens(server)
    const rotated = await refresh(server, refreshTokenOf(tokens))
    await oauth.processRevocationResponse(await revoke(refreshTokenOf(rotated), 'refresh_token'))
    expect(await refreshTokenLive(server, refreshTokenOf(rotated))).toBe(false)
    expect(await accessTokenLive(server, rotated.access_token)).toBe(false)
    expect(await accessTokenLive(server, tokens.access_token)).toBe(false)
  })

  it('token_type_hint is honoured but not trusted: a wrong hint still finds the token (2.1)', async () => {
    const tokens = await confidentialTokens(server)
    await oauth.processRevocationResponse(await revoke(tokens.access_token, 'refresh_token'))
    expect(await accessTokenLive(server, tokens.access_token)).toBe(false)
    const second = await confidentialTokens(server)
    await oauth.processRevocationResponse(await revoke(refreshTokenOf(second), 'access_token'))
    expect(await refreshTokenLive(server, refreshTokenOf(second))).toBe(false)
    const third = await confidentialTokens(server)
    await oauth.processRevocationResponse(await revoke(third.access_token, 'something_else'))
    expect(await accessTokenLive(server, third.access_token)).toBe(false)
  })

  it('answers 200 for unknown and already revoked tokens (2.2)', async () => {
    const response = await revoke('never-issued-token')
    expect(response.status).toBe(200)
    const tokens = await confidentialTokens(server)
    expect((await revoke(tokens.access_token)).status).toBe(200)
    expect((await revoke(tokens.access_token)).status).toBe(200)
  })

  it("refuses another client's token with 400 invalid_request, never 401, and leaves it valid (2.1)", async () => {
    const tokens = await confidentialTokens(server)
    const other = oauth.ClientSecretBasic(OTHER.clientSecret)
    for (const [token, hint] of [
      [tokens.access_token, undefined],
      [refreshTokenOf(tokens), 'refresh_token'],
    ] as const) {
      const response = await revoke(token, hint, other, { client_id: OTHER.clientId })
      expect(response.status).toBe(400)
      expect(response.headers.get('www-authenticate')).toBeNull()
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(((await response.json()) as { error: string }).error).toBe('invalid_request')
      // oauth4webapi reads it as the RFC 7009 error it is.
      await expect(oauth.processRevocationResponse(await revoke(token, hint, other, { client_id: OTHER.clientId }))).rejects.toMatchObject({
        error: 'invalid_request',
      })
    }
    expect(await accessTokenLive(server, tokens.access_token)).toBe(true)
    expect(await refreshTokenLive(server, refreshTokenOf(tokens))).toBe(true)
  })

  it("answers a public client 200 for another client's token and revokes nothing: /revoke tells no one whether a token is live", async () => {
    const tokens = await confidentialTokens(server)
    for (const [token, hint] of [
      [tokens.access_token, undefined],
      [refreshTokenOf(tokens), 'refresh_token'],
      ['never-issued-token', undefined],
    ] as const) {
      const response = await revoke(token, hint, noAuth, publicClient)
      expect(response.status).toBe(200)
      expect(await response.text()).toBe('')
    }
    expect(await accessTokenLive(server, tokens.access_token)).toBe(true)
    expect(await refreshTokenLive(server, refreshTokenOf(tokens))).toBe(true)
  })

  it('lets a public client revoke its own tokens (RFC 7009 section 5): 200, revoked', async () => {
    const issued = await obtainCode(server, { clientId: PUBLIC_CLIENT.clientId, redirectUri: PUBLIC_CLIENT.redirectUri, pkce: true })
    const { tokens } = await redeemCode(server, publicClient, noAuth, issued, PUBLIC_CLIENT.redirectUri)
    await oauth.processRevocationResponse(await revoke(tokens.access_token, undefined, noAuth, publicClient))
    expect(await accessTokenLive(server, tokens.access_token)).toBe(false)
    await oauth.processRevocationResponse(await revoke(refreshTokenOf(tokens), 'refresh_token', noAuth, publicClient))
    expect(await refreshTokenLive(server, refreshTokenOf(tokens))).toBe(false)
  })

  it("treats another client's expired token as unknown: 200", async () => {
    const tokens = await confidentialTokens(server)
    server.clock.advance(7200)
    const response = await revoke(tokens.access_token, undefined, oauth.ClientSecretBasic(OTHER.clientSecret), {
      client_id: OTHER.clientId,
    })
    expect(response.status).toBe(200)
  })

  it('requires client authentication: a wrong secret is 401 invalid_client', async () => {
    const tokens = await confidentialTokens(server)
    const response = await revoke(tokens.access_token, undefined, oauth.ClientSecretBasic('wrong-secret'))
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /)
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client')
    expect(await accessTokenLive(server, tokens.access_token)).toBe(true)
  })

  it('rejects a missing token parameter, GET and JSON bodies with RFC errors', async () => {
    const basic = `Basic ${Buffer.from(`${CONFIDENTIAL.clientId}:${CONFIDENTIAL.clientSecret}`).toString('base64')}`
    const missing = await fetch(`${server.url}/revoke`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    })
    expect(missing.status).toBe(400)
    expect(((await missing.json()) as { error: string }).error).toBe('invalid_request')
    const get = await fetch(`${server.url}/revoke`)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    const json = await fetch(`${server.url}/revoke`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: '{"token":"x"}',
    })
    expect(json.status).toBe(400)
  })
})
