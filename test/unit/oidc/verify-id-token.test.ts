import { describe, expect, it } from 'vitest'
import { verifyIdTokenHint } from '../../../src/oidc/verify-id-token.ts'
import { MemorySigner } from '../../helpers/memory-signer.ts'

const ISSUER = 'https://op.example'
const claims = { iss: ISSUER, sub: 'u1', aud: 'rp', iat: 1_000, exp: 1_600, sid: 's1' }

describe('verifyIdTokenHint', () => {
  it('accepts our own ID token, expired too unless now is given, and checks iss, aud, typ and the key', async () => {
    const signer = await MemorySigner.create()
    const token = await signer.sign(claims, { alg: 'ES256' })
    expect(await verifyIdTokenHint(signer, token, { issuer: ISSUER })).toMatchObject({ sub: 'u1', aud: ['rp'], exp: 1_600, sid: 's1' })
    expect(await verifyIdTokenHint(signer, token, { issuer: ISSUER, clientId: 'rp', now: 1_599 })).toBeDefined()
    expect(await verifyIdTokenHint(signer, token, { issuer: ISSUER, now: 1_600 })).toBeUndefined()
    expect(await verifyIdTokenHint(signer, token, { issuer: 'https://other.example' })).toBeUndefined()
    expect(await verifyIdTokenHint(signer, token, { issuer: ISSUER, clientId: 'other' })).toBeUndefined()
    // A logout token (or a JWT access token) is not an ID token.
    expect(
      await verifyIdTokenHint(signer, await signer.sign(claims, { alg: 'RS256', typ: 'logout+jwt' }), { issuer: ISSUER }),
    ).toBeUndefined()
    // Another issuer's keys, garbage, and a token without sub.
    const stranger = await MemorySigner.create(['RS256'])
    expect(await verifyIdTokenHint(signer, await stranger.sign(claims, { alg: 'RS256' }), { issuer: ISSUER })).toBeUndefined()
    expect(await verifyIdTokenHint(signer, 'not.a.jwt', { issuer: ISSUER })).toBeUndefined()
    expect(
      await verifyIdTokenHint(signer, await signer.sign({ ...claims, sub: undefined }, { alg: 'RS256' }), { issuer: ISSUER }),
    ).toBeUndefined()
  })
})
