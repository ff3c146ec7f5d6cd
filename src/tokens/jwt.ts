import { ConfigurationError } from '../errors.ts'
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
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

/**
 * What signs JWT access tokens from keys kept elsewhere, e.g. `KeySet` (`oauth2-stack/keys`), whose keys
 * live in the store and are shared by every process. The same shape as `Signer` in `keys/types.ts`.
 */
export interface JwtSigner {
  /** The algorithms it has keys for. */
  readonly algorithms: readonly JwtAlgorithm[]
  /** A compact JWS of `payload` with its current key for `alg` (`kid` in the header) and `typ` when given. */
  sign(payload: Readonly<Record<string, unknown>>, options: { readonly alg: JwtAlgorithm; readonly typ?: string }): Promise<string>
  /** The public keys to publish. */
  jwks(): Promise<{ readonly keys: readonly JWK[] }>
}

/** Options of {@link JwtTokenGenerator} shared by both forms. */
export interface JwtTokenGeneratorBaseOptions extends TokenGeneratorOptions {
  /** The `iss` claim: the controller's issuer. */
  readonly issuer: string
  /**
   * The `aud` claim of tokens that have no audience of their own. A token issued for resources (RFC 8707
   * `resource`, or the controller's default resource) has those as its `aud` instead. Default: the issuer.
   */
  readonly audience?: string | readonly string[]
  /** Clock in milliseconds since the epoch, for key retirement. Default `Date.now`. */
  readonly clock?: () => number
}

/** {@link JwtTokenGenerator} with keys held in this process (lost on a restart): tests and single processes. */
export interface JwtKeysOptions extends JwtTokenGeneratorBaseOptions {
  /** Signing keys; the first one signs, all are published. At least one. */
  readonly keys: readonly JwtSigningKey[]
  readonly signer?: undefined
}

/** {@link JwtTokenGenerator} signing with a {@link JwtSigner}, e.g. the store's `KeySet`: keys that survive restarts. */
export interface JwtSignerOptions extends JwtTokenGeneratorBaseOptions {
  /** Signs the tokens and publishes the keys. */
  readonly signer: JwtSigner
  /** The algorithm access tokens are signed with. Default: ES256 when the signer has it, else RS256. */
  readonly algorithm?: JwtAlgorithm
  readonly keys?: undefined
}

/** Options of {@link JwtTokenGenerator}: in-process `keys`, or a `signer` (keys in the store). */
export type JwtTokenGeneratorOptions = JwtKeysOptions | JwtSignerOptions

/** What {@link JwtTokenGenerator.jwks} returns: the keys at once for in-process `keys`, a promise with a `signer`. */
export type PublishedJwks<Options extends JwtTokenGeneratorOptions> = Options extends JwtSignerOptions
  ? Promise<{ readonly keys: readonly JWK[] }>
  : { keys: JWK[] }

interface PublishedKey {
  readonly key: JwtSigningKey
  /** Epoch seconds after which the key is no longer published (its last tokens have expired). */
  retireAt: number | undefined
}

/**
 * The claims of a JWT access token (RFC 9068 section 2.2): `iss`, `sub` (the user, or the client for
 * client credentials), `sub_type`, `aud` (the token's resources, else the `audience` option), `client_id`, `scope`, `iat`, `exp` and `jti`. One function, so
 * the claims are decided in one place whichever key signs them.
 */
export function accessTokenClaims(context: TokenContext, issuer: string, audience: string | readonly string[]): Record<string, unknown> {
  return {
    iss: issuer,
    // sub_type: whose token it is (a client's sub is its client_id, RFC 9068 section 2.2); the resource
    // side's subjectTypeOfClaims reads it (RFC 9068 section 5).
    sub: context.userId ?? context.clientId,
    aud: audience,
    exp: context.expiresAt,
    iat: context.issuedAt,
    jti: randomUUID(),
    client_id: context.clientId,
    sub_type: context.userId === undefined ? 'client' : 'user',
    ...(context.scopes.length === 0 ? {} : { scope: context.scopes.join(' ') }),
  }
}

/**
 * Access tokens as signed JWTs (RFC 9068, `typ: at+jwt`) with the claims of {@link accessTokenClaims}.
 * Refresh tokens and codes stay opaque random values. The controller stores every token by hash as usual,
 * so revocation and introspection work for JWTs too, and serves the public keys at its JWKS endpoint.
 *
 * Two forms. With a `signer` — `KeySet` from `oauth2-stack/keys` — the keys live in the store, survive
 * restarts, are shared by every process, and rotate with `KeySet.rotate` or `oauth2-stack keys rotate`
 * (docs/signing-keys.md). With in-process `keys` (tests, the seed's examples) the keys die with the process:
 * {@link JwtTokenGenerator.rotate} makes a new key the signer and keeps the old ones published for an
 * overlap window, so tokens they signed still verify until they expire.
 *
 * @typeParam Options - the options' form; it decides whether {@link JwtTokenGenerator.jwks} answers at once.
 *
 * @example
 * ```ts
 * import { KeySet } from 'oauth2-stack/keys'
 * import { LocalRecordStore } from 'oauth2-stack/store'
 * import { JwtTokenGenerator } from 'oauth2-stack/tokengenerator'
 *
 * const store = new LocalRecordStore() // one process; a SQL or Redis store's records to share the keys
 * const signer = new KeySet({ store, issuer, secret: process.env.OAUTH2_STACK_KEY_SECRET!, algorithms: ['ES256'] })
 * const tokenGenerator = new JwtTokenGenerator({ issuer, signer })
 * // or, keys that live as long as the process:
 * const inMemory = new JwtTokenGenerator({ issuer, keys: [await JwtTokenGenerator.generateKey('ES256')] })
 * ```
 */
export class JwtTokenGenerator<Options extends JwtTokenGeneratorOptions = JwtKeysOptions> implements TokenGenerator, PublishesKeys {
  readonly #issuer: string
  readonly #audience: string | string[]
  readonly #expiresIn: ExpiresInByGrantType
  readonly #opaque = new RandomTokenGenerator()
  readonly #clock: () => number
  readonly #signer: JwtSigner | undefined
  readonly #algorithm: JwtAlgorithm
  #keys: PublishedKey[]

  constructor(options: Options) {
    if (options.signer === undefined && options.keys.length === 0)
      throw new ConfigurationError('JwtTokenGenerator needs at least one signing key')
    this.#issuer = options.issuer
    const audience = options.audience ?? options.issuer
    this.#audience = typeof audience === 'string' ? audience : [...audience]
    this.#expiresIn = checkExpiresIn(options.expiresIn)
    this.#clock = options.clock ?? Date.now
    this.#signer = options.signer
    if (options.signer === undefined) {
      this.#keys = options.keys.map((key) => ({ key, retireAt: undefined }))
      this.#algorithm = options.keys[0]?.alg ?? 'ES256'
    } else {
      this.#keys = []
      this.#algorithm = options.algorithm ?? (options.signer.algorithms.includes('ES256') ? 'ES256' : 'RS256')
      if (!options.signer.algorithms.includes(this.#algorithm)) {
        throw new ConfigurationError(`JwtTokenGenerator: the signer has no ${this.#algorithm} key; add it to its algorithms`)
      }
    }
  }

  /** Makes a fresh key pair for `alg` (ES256 by default) with a random `kid`. */
  static async generateKey(alg: JwtAlgorithm = 'ES256', kid: string = randomUUID()): Promise<JwtSigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {})
    const publicJwk = await exportJWK(publicKey)
    return { kid, alg, privateKey, publicJwk: { ...publicJwk, kid, alg, use: 'sig' } }
  }

  async generate(context: TokenContext): Promise<string> {
    if (context.kind !== 'access_token') return this.#opaque.generate()
    // RFC 8707 section 2 and RFC 9068 section 3: the token's resources are its audience.
    const claims = accessTokenClaims(context, this.#issuer, audienceOf(context.audience) ?? this.#audience)
    // RFC 9068 section 2.1: typ at+jwt.
    if (this.#signer !== undefined) return this.#signer.sign(claims, { alg: this.#algorithm, typ: 'at+jwt' })
    const { key } = this.#keys[0] as PublishedKey
    return new CompactSign(encoder.encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .sign(key.privateKey)
  }

  expiresIn(grantType: string): number | undefined {
    return this.#expiresIn[grantType]
  }

  /**
   * Makes `key` the signing key. The previous keys stay published for `overlapSeconds` (at least the
   * longest access-token lifetime, so every token they signed still verifies until it expires), then drop
   * out of the JWKS. Only for in-process `keys`: a `signer` rotates its own keys (`KeySet.rotate`).
   */
  rotate(key: JwtSigningKey, overlapSeconds: number): void {
    if (this.#signer !== undefined) throw new ConfigurationError('JwtTokenGenerator.rotate: rotate the signer (KeySet.rotate) instead')
    const retireAt = Math.floor(this.#clock() / 1000) + overlapSeconds
    for (const published of this.#keys) published.retireAt = Math.min(published.retireAt ?? retireAt, retireAt)
    this.#keys = [{ key, retireAt: undefined }, ...this.#keys]
  }

  /**
   * The public keys to publish (RFC 7517 JWK Set): the signer and every key still in its overlap window;
   * with a `signer`, its own (a promise).
   */
  jwks(): PublishedJwks<Options> {
    if (this.#signer !== undefined) return this.#signer.jwks() as PublishedJwks<Options>
    const now = Math.floor(this.#clock() / 1000)
    this.#keys = this.#keys.filter((published) => published.retireAt === undefined || published.retireAt > now)
    return { keys: this.#keys.map((published) => published.key.publicJwk) } as PublishedJwks<Options>
  }
}

/** A token's own audience as the `aud` claim: one resource as a string, several as an array. */
function audienceOf(audience: readonly string[] | undefined): string | string[] | undefined {
  if (audience === undefined || audience.length === 0) return undefined
  return audience.length === 1 ? audience[0] : [...audience]
}

const encoder = new TextEncoder()
