/**
 * RFC 9068 JWT access tokens through every adapter: issued by the token endpoint, published keys at the
 * JWKS endpoint, verified independently by jose and by oauth4webapi's resource-server validation, and by
 * oauth2-stack's own verifier; revocation and key rotation.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTokenVerifier } from '../../src/resource/index.ts'
import { JwtTokenGenerator } from '../../src/tokens/index.ts'
import { basicAuth, confidentialClient, confidentialTokens, insecure } from '../helpers/oauth-client.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

describe('RFC 9068 JWT access tokens', () => {
  let server: TestServer
  let generator: JwtTokenGenerator
  let as: oauth.AuthorizationServer

  beforeAll(async () => {
    const key = await JwtTokenGenerator.generateKey('ES256', 'key-1')
    server = await startTestServer({
      controller: (issuer) => {
        generator = new JwtTokenGenerator({ issuer, audience: 'https://api.example', keys: [key], clock: () => server.clock.now() })
        return { tokenGenerator: generator }
      },
    })
    const issuer = new URL(server.issuer)
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
  })
  afterAll(() => server.close())

  const clientCredentials = async (scope = 'read'): Promise<string> => {
    const response = await oauth.clientCredentialsGrantRequest(as, confidentialClient, basicAuth, new URLSearchParams({ scope }), insecure)
    return (await oauth.processClientCredentialsResponse(as, confidentialClient, response)).access_token
  }

  it('publishes jwks_uri in the metadata and the public key at the JWKS endpoint', async () => {
    expect(as.jwks_uri).toBe(`${server.url}/jwks`)
    const jwks = (await (await fetch(as.jwks_uri!)).json()) as { keys: { kid: string; alg: string; d?: string }[] }
    expect(jwks.keys.map((key) => key.kid)).toEqual(['key-1'])
    expect(jwks.keys[0]?.alg).toBe('ES256')
    expect(jwks.keys[0]?.d).toBeUndefined()
  })

  it('issues an at+jwt that jose verifies with the published keys, with the RFC 9068 claims', async () => {
    const token = await clientCredentials('read write')
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256', kid: 'key-1' })
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(as.jwks_uri!)), {
      issuer: server.issuer,
      audience: 'https://api.example',
      typ: 'at+jwt',
      currentDate: new Date(server.clock.now()),
    })
    expect(payload).toMatchObject({
      iss: server.issuer,
      aud: 'https://api.example',
      sub: 'confidential',
      client_id: 'confidential',
      scope: 'read write',
    })
    expect(payload.exp! - payload.iat!).toBe(3600)
    expect(typeof payload.jti).toBe('string')
  })

  it('passes oauth4webapi validateJwtAccessToken (the strict resource-server check)', async () => {
    const tokens = await confidentialTokens(server, 'read')
    const request = new Request('https://api.example/resource', { headers: { authorization: `Bearer ${tokens.access_token}` } })
    const claims = await oauth.validateJwtAccessToken(as, request, 'https://api.example', {
      ...insecure,
      [oauth.clockSkew]: Math.round((server.clock.now() - Date.now()) / 1000),
    })
    expect(claims.client_id).toBe('confidential')
    expect(claims.sub).toBe('alice')
  })

  it("oauth2-stack's verifier accepts it, checks scopes, and refuses it once revoked", async () => {
    const verify = createTokenVerifier({
      issuer: server.issuer,
      audience: 'https://api.example',
      jwks: new URL(as.jwks_uri!),
      store: server.tokenStore,
      clock: server.clock.now,
    })
    const token = await clientCredentials('read')
    expect(await verify(token, ['read'])).toMatchObject({ format: 'jwt', clientId: 'confidential', scopes: ['read'] })
    await expect(verify(token, ['write'])).rejects.toMatchObject({ error: 'insufficient_scope', status: 403 })
    const revoke = await oauth.revocationRequest(as, confidentialClient, basicAuth, token, insecure)
    await oauth.processRevocationResponse(revoke)
    await expect(verify(token)).rejects.toMatchObject({ error: 'invalid_token', status: 401 })
    const other = createTokenVerifier({
      issuer: server.issuer,
      audience: 'https://other.example',
      jwks: new URL(as.jwks_uri!),
      clock: server.clock.now,
    })
    await expect(other(await clientCredentials('read'))).rejects.toMatchObject({ error: 'invalid_token' })
  })

  it('introspection works for JWT access tokens as for opaque ones', async () => {
    const token = await clientCredentials('read')
    const response = await oauth.introspectionRequest(as, confidentialClient, basicAuth, token, insecure)
    expect(await oauth.processIntrospectionResponse(as, confidentialClient, response)).toMatchObject({ active: true, scope: 'read' })
  })

  it('rotates keys with an overlap: old tokens keep verifying until the old key retires', async () => {
    const before = await clientCredentials('read')
    generator.rotate(await JwtTokenGenerator.generateKey('EdDSA', 'key-2'), 3600)
    const after = await clientCredentials('read')
    expect(decodeProtectedHeader(after)).toMatchObject({ alg: 'EdDSA', kid: 'key-2' })
    const jwks = (await (await fetch(as.jwks_uri!)).json()) as { keys: { kid: string }[] }
    expect(jwks.keys.map((key) => key.kid)).toEqual(['key-2', 'key-1'])
    const verify = createTokenVerifier({ issuer: server.issuer, audience: 'https://api.example', jwks: jwks, clock: server.clock.now })
    expect((await verify(before)).clientId).toBe('confidential')
    expect((await verify(after)).clientId).toBe('confidential')
    server.clock.advance(3601)
    const retired = (await (await fetch(as.jwks_uri!)).json()) as { keys: { kid: string }[] }
    expect(retired.keys.map((key) => key.kid)).toEqual(['key-2'])
    server.clock.advance(-3601)
  })
})
