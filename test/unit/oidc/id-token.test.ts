import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { ServerError } from '../../../src/errors.ts'
import { atHash, IdTokens } from '../../../src/oidc/id-token.ts'
import type { IdTokenInput } from '../../../src/oidc/types.ts'
import type { Client } from '../../../src/types.ts'
import { MemorySigner } from '../../helpers/memory-signer.ts'

const ISSUER = 'https://op.example'
const client: Client = {
  clientId: 'rp',
  clientSecretHash: undefined,
  redirectUris: [],
  grantTypes: ['*'],
  responseTypes: ['code'],
  tokenEndpointAuthMethods: ['none'],
  scopes: undefined,
  requirePkce: true,
  name: undefined,
}

function input(overrides: Partial<IdTokenInput> = {}): IdTokenInput {
  return {
    client,
    userId: 'u1',
    scopes: ['openid'],
    accessToken: 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y',
    context: { subjectType: 'user', authTime: 1_000, sessionId: 'sid-1', nonce: 'n-1' },
    authorizedAt: 1_050,
    issuedAt: 1_100,
    withNonce: true,
    ...overrides,
  }
}

describe('ID tokens (OpenID Connect Core 1.0 sections 2 and 3.1.3.6)', () => {
  let signer: MemorySigner
  let tokens: IdTokens
  beforeAll(async () => {
    signer = await MemorySigner.create()
    tokens = new IdTokens({ issuer: ISSUER, signer, lifetime: 600 })
  })

  const verify = async (token: string) =>
    (await jwtVerify(token, createLocalJWKSet((await signer.jwks()) as { keys: [] }), { currentDate: new Date(1_100_000) })).payload

  it('at_hash: the Core 1.0 appendix A.3 example, and SHA-512 halves for EdDSA', () => {
    expect(atHash('RS256', 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y')).toBe('77QmUPtjPfzWtF2AnpK9RQ')
    expect(atHash('ES256', 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y')).toBe('77QmUPtjPfzWtF2AnpK9RQ')
    expect(Buffer.from(atHash('EdDSA', 'x'), 'base64url')).toHaveLength(32)
  })

  it('holds the protocol claims, the login time and session from the context, and the nonce', async () => {
    const token = await tokens.mint(input())
    expect(decodeProtectedHeader(token ?? '')).toEqual({ alg: 'RS256', kid: 'test-rs256' })
    expect(await verify(token ?? '')).toEqual({
      iss: ISSUER,
      sub: 'u1',
      aud: 'rp',
      iat: 1_100,
      exp: 1_700,
      auth_time: 1_000,
      nonce: 'n-1',
      at_hash: '77QmUPtjPfzWtF2AnpK9RQ',
      sid: 'sid-1',
    })
  })

  it('falls back to the authorization time for auth_time, leaves the nonce out on refresh, and makes none without openid', async () => {
    const payload = await verify((await tokens.mint(input({ context: { nonce: 'n-1' }, withNonce: false }))) ?? '')
    expect(payload.auth_time).toBe(1_050)
    expect(payload.nonce).toBeUndefined()
    expect(payload.sid).toBeUndefined()
    expect(tokens.mint(input({ scopes: ['profile'] }))).toBeUndefined()
  })

  it("signs with the client's algorithm, and refuses one the signer has no key for rather than using another", async () => {
    const token = await tokens.mint(input({ client: { ...client, idTokenSignedResponseAlg: 'EdDSA' } }))
    expect(decodeProtectedHeader(token ?? '').alg).toBe('EdDSA')
    const rsaOnly = new IdTokens({ issuer: ISSUER, signer: await MemorySigner.create(['RS256']), lifetime: 600 })
    await expect(rsaOnly.mint(input({ client: { ...client, idTokenSignedResponseAlg: 'ES256' } }))).rejects.toBeInstanceOf(ServerError)
  })
})
