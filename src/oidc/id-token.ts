import { digestBytes } from '../internal/crypto.ts'
import { ServerError } from '../errors.ts'
import type { Signer, SigningAlgorithm } from '../keys/types.ts'
import type { Client } from '../types.ts'
import { OPENID, type IdTokenInput, type IdTokenMinter } from './types.ts'

/** The default lifetime of an ID token, in seconds. */
export const DEFAULT_ID_TOKEN_LIFETIME = 3600

/** What {@link IdTokens} needs: the issuer, the signer and the lifetime. */
export interface IdTokensConfig {
  /** The issuer identifier (`iss`). */
  readonly issuer: string
  readonly signer: Signer
  /** ID-token lifetime in seconds. */
  readonly lifetime: number
}

/**
 * Makes the ID tokens of the token endpoint (OpenID Connect Core 1.0 sections 2 and 3.1.3.3). An ID token
 * holds the protocol claims only: with a code flow the user's profile, email, address and phone claims are
 * read at `/userinfo` (section 5.4), so this path calls no hook and reads no store.
 */
export class IdTokens implements IdTokenMinter {
  readonly #config: IdTokensConfig
  readonly #algorithms: ReadonlySet<SigningAlgorithm>

  constructor(config: IdTokensConfig) {
    this.#config = config
    this.#algorithms = new Set(config.signer.algorithms)
  }

  mint(input: IdTokenInput): Promise<string> | undefined {
    if (!input.scopes.includes(OPENID)) return undefined
    const alg = algorithmOf(input.client)
    // A client registered for an algorithm the signer has no key for gets an error, never another algorithm.
    if (!this.#algorithms.has(alg)) return Promise.reject(new ServerError(`No signing key for ${alg}.`))
    const { context } = input
    // Core 1.0 section 2: aud is the client id (a single audience, so no azp is needed), auth_time the time
    // of the login (else the code's issue time, see docs/openid-connect.md), sid the login session.
    const payload: Record<string, unknown> = {
      iss: this.#config.issuer,
      sub: input.userId,
      aud: input.client.clientId,
      exp: input.issuedAt + this.#config.lifetime,
      iat: input.issuedAt,
      auth_time: context?.authTime ?? input.authorizedAt,
    }
    // Core 1.0 section 3.1.3.6: the nonce of the request, exactly; none on refresh (section 12.2).
    if (input.withNonce && context?.nonce !== undefined) payload.nonce = context.nonce
    payload.at_hash = atHash(alg, input.accessToken)
    if (context?.sessionId !== undefined) payload.sid = context.sessionId
    return this.#config.signer.sign(payload, { alg })
  }
}

/** The client's ID-token algorithm (`id_token_signed_response_alg`), RS256 by default (Core 1.0 section 3.1.3.7). */
export function algorithmOf(client: Client): SigningAlgorithm {
  return client.idTokenSignedResponseAlg ?? 'RS256'
}

/**
 * Core 1.0 section 3.1.3.6: the left-most half of the hash of the access token's ASCII octets, base64url;
 * the hash is the one of the signing algorithm: SHA-256 for RS256 and ES256, SHA-512 for EdDSA (Ed25519).
 */
export function atHash(alg: SigningAlgorithm, accessToken: string): string {
  const digest = digestBytes(alg === 'EdDSA' ? 'sha512' : 'sha256', accessToken)
  return digest.subarray(0, digest.length / 2).toString('base64url')
}
