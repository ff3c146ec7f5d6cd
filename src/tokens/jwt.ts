import { ConfigurationError } from '../errors.ts'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { randomUUID, type KeyObject } from '../internal/crypto.ts'
import { RandomTokenGenerator } from './random.ts'
import {
  checkExpiresIn,
  type ExpiresInByGrantType,
  type PublishesKeys,
  type TokenContext,
  type TokenGenerator,
  type TokenGeneratorOptions,
} from './types.ts'

/** Signature algorithms for JWT access tokens. ES256 is the default. */
export type JwtAlgorithm = 'ES256' | 'EdDSA' | 'RS256'

/** A signing key: the private key to sign with and its public JWK to publish. */
export interface JwtSigningKey {
  /** Key id, sent as `kid` and published in the JWKS. */
  readonly kid: string
  readonly alg: JwtAlgorithm
  readonly privateKey: CryptoKey | KeyObject
  /** The public key as a JWK (published at the JWKS endpoint). */
  readonly publicJwk: JWK
}

/** Options of {@link JwtTokenGenerator}. */
export interface JwtTokenGeneratorOptions extends TokenGeneratorOptions {
  /** The `iss` claim: the controller's issuer. */
  readonly issuer: string
  /**
   * The `aud` claim of tokens that have no audience of their own. A token issued for resources (RFC 8707
   * `resource`, or the controller's default resource) has those as its `aud` instead. Default: the issuer.
   */
  readonly audience?: string | readonly string[]
  /** Signing keys; the first one signs, all are published. At least one. */
  readonly keys: readonly JwtSigningKey[]
  /** Clock in milliseconds since the epoch, for key retirement. Default `Date.now`. */
  readonly clock?: () => number
}

interface PublishedKey {
  readonly key: JwtSigningKey
  /** Epoch seconds after which the key is no longer published (its last tokens have expired). */
  retireAt: number | undefined
}

/**
 * Access tokens as signed JWTs (RFC 9068, `typ: at+jwt`) with `iss`, `sub` (the user, or the client for
 * client credentials), `sub_type` (`user` or `client`: whose token it is, RFC 9068 section 5), `aud` (the
 * token's resources, else the `audience` option),
 * `client_id`, `scope`, `iat`, `exp` and `jti`, signed with jose. Refresh
 * tokens and codes stay opaque random values. The controller stores every token by hash as usual, so
 * revocation and introspection work for JWTs too, and serves the public keys at its JWKS endpoint.
 *
 * Key rotation: {@link JwtTokenGenerator.rotate} makes a new key the signer and keeps the old ones
 * published for an overlap window, so tokens they signed still verify until they expire.
 *
 * @example
 * ```ts
 * import { JwtTokenGenerator } from 'oauth2-stack/tokengenerator'
 *
 * const tokenGenerator = new JwtTokenGenerator({ issuer, keys: [await JwtTokenGenerator.generateKey('ES256')] })
 * ```
 */
export class JwtTokenGenerator implements TokenGenerator, PublishesKeys {
  readonly #issuer: string
  readonly #audience: string | string[]
  readonly #expiresIn: ExpiresInByGrantType
  readonly #opaque = new RandomTokenGenerator()
  readonly #clock: () => number
  #keys: PublishedKey[]

  constructor(options: JwtTokenGeneratorOptions) {
    if (options.keys.length === 0) throw new ConfigurationError('JwtTokenGenerator needs at least one signing key')
    this.#issuer = options.issuer
    const audience = options.audience ?? options.issuer
    this.#audience = typeof audience === 'string' ? audience : [...audience]
    this.#expiresIn = checkExpiresIn(options.expiresIn)
    this.#clock = options.clock ?? Date.now
    this.#keys = options.keys.map((key) => ({ key, retireAt: undefined }))
  }

  /** Makes a fresh key pair for `alg` (ES256 by default) with a random `kid`. */
  static async generateKey(alg: JwtAlgorithm = 'ES256', kid: string = randomUUID()): Promise<JwtSigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {})
    const publicJwk = await exportJWK(publicKey)
    return { kid, alg, privateKey, publicJwk: { ...publicJwk, kid, alg, use: 'sig' } }
  }

  async generate(context: TokenContext): Promise<string> {
    if (context.kind !== 'access_token') return this.#opaque.generate()
    const signer = this.#keys[0] as PublishedKey
    // sub_type: whose token it is (a client's sub is its client_id, RFC 9068 section 2.2); the resource
    // side's subjectTypeOfClaims reads it (RFC 9068 section 5).
    const claims = { client_id: context.clientId, sub_type: context.userId === undefined ? 'client' : 'user' }
    const jwt = new SignJWT({ ...claims, ...(context.scopes.length === 0 ? {} : { scope: context.scopes.join(' ') }) })
      // RFC 9068 section 2.1: typ at+jwt.
      .setProtectedHeader({ alg: signer.key.alg, kid: signer.key.kid, typ: 'at+jwt' })
      .setIssuer(this.#issuer)
      // RFC 8707 section 2 and RFC 9068 section 3: the token's resources are its audience.
      .setAudience(audienceOf(context.audience) ?? this.#audience)
      .setSubject(context.userId ?? context.clientId)
      .setIssuedAt(context.issuedAt)
      .setExpirationTime(context.expiresAt)
      .setJti(randomUUID())
    return jwt.sign(signer.key.privateKey)
  }

  expiresIn(grantType: string): number | undefined {
    return this.#expiresIn[grantType]
  }

  /**
   * Makes `key` the signing key. The previous keys stay published for `overlapSeconds` (at least the
   * longest access-token lifetime, so every token they signed still verifies until it expires), then drop
   * out of the JWKS.
   */
  rotate(key: JwtSigningKey, overlapSeconds: number): void {
    const retireAt = Math.floor(this.#clock() / 1000) + overlapSeconds
    for (const published of this.#keys) published.retireAt = Math.min(published.retireAt ?? retireAt, retireAt)
    this.#keys = [{ key, retireAt: undefined }, ...this.#keys]
  }

  /** The public keys to publish (RFC 7517 JWK Set): the signer and every key still in its overlap window. */
  jwks(): { keys: JWK[] } {
    const now = Math.floor(this.#clock() / 1000)
    this.#keys = this.#keys.filter((published) => published.retireAt === undefined || published.retireAt > now)
    return { keys: this.#keys.map((published) => published.key.publicJwk) }
  }
}

/** A token's own audience as the `aud` claim: one resource as a string, several as an array. */
function audienceOf(audience: readonly string[] | undefined): string | string[] | undefined {
  if (audience === undefined || audience.length === 0) return undefined
  return audience.length === 1 ? audience[0] : [...audience]
}
