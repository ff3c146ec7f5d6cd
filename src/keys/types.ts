import type { JWK, JWTVerifyGetKey } from 'jose'

/** Signature algorithms the server signs with: RS256 always (OpenID Connect Discovery), ES256 and EdDSA when configured. */
export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA'

/**
 * Signs JWTs with the issuer's current key for an algorithm and publishes the public keys: what ID tokens,
 * logout tokens and JWT access tokens are signed with. One per issuer, shared by every process through the
 * store (see `keys/`).
 */
export interface Signer {
  /** The algorithms this signer has keys for (RS256 always). */
  readonly algorithms: readonly SigningAlgorithm[]
  /**
   * Signs `payload` as a compact JWS with the current key for `alg` (its `kid` in the header), with `typ`
   * in the header when given (`at+jwt`, `logout+jwt`; none for ID tokens).
   */
  sign(payload: Readonly<Record<string, unknown>>, options: { readonly alg: SigningAlgorithm; readonly typ?: string }): Promise<string>
  /** The public keys to publish at the JWKS endpoint: the signing ones, the next ones and the retiring ones. */
  jwks(): Promise<{ readonly keys: readonly JWK[] }>
}

/**
 * Public keys a resource server in the same process verifies with (`createTokenVerifier({ jwks })`),
 * without fetching its own issuer's JWKS over HTTP: `KeySet` is one.
 */
export interface PublicKeySource {
  /** A jose key getter: the published key with the JWS header's `kid` and `alg`. */
  readonly verificationKey: JWTVerifyGetKey
}
