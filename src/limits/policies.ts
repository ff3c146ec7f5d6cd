/**
 * The rate limits as data: what is counted, under which key, how many per window. Every limit is on by
 * default and can be changed or turned off with the controller's `limits` option.
 *
 * The defaults and why (RFC 6749 section 4.3.2 and 10.10, OAuth 2.1 section 2.4.1, RFC 8628 section 5.1,
 * RFC 9700 section 4.14 and 4.16):
 *
 * - `clientAuthentication` 10 per 900 s, per (client, address): wrong client secrets at `/token`,
 *   `/revoke`, `/introspect` and `/device_authorization`. Checked before any secret is hashed; for a
 *   client whose stored secret is short (scrypt) every attempt is counted before the hash, so a flood from
 *   one address costs at most 10 scrypts (about 0.3 s of CPU) per 15 minutes per (client, address).
 * - `signIn` 10 per 900 s, per (username, address): wrong passwords at the login form and the password
 *   grant. `signInPerUser` 100 per 900 s, per username: ten times the per-address allowance, so one
 *   address can never lock a named user out; only many addresses together can.
 * - `userCodeGuesses` 5 per 900 s, per address: wrong user codes at the device verification page (both
 *   its steps). `userCodeGuessesGlobal` 100 per 900 s, all addresses together: once reached, an address
 *   is locked at its first wrong code instead of its fifth. It never refuses an address that has typed no
 *   wrong code, so real users typing their code are not locked out by someone else's guessing.
 * - `deviceAuthorization` 10 per 600 s, per (client, address): requests to `/device_authorization`.
 * - `registration` 20 per 3600 s, per address: requests to the dynamic client registration endpoint
 *   (RFC 7591 section 5 leaves abuse protection to the server; an open `/register` otherwise lets one
 *   address fill the client table). Only counted when `DynamicClientRegistration` is used.
 * - `devicePendingPerClient` 500 and `devicePendingTotal` 1000 per 600 s: device codes issued. With the
 *   window as long as the code lifetime (600 s by default), at most twice that many codes are pending at
 *   once (two windows overlap one lifetime).
 *
 * The device arithmetic (defaults: 8 characters of a 20-letter alphabet, 600 s lifetime): 20^8 ≈ 2^34.6
 * codes; at most 2 × 1000 = 2000 ≈ 2^11 pending; one address types at most 5 wrong codes per 900 s, so at
 * most 10 within one code's lifetime (it overlaps two windows). Its chance of hitting any pending code is
 * at most 10 × 2000 / 20^8 ≈ 7.8 × 10^-7 ≈ 2^-20.3, below 2^-20. Many addresses together get at most
 * 2 × 100 guesses per lifetime beyond the global ceiling plus 2 per further address; `docs/limits.md`
 * works this through.
 *
 * @module
 */
import { ConfigurationError } from '../errors.ts'

/** One limit: at most `max` events per fixed window of `windowSeconds`. */
export interface LimitPolicy {
  /** Events allowed per window; the next one is refused until the window ends. A whole number ≥ 1. */
  readonly max: number
  /** The window in seconds, counted from the first event: 1 to 86400. */
  readonly windowSeconds: number
}

/** The name of every limit, as it appears in the `limits` option. */
export type LimitName =
  | 'clientAuthentication'
  | 'signIn'
  | 'signInPerUser'
  | 'userCodeGuesses'
  | 'userCodeGuessesGlobal'
  | 'deviceAuthorization'
  | 'devicePendingPerClient'
  | 'devicePendingTotal'
  | 'registration'

/**
 * The controller's `limits` option: per limit a {@link LimitPolicy} replacing the default, or `false` to
 * turn it off. Limits not named keep their defaults.
 *
 * @example
 * ```ts
 * import type { LimitsOptions } from 'oauth2-stack'
 *
 * // Passed as `new AuthorizationController({ ...stores, issuer, limits })`.
 * const limits: LimitsOptions = { signIn: { max: 5, windowSeconds: 600 }, deviceAuthorization: false }
 * ```
 */
export type LimitsOptions = { readonly [Name in LimitName]?: LimitPolicy | false }

/** A limit in force: its name (part of every counter key) and its policy. */
export interface ActiveLimit extends LimitPolicy {
  readonly name: LimitName
}

/** The limits in force; a limit turned off is `undefined`. */
export type ActiveLimits = { readonly [Name in LimitName]: ActiveLimit | undefined }

/** The defaults; see the module documentation for the arithmetic. */
export const DEFAULT_LIMITS: { readonly [Name in LimitName]: LimitPolicy } = Object.freeze({
  clientAuthentication: { max: 10, windowSeconds: 900 },
  signIn: { max: 10, windowSeconds: 900 },
  signInPerUser: { max: 100, windowSeconds: 900 },
  userCodeGuesses: { max: 5, windowSeconds: 900 },
  userCodeGuessesGlobal: { max: 100, windowSeconds: 900 },
  deviceAuthorization: { max: 10, windowSeconds: 600 },
  devicePendingPerClient: { max: 500, windowSeconds: 600 },
  devicePendingTotal: { max: 1000, windowSeconds: 600 },
  registration: { max: 20, windowSeconds: 3600 },
})

const NAMES = Object.keys(DEFAULT_LIMITS) as LimitName[]

/**
 * The limits in force for a `limits` option (`false` turns every limit off). Throws a `TypeError` naming
 * an unknown limit or a policy out of range.
 */
export function resolveLimits(options: LimitsOptions | false | undefined): ActiveLimits {
  const given: Readonly<Record<string, LimitPolicy | false | undefined>> = options === false ? {} : (options ?? {})
  for (const name of Object.keys(given)) {
    if (!(NAMES as string[]).includes(name))
      throw new ConfigurationError(`limits: unknown limit ${JSON.stringify(name)} (known: ${NAMES.join(', ')})`)
  }
  const active: Partial<Record<LimitName, ActiveLimit | undefined>> = {}
  for (const name of NAMES) {
    const chosen = given[name]
    const policy = options === false ? false : chosen === undefined ? DEFAULT_LIMITS[name] : chosen
    active[name] = policy === false ? undefined : Object.freeze({ name, ...checkPolicy(name, policy) })
  }
  return Object.freeze(active as ActiveLimits)
}

function checkPolicy(name: string, policy: LimitPolicy): LimitPolicy {
  if (typeof policy !== 'object' || policy === null) throw new ConfigurationError(`limits.${name} must be { max, windowSeconds } or false`)
  const { max, windowSeconds } = policy
  if (!Number.isSafeInteger(max) || max < 1) throw new ConfigurationError(`limits.${name}.max must be a whole number from 1`)
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > 86_400) {
    throw new ConfigurationError(`limits.${name}.windowSeconds must be a whole number of seconds from 1 to 86400`)
  }
  return { max, windowSeconds }
}
