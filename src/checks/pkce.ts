import { InvalidGrant, InvalidRequest } from '../errors.ts'
import { constantTimeEqual, sha256Base64url } from '../internal/crypto.ts'
import type { CodeChallengeMethod } from '../types.ts'

/** PKCE policy of the authorization code grant (RFC 7636). */
export interface PkceOptions {
  /** Require PKCE of every client, confidential ones too (RFC 9700 section 2.1.1 recommends it). Default `false`. */
  readonly requireForAllClients?: boolean
  /** Accept `code_challenge_method=plain`. Off by default: only S256 (RFC 7636 section 4.2, RFC 9700 section 2.1.1). */
  readonly allowPlain?: boolean
}

// RFC 7636 section 4.1 and 4.2: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/

/** A checked PKCE challenge to keep with the code. */
export interface PkceChallenge {
  readonly codeChallenge: string | undefined
  readonly codeChallengeMethod: CodeChallengeMethod | undefined
}

/**
 * Checks the PKCE parameters of an authorization request (RFC 7636 section 4.3 and 4.4.1).
 * Throws `InvalidRequest` (redirected to the client).
 */
export function checkCodeChallenge(
  challenge: string | undefined,
  method: string | undefined,
  required: boolean,
  options: PkceOptions,
): PkceChallenge {
  if (challenge === undefined) {
    if (method !== undefined) throw new InvalidRequest('code_challenge_method was sent without code_challenge.')
    if (required) throw new InvalidRequest('code_challenge is required (PKCE, RFC 7636).')
    return { codeChallenge: undefined, codeChallengeMethod: undefined }
  }
  // RFC 7636 section 4.3: a missing method means plain.
  const effective = method ?? 'plain'
  if (effective !== 'S256' && effective !== 'plain') {
    throw new InvalidRequest('code_challenge_method must be S256.')
  }
  if (effective === 'plain' && options.allowPlain !== true) {
    throw new InvalidRequest('code_challenge_method must be S256; plain is not allowed.')
  }
  if (!VERIFIER.test(challenge) || (effective === 'S256' && challenge.length !== 43)) {
    throw new InvalidRequest('code_challenge is malformed.')
  }
  return { codeChallenge: challenge, codeChallengeMethod: effective }
}

/**
 * Checks `code_verifier` at the token endpoint against the challenge kept with the code
 * (RFC 7636 section 4.6). A verifier without a challenge is refused too: that is a PKCE downgrade
 * (RFC 9700 section 2.1.1). Throws `InvalidGrant`, or `InvalidRequest` for a malformed verifier.
 */
export function checkCodeVerifier(verifier: string | undefined, challenge: PkceChallenge): void {
  if (challenge.codeChallenge === undefined) {
    if (verifier !== undefined) throw new InvalidGrant('code_verifier was sent but the authorization request had no code_challenge.')
    return
  }
  if (verifier === undefined) throw new InvalidGrant('code_verifier is required for this code.')
  if (!VERIFIER.test(verifier)) throw new InvalidRequest('code_verifier is malformed (RFC 7636 section 4.1).')
  const derived = challenge.codeChallengeMethod === 'S256' ? sha256Base64url(verifier) : verifier
  if (!constantTimeEqual(derived, challenge.codeChallenge)) throw new InvalidGrant('code_verifier does not match the code_challenge.')
}
