import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  authorizationServer,
  basicAuth,
  CONFIDENTIAL_BASIC,
  confidentialClient,
  expectTokenError,
  insecure,
  noAuth,
  publicClient,
  refresh,
  refreshTokenOf,
} from '../helpers/oauth-client.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import { postToken, startTestServer, USER, type TestServer } from '../helpers/test-server.ts'

describe('RFC 6749 4.3 resource owner password credentials grant', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  async function passwordGrant(client: oauth.Client, auth: oauth.ClientAuth, parameters: Record<string, string>) {
    const as = authorizationServer(server)
    const response = await oauth.genericTokenEndpointRequest(as, client, auth, 'password', parameters, insecure)
    const headers = response.headers
    return { status: response.status, headers, tokens: await oauth.processGenericTokenEndpointResponse(as, client, response) }
  }

  it('issues an access token and a refresh token for the right credentials', async () => {
    const { status, headers, tokens } = await passwordGrant(confidentialClient, basicAuth, { ...USER, scope: 'read profile' })
    expect(status).toBe(200)
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.scope).toBe('read profile')
    expect(headers.get('cache-control')).toBe('no-store')
    expect(headers.get('pragma')).toBe('no-cache')
    const record = await server.tokenStore.fetchByToken(hashToken(tokens.access_token))
    expect(record?.userId).toBe(USER.username)
    expect(record?.grantType).toBe('password')
    // The refresh token works (4.3.3 allows one).
    const refreshed = await refresh(server, refreshTokenOf(tokens))
    expect(refreshed.scope).toBe('read profile')
  })

  it('grants the default scope when scope is omitted', async () => {
    const { tokens } = await passwordGrant(confidentialClient, basicAuth, { ...USER })
    expect(tokens.scope).toBe('read')
  })

  it('serves the public client too (auth none)', async () => {
    const { tokens } = await passwordGrant(publicClient, noAuth, { ...USER })
    expect(typeof tokens.access_token).toBe('string')
  })

  it('refuses a wrong password with invalid_grant', async () => {
    const answer = await postToken(
      server.url,
      { grant_type: 'password', username: USER.username, password: 'not-the-password' },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(answer, 400, 'invalid_grant')
    expect(answer.json.access_token).toBeUndefined()
  })

  it('refuses an unknown user with invalid_grant', async () => {
    const answer = await postToken(
      server.url,
      { grant_type: 'password', username: 'mallory', password: USER.password },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(answer, 400, 'invalid_grant')
  })

  it('refuses a request without username with invalid_request', async () => {
    const answer = await postToken(server.url, { grant_type: 'password', password: USER.password }, { basic: CONFIDENTIAL_BASIC })
    expectTokenError(answer, 400, 'invalid_request')
  })

  it('refuses a request without password with invalid_request', async () => {
    const answer = await postToken(server.url, { grant_type: 'password', username: USER.username }, { basic: CONFIDENTIAL_BASIC })
    expectTokenError(answer, 400, 'invalid_request')
  })

  it('refuses an unknown scope with invalid_scope', async () => {
    const answer = await postToken(server.url, { grant_type: 'password', ...USER, scope: 'admin' }, { basic: CONFIDENTIAL_BASIC })
    expectTokenError(answer, 400, 'invalid_scope')
  })
})
