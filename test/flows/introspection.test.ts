import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  authorizationServer,
  basicAuth,
  confidentialClient,
  confidentialTokens,
  insecure,
  refresh,
  refreshTokenOf,
} from '../helpers/oauth-client.ts'
import { startTestServer, USER, type TestServer } from '../helpers/test-server.ts'

const OTHER = { clientId: 'other-client', clientSecret: 'B'.repeat(20) + 'other-high-entropy-secret-0123456789' }
const RESOURCE_SERVER = { clientId: 'resource-server', clientSecret: 'C'.repeat(20) + 'resource-server-secret-0123456789' }

describe('RFC 7662 token introspection', () => {
  let server: TestServer
  let as: oauth.AuthorizationServer
  beforeAll(async () => {
    server = await startTestServer({
      clients: [
        { ...OTHER, redirectUris: ['https://other.example/cb'] },
        { ...RESOURCE_SERVER, grantTypes: [] },
      ],
      controller: { introspection: { mayIntrospectAll: (client) => client.clientId === RESOURCE_SERVER.clientId } },
    })
    as = { ...authorizationServer(server), introspection_endpoint: `${server.url}/introspect` }
  })
  afterAll(() => server.close())

  const introspect = async (
    token: string,
    auth = basicAuth,
    client = confidentialClient,
    hint?: string,
  ): Promise<oauth.IntrospectionResponse> => {
    const response = await oauth.introspectionRequest(as, client, auth, token, {
      ...insecure,
      ...(hint === undefined ? {} : { additionalParameters: { token_type_hint: hint } }),
    })
    expect(response.headers.get('cache-control')).toBe('no-store')
    return oauth.processIntrospectionResponse(as, client, response)
  }

  it('describes an active access token: active, scope, client_id, sub, exp, iat, token_type (2.2)', async () => {
    const tokens = await confidentialTokens(server, 'read write')
    const answer = await introspect(tokens.access_token)
    expect(answer).toMatchObject({
      active: true,
      scope: 'read write',
      client_id: 'confidential',
      sub: USER.username,
      token_type: 'Bearer',
      iss: server.issuer,
    })
    expect(typeof answer.exp).toBe('number')
    expect(answer.exp! - answer.iat!).toBe(3600)
  })

  it('describes an active refresh token, and a rotated-out one as inactive', async () => {
    const tokens = await confidentialTokens(server)
    expect(await introspect(refreshTokenOf(tokens), basicAuth, confidentialClient, 'refresh_token')).toMatchObject({
      active: true,
      client_id: 'confidential',
    })
    await refresh(server, refreshTokenOf(tokens))
    expect(await introspect(refreshTokenOf(tokens))).toEqual({ active: false })
  })

  it('answers just {"active": false} for unknown, expired and revoked tokens', async () => {
    expect(await introspect('never-issued')).toEqual({ active: false })
    const tokens = await confidentialTokens(server)
    server.clock.advance(3601)
    expect(await introspect(tokens.access_token)).toEqual({ active: false })
    server.clock.advance(-3601)
    const revoked = await confidentialTokens(server)
    const revokeResponse = await oauth.revocationRequest(
      { ...as, revocation_endpoint: `${server.url}/revoke` },
      confidentialClient,
      basicAuth,
      revoked.access_token,
      insecure,
    )
    await oauth.processRevocationResponse(revokeResponse)
    expect(await introspect(revoked.access_token)).toEqual({ active: false })
  })

  it("a client sees another client's token as inactive; a resource server allowed by the policy sees it", async () => {
    const tokens = await confidentialTokens(server)
    expect(await introspect(tokens.access_token, oauth.ClientSecretBasic(OTHER.clientSecret), { client_id: OTHER.clientId })).toEqual({
      active: false,
    })
    const seen = await introspect(tokens.access_token, oauth.ClientSecretBasic(RESOURCE_SERVER.clientSecret), {
      client_id: RESOURCE_SERVER.clientId,
    })
    expect(seen).toMatchObject({ active: true, client_id: 'confidential' })
  })

  it('requires an authenticated confidential client (2.1): public clients and wrong secrets get invalid_client', async () => {
    const tokens = await confidentialTokens(server)
    const wrong = await oauth.introspectionRequest(as, confidentialClient, oauth.ClientSecretBasic('nope'), tokens.access_token, insecure)
    expect(wrong.status).toBe(401)
    const publicAnswer = await fetch(`${server.url}/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'public-app', token: tokens.access_token }),
    })
    expect(publicAnswer.status).toBe(401)
    expect(((await publicAnswer.json()) as { error: string }).error).toBe('invalid_client')
  })
})
