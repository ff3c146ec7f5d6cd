import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  accessTokenLive,
  authorizationServer,
  basicAuth,
  CONFIDENTIAL_BASIC,
  confidentialClient,
  expectTokenError,
  insecure,
  postAuth,
} from '../helpers/oauth-client.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import { CONFIDENTIAL, postToken, PUBLIC_CLIENT, startTestServer, type TestServer } from '../helpers/test-server.ts'

const SCOPED = {
  clientId: 'scoped-service',
  clientSecret: 'D'.repeat(20) + 'scoped-service-high-entropy-secret-42',
} as const

describe('RFC 6749 4.4 client credentials grant', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ clients: [{ clientId: SCOPED.clientId, clientSecret: SCOPED.clientSecret, scopes: ['profile'] }] })
  })
  afterAll(() => server.close())

  async function clientCredentials(auth: oauth.ClientAuth, parameters: Record<string, string>) {
    const as = authorizationServer(server)
    const response = await oauth.clientCredentialsGrantRequest(as, confidentialClient, auth, parameters, insecure)
    const headers = response.headers
    return { status: response.status, headers, tokens: await oauth.processClientCredentialsResponse(as, confidentialClient, response) }
  }

  it('issues an access token to the confidential client (Basic), without a refresh token (4.4.3)', async () => {
    const { status, headers, tokens } = await clientCredentials(basicAuth, { scope: 'read write' })
    expect(status).toBe(200)
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.scope).toBe('read write')
    expect(tokens.expires_in).toBe(3600)
    expect(tokens.refresh_token).toBeUndefined()
    expect(headers.get('cache-control')).toBe('no-store')
    expect(headers.get('pragma')).toBe('no-cache')
    const record = await server.tokenStore.fetchByToken(hashToken(tokens.access_token))
    expect(record?.clientId).toBe(CONFIDENTIAL.clientId)
    expect(record?.userId).toBeUndefined()
    expect(record?.grantType).toBe('client_credentials')
  })

  it('issues an access token to the confidential client authenticated with client_secret_post', async () => {
    const { tokens } = await clientCredentials(postAuth, { scope: 'profile' })
    expect(tokens.scope).toBe('profile')
    expect(tokens.refresh_token).toBeUndefined()
    expect(await accessTokenLive(server, tokens.access_token)).toBe(true)
  })

  it('grants the default scope when scope is omitted (3.3)', async () => {
    const { tokens } = await clientCredentials(basicAuth, {})
    expect(tokens.scope).toBe('read')
  })

  it('refuses an unknown scope with invalid_scope', async () => {
    const answer = await postToken(server.url, { grant_type: 'client_credentials', scope: 'read admin' }, { basic: CONFIDENTIAL_BASIC })
    expectTokenError(answer, 400, 'invalid_scope')
  })

  it("refuses a scope outside the client's registered scopes with invalid_scope", async () => {
    const answer = await postToken(
      server.url,
      { grant_type: 'client_credentials', scope: 'read' },
      { basic: [SCOPED.clientId, SCOPED.clientSecret] },
    )
    expectTokenError(answer, 400, 'invalid_scope')
    const allowed = await postToken(
      server.url,
      { grant_type: 'client_credentials', scope: 'profile' },
      { basic: [SCOPED.clientId, SCOPED.clientSecret] },
    )
    expect(allowed.status).toBe(200)
    expect(allowed.json.scope).toBe('profile')
  })

  it('refuses the public client with unauthorized_client (the client MUST authenticate)', async () => {
    const answer = await postToken(server.url, { grant_type: 'client_credentials', client_id: PUBLIC_CLIENT.clientId })
    expectTokenError(answer, 400, 'unauthorized_client')
    expect(answer.json.access_token).toBeUndefined()
  })

  it('refuses an unauthenticated request with 401 invalid_client', async () => {
    const answer = await postToken(server.url, { grant_type: 'client_credentials' })
    expectTokenError(answer, 401, 'invalid_client')
    expect(answer.headers.get('www-authenticate')).toMatch(/^Basic\b/)
  })
})
