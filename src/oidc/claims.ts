import type { UserClaims } from './types.ts'

/**
 * The claims each standard scope releases (OpenID Connect Core 1.0 section 5.4). `openid` alone releases
 * `sub`, which the server always sets itself.
 */
export const STANDARD_SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  profile: Object.freeze([
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ]),
  email: Object.freeze(['email', 'email_verified']),
  address: Object.freeze(['address']),
  phone: Object.freeze(['phone_number', 'phone_number_verified']),
})

/** The claims the server sets in ID tokens itself (Core 1.0 section 2), announced in `claims_supported`. */
export const PROTOCOL_CLAIMS: readonly string[] = Object.freeze(['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'sid'])

/**
 * Which claims which scopes release: the standard ones and the host's own (`scopeClaims`), computed once.
 * A claim no granted scope covers is never released.
 */
export class ClaimRules {
  readonly #byScope: ReadonlyMap<string, readonly string[]>

  constructor(extra: Readonly<Record<string, readonly string[]>> = {}) {
    this.#byScope = new Map(Object.entries({ ...STANDARD_SCOPE_CLAIMS, ...extra }))
  }

  /** Every claim some scope can release, for `claims_supported` (OpenID Connect Discovery 1.0 section 3). */
  get supported(): readonly string[] {
    return [...new Set([...PROTOCOL_CLAIMS, ...[...this.#byScope.values()].flat()])]
  }

  /** The user's claims the scopes cover, with `sub` set to the token's subject (Core 1.0 section 5.3.2). */
  release(claims: UserClaims, scopes: readonly string[], sub: string): Record<string, unknown> {
    const released: Record<string, unknown> = { sub }
    for (const scope of scopes) {
      for (const name of this.#byScope.get(scope) ?? []) {
        const value = claims[name]
        if (value !== undefined && name !== 'sub') released[name] = value
      }
    }
    return released
  }
}
