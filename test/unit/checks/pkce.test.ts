import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkCodeChallenge, checkCodeVerifier } from '../../../src/checks/pkce.ts'
import { InvalidGrant, InvalidRequest } from '../../../src/errors.ts'

const SEED = 20260105

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'

const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url')
const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'
const verifier = fc.string({ unit: fc.constantFrom(...UNRESERVED), minLength: 43, maxLength: 128 })

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  return undefined
}

describe('checkCodeChallenge (RFC 7636 section 4.3, 4.4.1)', () => {
  it('accepts the RFC 7636 Appendix B S256 challenge', () => {
    expect(checkCodeChallenge(CHALLENGE, 'S256', true, {})).toEqual({ codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' })
  })

  it('returns no challenge when none is sent and PKCE is not required', () => {
    expect(checkCodeChallenge(undefined, undefined, false, {})).toEqual({ codeChallenge: undefined, codeChallengeMethod: undefined })
  })

  it('refuses a missing code_challenge when PKCE is required, with a redirectable invalid_request', () => {
    const error = thrown(() => checkCodeChallenge(undefined, undefined, true, {}))
    expect(error).toBeInstanceOf(InvalidRequest)
    expect((error as InvalidRequest).redirectable).toBe(true)
  })

  it('refuses code_challenge_method without code_challenge', () => {
    expect(thrown(() => checkCodeChallenge(undefined, 'S256', false, {}))).toBeInstanceOf(InvalidRequest)
  })

  it('refuses plain by default, explicit or implied by a missing method (RFC 7636 section 4.3, RFC 9700 section 2.1.1)', () => {
    expect(thrown(() => checkCodeChallenge(VERIFIER, 'plain', false, {}))).toBeInstanceOf(InvalidRequest)
    expect(thrown(() => checkCodeChallenge(VERIFIER, undefined, false, {}))).toBeInstanceOf(InvalidRequest)
    expect(thrown(() => checkCodeChallenge(VERIFIER, 'plain', false, { allowPlain: false }))).toBeInstanceOf(InvalidRequest)
  })

  it('accepts plain only when allowPlain is set; a missing method then means plain', () => {
    expect(checkCodeChallenge(VERIFIER, 'plain', false, { allowPlain: true })).toEqual({
      codeChallenge: VERIFIER,
      codeChallengeMethod: 'plain',
    })
    expect(checkCodeChallenge(VERIFIER, undefined, false, { allowPlain: true })).toEqual({
      codeChallenge: VERIFIER,
      codeChallengeMethod: 'plain',
    })
  })

  it('refuses unknown methods, case-sensitively', () => {
    for (const method of ['S512', 's256', 'PLAIN', 'sha256', '']) {
      expect(
        thrown(() => checkCodeChallenge(CHALLENGE, method, false, { allowPlain: true })),
        method,
      ).toBeInstanceOf(InvalidRequest)
    }
  })

  it('refuses an S256 challenge that is not 43 base64url characters', () => {
    for (const challenge of [
      CHALLENGE.slice(1),
      `${CHALLENGE}A`,
      `${CHALLENGE.slice(0, 42)}=`,
      `${CHALLENGE.slice(0, 42)}+`,
      `${CHALLENGE.slice(0, 42)}/`,
      '',
    ]) {
      expect(
        thrown(() => checkCodeChallenge(challenge, 'S256', false, {})),
        challenge,
      ).toBeInstanceOf(InvalidRequest)
    }
  })

  it('refuses a plain challenge shorter than 43 or longer than 128 characters, or with other characters', () => {
    expect(checkCodeChallenge('a'.repeat(43), 'plain', false, { allowPlain: true }).codeChallenge).toBe('a'.repeat(43))
    expect(checkCodeChallenge('a'.repeat(128), 'plain', false, { allowPlain: true }).codeChallenge).toBe('a'.repeat(128))
    for (const challenge of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)} `, `${'a'.repeat(42)}%`]) {
      expect(thrown(() => checkCodeChallenge(challenge, 'plain', false, { allowPlain: true }))).toBeInstanceOf(InvalidRequest)
    }
  })
})

describe('checkCodeVerifier (RFC 7636 section 4.6)', () => {
  const S256 = { codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' } as const

  it('the RFC 7636 Appendix B vector: SHA-256 of the verifier, base64url, is the challenge', () => {
    expect(s256(VERIFIER)).toBe(CHALLENGE)
    expect(() => checkCodeVerifier(VERIFIER, S256)).not.toThrow()
  })

  it('refuses a verifier that does not match with invalid_grant', () => {
    const other = `${VERIFIER.slice(0, -1)}A`
    expect(thrown(() => checkCodeVerifier(other, S256))).toBeInstanceOf(InvalidGrant)
  })

  it('does not accept the challenge itself as verifier of an S256 challenge (no method confusion)', () => {
    expect(thrown(() => checkCodeVerifier(CHALLENGE, S256))).toBeInstanceOf(InvalidGrant)
  })

  it('refuses a missing verifier when the code has a challenge', () => {
    expect(thrown(() => checkCodeVerifier(undefined, S256))).toBeInstanceOf(InvalidGrant)
  })

  it('refuses a malformed verifier with invalid_request (RFC 7636 section 4.1: 43 to 128 unreserved characters)', () => {
    for (const bad of ['short', 'a'.repeat(129), `${VERIFIER.slice(0, -1)}+`, `${VERIFIER.slice(0, -1)} `, '']) {
      expect(
        thrown(() => checkCodeVerifier(bad, S256)),
        bad,
      ).toBeInstanceOf(InvalidRequest)
    }
  })

  it('refuses a verifier for a code issued without a challenge: PKCE downgrade (RFC 9700 section 2.1.1)', () => {
    const none = { codeChallenge: undefined, codeChallengeMethod: undefined }
    expect(thrown(() => checkCodeVerifier(VERIFIER, none))).toBeInstanceOf(InvalidGrant)
    expect(() => checkCodeVerifier(undefined, none)).not.toThrow()
  })

  it('compares a plain verifier with the challenge as is', () => {
    const plain = { codeChallenge: VERIFIER, codeChallengeMethod: 'plain' } as const
    expect(() => checkCodeVerifier(VERIFIER, plain)).not.toThrow()
    expect(thrown(() => checkCodeVerifier(`${VERIFIER}x`, plain))).toBeInstanceOf(InvalidGrant)
  })

  it(`accepts exactly the verifier a challenge was made from (S256 and plain) (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(verifier, verifier, fc.boolean(), (v, other, plain) => {
        const method = plain ? 'plain' : 'S256'
        const challenge = checkCodeChallenge(plain ? v : s256(v), method, true, { allowPlain: true })
        expect(() => checkCodeVerifier(v, challenge)).not.toThrow()
        if (other !== v) expect(thrown(() => checkCodeVerifier(other, challenge))).toBeInstanceOf(InvalidGrant)
      }),
      { seed: SEED, numRuns: 2000 },
    )
  })
})
