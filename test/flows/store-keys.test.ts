/**
 * JWT access tokens signed with the store's key set (`KeySet`) through every adapter: the JWKS endpoint
 * publishes the current and the next key, oauth4webapi's strict resource-server check and jose accept the
 * tokens, a resource server in the same process verifies with the key set itself (no HTTP), and after a
 * rotation the old tokens keep verifying while the new key signs once the refresh interval has passed.
 * A new KeySet on the same store — what a restarted process builds — signs with the same key.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeySet } from '../../src/keys/index.ts'
import { createTokenVerifier } from '../../src/resource/index.ts'
import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import { JwtTokenGenerator } from '../../src/tokens/index.ts'
import { basicAuth, confidentialClient, insecure } from '../helpers/oauth-client.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

const SECRET = 'flows-key-set-secret-0123456789abcdefgh'

describe('JWT access tokens signed with the store key set', () => {
  let server: TestServer
  let keys: KeySet
  let records: LocalRecordStore
  let as: oauth.AuthorizationServer

  beforeAll(async () => {
    server = await startTestServer({
      controller: (issuer) => {
        records = new LocalRecordStore({ clock: () => server.clock.now() })
        keys = new KeySet({ store: records, issuer, secret: SECRET, algorithms: ['ES256'], clock: () => server.clock.now() })
        return { tokenGenerator: new JwtTokenGenerator({ issuer, signer: keys }), signer: keys }
      },
    })
    const issuer = new URL(server.issuer)
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
  })
  afterAll(() => server.close())

  const clientCredentials = async (): Promise<string> => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      confidentialClient,
      basicAuth,
      new URLSearchParams({ scope: 'read' }),
      insecure,
    )
    return (await oauth.processClientCredentialsResponse(as, confidentialClient, response)).access_token
  }
  const published = async (): Promise<string[]> => {
    const response = await fetch(as.jwks_uri!)
    expect(response.headers.get('cache-control')).toBe('public, max-age=300')
    const jwks = (await response.json()) as { keys: { kid: string; d?: string }[] }
    for (const key of jwks.keys) expect(key.d).toBeUndefined()
    return jwks.keys.map((key) => key.kid)
  }

  it('publishes RS256 and ES256 keys, current and next, and signs ES256 access tokens oauth4webapi and jose accept', async () => {
    const listed = await keys.list()
    expect(await published()).toEqual(expect.arrayContaining(listed.map((key) => key.kid)))
    expect(listed.map((key) => `${key.alg} ${key.state}`).sort()).toEqual(['ES256 current', 'ES256 next', 'RS256 current', 'RS256 next'])
    const token = await clientCredentials()
    expect(decodeProtectedHeader(token)).toMatchObject({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: listed.find((key) => key.alg === 'ES256' && key.state === 'current')?.kid,
    })
    const request = new Request('https://api.example/resource', { headers: { authorization: `Bearer ${token}` } })
    const claims = await oauth.validateJwtAccessToken(as, request, server.issuer, {
      ...insecure,
      [oauth.clockSkew]: Math.round((server.clock.now() - Date.now()) / 1000),
    })
    expect(claims.client_id).toBe('confidential')
    await expect(
      jwtVerify(token, createRemoteJWKSet(new URL(as.jwks_uri!)), { issuer: server.issuer, currentDate: new Date(server.clock.now()) }),
    ).resolves.toBeDefined()
    // In the same process: the key set itself, no request to the JWKS endpoint.
    const verify = createTokenVerifier({ issuer: server.issuer, jwks: keys, store: server.tokenStore, clock: server.clock.now })
    expect(await verify(token, ['read'])).toMatchObject({ format: 'jwt', clientId: 'confidential' })
  })

  it('rotation: old tokens keep verifying, the promoted key signs after the refresh interval, a restarted process agrees', async () => {
    const before = await clientCredentials()
    const oldKid = decodeProtectedHeader(before).kid
    const after = await keys.rotate({ algorithms: ['ES256'] })
    const promoted = after.find((key) => key.alg === 'ES256' && key.state === 'current')?.kid
    expect(await published()).toEqual(
      expect.arrayContaining([oldKid, promoted, after.find((key) => key.alg === 'ES256' && key.state === 'next')?.kid]),
    )
    server.clock.advance(keys.refreshSeconds)
    const next = await clientCredentials()
    expect(decodeProtectedHeader(next).kid).toBe(promoted)
    const verify = createTokenVerifier({ issuer: server.issuer, jwks: keys, clock: server.clock.now })
    expect((await verify(before)).clientId).toBe('confidential')
    expect((await verify(next)).clientId).toBe('confidential')
    // What a restarted process builds: a new KeySet over the same store signs with the same key and verifies both.
    const restarted = new KeySet({ store: records, issuer: server.issuer, secret: SECRET, algorithms: ['ES256'], clock: server.clock.now })
    expect(decodeProtectedHeader(await restarted.sign({}, { alg: 'ES256' })).kid).toBe(promoted)
    const afterRestart = createTokenVerifier({ issuer: server.issuer, jwks: restarted, clock: server.clock.now })
    expect((await afterRestart(before)).clientId).toBe('confidential')
  })
})
