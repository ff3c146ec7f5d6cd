import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authorizeInBrowser, CONFIDENTIAL, postToken, startTestServer, type TestServer } from '../helpers/test-server.ts'

describe('authorization code flow over real HTTP (smoke)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  it('issues a code after login and consent, and exchanges it once', async () => {
    const url = new URL(`${server.url}/authorize`)
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: CONFIDENTIAL.redirectUri,
      state: 's1',
    }).toString()
    const result = await authorizeInBrowser(url.toString())
    expect(result.status).toBe(302 + 1)
    expect(result.params?.get('state')).toBe('s1')
    expect(result.params?.get('iss')).toBe(server.issuer)
    const code = result.params?.get('code') ?? ''
    const token = await postToken(
      server.url,
      { grant_type: 'authorization_code', code, redirect_uri: CONFIDENTIAL.redirectUri },
      { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret] },
    )
    expect(token.status).toBe(200)
    expect(token.json.token_type).toBe('Bearer')
    expect(token.headers.get('cache-control')).toBe('no-store')
  })
})
