import type { Request } from '../web/request.ts'
import { addressResolver, type ClientAddressOptions } from './client-address.ts'
import type { Limiter } from './limiter.ts'
import type { ActiveLimit, ActiveLimits } from './policies.ts'

/** Every answer of {@link RateLimits}: seconds to wait before trying again, 0 when the request may go on. */
export type Wait = number

/** What {@link RateLimits} is built from. */
export interface RateLimitsOptions<Env> extends ClientAddressOptions<Env> {
  readonly limiter: Limiter
  readonly limits: ActiveLimits
}

/**
 * The rate limits as endpoints and grants use them (`GrantServices.limits`); see `RateLimits`.
 * Methods answer the seconds to wait, 0 when the request may go on.
 *
 * @typeParam Env - the type of `environ` given to `dispatch`.
 */
export interface Limits<Env = unknown> {
  /** The client's address as counted (IPv6 per /64), or `unknown`. */
  address(environ: Env, request: Request): string
  /**
   * Before a presented client secret is checked (`clientAuthentication`); see `RateLimits`. A number when
   * the answer needs no store (the common case: no hop for the caller), else a promise of it.
   */
  clientAuthenticationStarts(clientId: string, address: string, slowHash: boolean): Wait | Promise<Wait>
  /** A wrong client secret. */
  clientAuthenticationFailed(clientId: string, address: string, counted: boolean): Promise<void>
  /** A right client secret. */
  clientAuthenticationSucceeded(clientId: string, address: string, counted: boolean): Promise<void>
  /**
   * Whether sign-ins as `username` from `address` are refused now (`signIn`, `signInPerUser`); a number
   * when the answer needs no store, else a promise of it.
   */
  signInLockedFor(username: string, address: string): Wait | Promise<Wait>
  /** A wrong password. */
  signInFailed(username: string, address: string): Promise<Wait>
  /** A right password; `undefined` when there was nothing to clear (no store call to wait for). */
  signInSucceeded(username: string, address: string): Promise<void> | undefined
  /** Whether `address` may type a user code now (`userCodeGuesses`). */
  userCodeLockedFor(address: string): Promise<Wait>
  /** A wrong user code (`userCodeGuesses`, `userCodeGuessesGlobal`). */
  userCodeFailed(address: string): Promise<Wait>
  /** A request to the device authorization endpoint (`deviceAuthorization`). */
  deviceAuthorizationRequested(clientId: string, address: string): Promise<Wait>
  /** A device code about to be issued (`devicePendingPerClient`, `devicePendingTotal`). */
  deviceCodeIssued(clientId: string): Promise<Wait>
  /** A request to the dynamic client registration endpoint from `address` (`registration`). */
  registrationRequested(address: string): Promise<Wait>
}

/**
 * The controller's rate limits, applied: each method names what happened (a failed sign-in, a wrong
 * user code…) and counts it under the keys its policy names (see `policies.ts`). Endpoints and grants
 * reach it through `GrantServices.limits`; a limit turned off answers 0 and counts nothing.
 *
 * @typeParam Env - the type of `environ` given to `dispatch`.
 */
export class RateLimits<Env = unknown> implements Limits<Env> {
  readonly #limiter: Limiter
  readonly #limits: ActiveLimits
  readonly #resolve: (environ: Env, request: Request) => string

  constructor(options: RateLimitsOptions<Env>) {
    this.#limiter = options.limiter
    this.#limits = options.limits
    this.#resolve = addressResolver(options)
  }

  /**
   * The client's address as it is counted (IPv6 per /64), or `unknown` (the Fetch adapter without a
   * `clientAddress` option): then every such request shares one count (`docs/limits.md`).
   */
  address(environ: Env, request: Request): string {
    return this.#resolve(environ, request)
  }

  /**
   * Before a presented client secret is checked: is (client, address) locked? With `slowHash` (the stored
   * secret is a short, scrypt-hashed one) the attempt is counted now, before the hash, so a flood of
   * concurrent requests cannot start more than `max` hashes per window.
   */
  clientAuthenticationStarts(clientId: string, address: string, slowHash: boolean): Wait | Promise<Wait> {
    const limit = this.#limits.clientAuthentication
    if (limit === undefined || (!slowHash && this.#limiter.quiet(limit))) return 0
    // Not an async function: the common case hands back the limiter's answer as it is (no extra hop).
    return slowHash ? this.#countBeforeHash(limit, [clientId, address]) : this.#limiter.lockedFor(limit, [clientId, address])
  }

  async #countBeforeHash(limit: ActiveLimit, key: readonly string[]): Promise<Wait> {
    const wait = await this.#limiter.lockedFor(limit, key)
    if (wait > 0) return wait
    const hit = await this.#limiter.hit(limit, key)
    return hit.exceeded ? hit.resetIn : 0
  }

  /** A presented secret was wrong (or the client unknown): counted, unless already counted before the hash. */
  async clientAuthenticationFailed(clientId: string, address: string, counted: boolean): Promise<void> {
    const limit = this.#limits.clientAuthentication
    if (limit !== undefined && !counted) await this.#limiter.hit(limit, [clientId, address])
  }

  /** A secret counted before its hash was right: the count starts again. */
  async clientAuthenticationSucceeded(clientId: string, address: string, counted: boolean): Promise<void> {
    const limit = this.#limits.clientAuthentication
    if (limit !== undefined && counted) await this.#limiter.reset(limit, [clientId, address])
  }

  /** Whether sign-ins as `username` from `address` are refused now (per name and address, and per name). */
  signInLockedFor(username: string, address: string): Wait | Promise<Wait> {
    const { signIn, signInPerUser } = this.#limits
    // The common path: nothing counted under either limit here, so no key to build and no hop.
    if (this.#isQuiet(signIn) && this.#isQuiet(signInPerUser)) return 0
    const user = usernameKey(username)
    return Promise.all([this.#lockedFor(signIn, [user, address]), this.#lockedFor(signInPerUser, [user])]).then(([a, b]) => Math.max(a, b))
  }

  /** A wrong password for `username` from `address`; the wait when this failure used up the allowance. */
  async signInFailed(username: string, address: string): Promise<Wait> {
    const user = usernameKey(username)
    return Math.max(await this.#count(this.#limits.signIn, [user, address]), await this.#count(this.#limits.signInPerUser, [user]))
  }

  /** A right password: the failures of this name from this address are forgotten (not the per-name ones). */
  signInSucceeded(username: string, address: string): Promise<void> | undefined {
    const limit = this.#limits.signIn
    if (limit === undefined || this.#limiter.quiet(limit)) return undefined
    return this.#limiter.reset(limit, [usernameKey(username), address])
  }

  /** Whether `address` may type a user code now. */
  userCodeLockedFor(address: string): Promise<Wait> {
    return this.#lockedFor(this.#limits.userCodeGuesses, [address])
  }

  /**
   * A wrong user code from `address`; the wait when the address is now locked. Past the global ceiling an
   * address is locked at its first wrong code: the ceiling tightens the per-address rule and never
   * refuses an address that has typed no wrong code.
   */
  async userCodeFailed(address: string): Promise<Wait> {
    const limit = this.#limits.userCodeGuesses
    const global = this.#limits.userCodeGuessesGlobal
    if (limit === undefined) return 0
    const hit = await this.#limiter.hit(limit, [address])
    if (hit.count >= limit.max) return hit.resetIn
    if (global === undefined) return 0
    const all = await this.#limiter.hit(global, ['*'])
    if (all.count < global.max) return 0
    await this.#limiter.lock(limit, [address], hit.resetIn)
    return hit.resetIn
  }

  /** One request to the device authorization endpoint by `clientId` from `address`. */
  deviceAuthorizationRequested(clientId: string, address: string): Promise<Wait> {
    return this.#admit(this.#limits.deviceAuthorization, [clientId, address])
  }

  /** One more pending device code for `clientId`: refused beyond the per-client and the total caps. */
  async deviceCodeIssued(clientId: string): Promise<Wait> {
    const perClient = await this.#admit(this.#limits.devicePendingPerClient, [clientId])
    if (perClient > 0) return perClient
    return this.#admit(this.#limits.devicePendingTotal, ['*'])
  }

  /** One request to the registration endpoint (RFC 7591) from `address`: refused beyond `registration`. */
  registrationRequested(address: string): Promise<Wait> {
    return this.#admit(this.#limits.registration, [address])
  }

  /** Whether `limit` is off or has nothing counted here (see `Limiter.quiet`). */
  #isQuiet(limit: ActiveLimit | undefined): boolean {
    return limit === undefined || this.#limiter.quiet(limit)
  }

  async #lockedFor(limit: ActiveLimit | undefined, key: readonly string[]): Promise<Wait> {
    return limit === undefined ? 0 : this.#limiter.lockedFor(limit, key)
  }

  /** Counts a failure; the wait when it reached the limit. */
  async #count(limit: ActiveLimit | undefined, key: readonly string[]): Promise<Wait> {
    if (limit === undefined) return 0
    const hit = await this.#limiter.hit(limit, key)
    return hit.count >= limit.max ? hit.resetIn : 0
  }

  /** Counts a request; the wait when it is beyond the limit. */
  async #admit(limit: ActiveLimit | undefined, key: readonly string[]): Promise<Wait> {
    if (limit === undefined) return 0
    const hit = await this.#limiter.hit(limit, key)
    return hit.exceeded ? hit.resetIn : 0
  }
}

/** Printable ASCII only: NFKC leaves it as it is. */
const PLAIN_ASCII = /^[\x20-\x7e]*$/

/** Usernames are counted case- and width-insensitively, so `Alice` and `ALICE` share one count. */
function usernameKey(username: string): string {
  return (PLAIN_ASCII.test(username) ? username : username.normalize('NFKC')).toLowerCase()
}

/** "5 minutes", "1 minute", "30 seconds": how long to wait, in words for a page. */
export function waitInWords(seconds: Wait): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`
  const minutes = Math.ceil(seconds / 60)
  return `${minutes} minute${minutes === 1 ? '' : 's'}`
}
