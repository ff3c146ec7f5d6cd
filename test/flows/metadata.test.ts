import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insecure } from '../helpers/oauth-client.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

describe('RFC 8414 authorization server metadata', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  it('is discovered by oauth4webapi at the RFC 8414 location and describes the real configuration', async () => {
    const issuer = new URL(server.issuer)
    const response = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure })
    const as = await oauth.processDiscoveryResponse(issuer, response)
    expect(as.issuer).toBe(server.issuer)
    expect(as.authorization_endpoint).toBe(`${server.url}/authorize`)
    expect(as.token_endpoint).toBe(`${server.url}/token`)
    expect(as.revocation_endpoint).toBe(`${server.url}/revoke`)
    expect(as.introspection_endpoint).toBe(`${server.url}/introspect`)
    expect(new Set(as.grant_types_supported)).toEqual(new Set(['authorization_code', 'password', 'client_credentials', 'refresh_token']))
    expect(new Set(as.response_types_supported)).toEqual(new Set(['code', 'token']))
    expect(as.code_challenge_methods_supported).toEqual(['S256'])
    expect(as.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'none'])
    expect(as.scopes_supported).toEqual(['read', 'write', 'profile'])
    expect(as.authorization_response_iss_parameter_supported).toBe(true)
  })

  it('follows the configuration: no implicit grant, plain PKCE allowed', async () => {
    const other = await startTestServer({ implicit: false, password: false, code: { pkce: { allowPlain: true } } })
    try {
      const issuer = new URL(other.issuer)
      const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
      expect(as.response_types_supported).toEqual(['code'])
      expect(as.response_modes_supported).toEqual(['query'])
      expect(as.grant_types_supported).not.toContain('password')
      expect(as.code_challenge_methods_supported).toEqual(['S256', 'plain'])
    } finally {
      await other.close()
    }
  })

  it('is also served under the mount point, and only for GET', async () => {
    const response = await fetch(`${server.url}/.well-known/oauth-authorization-server`)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { issuer: string }).issuer).toBe(server.issuer)
    const post = await fetch(`${server.url}/.well-known/oauth-authorization-server`, { method: 'POST' })
    expect(post.status).toBe(405)
  })
})
