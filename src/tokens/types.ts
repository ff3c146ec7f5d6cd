/**
 * What a token generator is told about the token it makes. Opaque generators ignore it; a JWT
 * generator (later) signs it.
 */
import { ConfigurationError } from '../errors.ts'
export interface TokenContext {
  /** `access_token`, `refresh_token` or `authorization_code`. */
  readonly kind: 'access_token' | 'refresh_token' | 'authorization_code'
  /** The grant type the token is issued for. */
  readonly grantType: string
  readonly clientId: string
  readonly userId: string | undefined
  readonly scopes: readonly string[]
  /** When the token is issued, epoch seconds. */
  readonly issuedAt: number
  /** When it expires, epoch seconds. */
  readonly expiresAt: number
  /** An access token's audience (RFC 8707 resources, canonical), when it has one: a JWT's `aud`. */
  readonly audience?: readonly string[] | undefined
}

/**
 * Makes codes and tokens (the seed's `oauth2.tokengenerator.TokenGenerator`) and says how long access
 * tokens live per grant type.
 */
export interface TokenGenerator {
  /** A fresh, unguessable value (a JWT generator signs asynchronously, so a promise is fine too). */
  generate(context: TokenContext): string | Promise<string>
  /**
   * Access-token lifetime in seconds for a grant type, or `undefined` to use the controller's
   * `accessTokenLifetime`.
   */
  expiresIn(grantType: string): number | undefined
}

/** A generator that signs tokens and publishes its public keys (served at the controller's JWKS endpoint). */
export interface PublishesKeys {
  /** The public keys, as a JWK Set (RFC 7517 section 5). */
  jwks(): { keys: readonly object[] }
}

/** Whether a token generator publishes keys. */
export function publishesKeys(generator: TokenGenerator): generator is TokenGenerator & PublishesKeys {
  return typeof (generator as Partial<PublishesKeys>).jwks === 'function'
}

/**
 * Access-token lifetimes in seconds per grant type, e.g. `{ client_credentials: 600 }`
 * (the seed's `TokenGenerator.expires_in` dictionary).
 */
export type ExpiresInByGrantType = Readonly<Record<string, number>>

/** Options shared by the built-in generators. */
export interface TokenGeneratorOptions {
  /** Access-token lifetimes per grant type; others use the controller's `accessTokenLifetime`. */
  readonly expiresIn?: ExpiresInByGrantType
}

/** Validates a lifetime table at start-up. */
export function checkExpiresIn(expiresIn: ExpiresInByGrantType | undefined): ExpiresInByGrantType {
  const table = expiresIn ?? {}
  for (const [grantType, seconds] of Object.entries(table)) {
    if (!Number.isSafeInteger(seconds) || seconds <= 0) {
      throw new ConfigurationError(`expiresIn.${grantType} must be a positive whole number of seconds`)
    }
  }
  return table
}
