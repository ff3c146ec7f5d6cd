import type { GrantContext, UserData } from '../types.ts'

/**
 * A device authorization request (RFC 8628 section 3.1) as stored: identified by the SHA-256 hashes of
 * its device code and of its normalized user code, never by the codes themselves. Times are whole
 * seconds since the epoch.
 */
export interface DeviceAuthorization {
  /** SHA-256 of the device code, base64url: what the device polls with. */
  readonly deviceCodeHash: string
  /** SHA-256 of the normalized user code (upper case, no dashes), base64url: what the user types. */
  readonly userCodeHash: string
  /** The client that asked; only it may poll with the device code (RFC 8628 section 3.4). */
  readonly clientId: string
  /** The scopes asked for, after the grant's scope rules. */
  readonly scopes: readonly string[]
  /** The token family the tokens issued from this request belong to. */
  readonly familyId: string
  readonly issuedAt: number
  /** When the device code and the user code expire (RFC 8628 section 3.2 `expires_in`). */
  readonly expiresAt: number
  /** The polling interval in seconds first given to the device (RFC 8628 section 3.2 `interval`). */
  readonly interval: number
  /** What the grant carries beyond its tokens (resources bound at the device authorization endpoint…). */
  readonly context?: GrantContext | undefined
}

/** The user who approved a device authorization request. */
export interface DeviceApproval {
  readonly userId: string
  readonly data: UserData
}

/**
 * What one poll of the token endpoint finds (RFC 8628 section 3.5), decided atomically by the store:
 * - `pending`: not decided yet; the poll time is recorded.
 * - `slow_down`: polled sooner than `interval` seconds after the last poll; the interval is now 5 seconds
 *   longer (the new value is `interval`) and the poll time is recorded.
 * - `approved`: approved, and this poll is the one that consumes it: hand out tokens. Every later poll
 *   finds `consumed`.
 * - `consumed`: approved and already redeemed by an earlier poll.
 * - `denied`: the user denied it.
 * - `expired`: the device code has expired (whatever was decided before).
 */
export type DevicePoll =
  | { readonly status: 'pending' }
  | { readonly status: 'slow_down'; readonly interval: number }
  | { readonly status: 'approved'; readonly authorization: DeviceAuthorization; readonly user: DeviceApproval }
  | { readonly status: 'consumed' }
  | { readonly status: 'denied' }
  | { readonly status: 'expired' }

/**
 * Keeps device authorization requests (RFC 8628) between the device authorization endpoint, the
 * verification page and the token endpoint. Not found is `undefined`; only infrastructure failures throw
 * (throw `StoreUnavailableError` to answer 503 `temporarily_unavailable`).
 *
 * `approve`, `deny` and `poll` must each be atomic across every process sharing the store: a user code
 * is decided once, and an approval is redeemed by exactly one poll.
 */
export interface DeviceCodeStore {
  /**
   * Saves a new, pending request. Resolves `false`, saving nothing, when its device-code hash is taken or
   * its user-code hash belongs to another request that is still pending and unexpired (the grant then
   * draws another user code).
   */
  save(authorization: DeviceAuthorization): Promise<boolean>
  /**
   * The request a user code belongs to, only while it is pending and `now` is before its expiry: a user
   * code is single-use and dies with its device code (RFC 8628 section 6.1).
   */
  fetchByUserCode(userCodeHash: string, now: number): Promise<DeviceAuthorization | undefined>
  /** The request of a device code in any state, expired ones included until they are purged. */
  fetchByDeviceCode(deviceCodeHash: string): Promise<DeviceAuthorization | undefined>
  /** Approves a pending, unexpired request for `user`; `false` when it is not (any more). Atomic, once. */
  approve(userCodeHash: string, user: DeviceApproval, now: number): Promise<boolean>
  /** Denies a pending, unexpired request; `false` when it is not (any more). Atomic, once. */
  deny(userCodeHash: string, now: number): Promise<boolean>
  /**
   * One poll of the token endpoint at `now` (RFC 8628 section 3.4 and 3.5), decided and recorded in one
   * atomic step; see {@link DevicePoll}. `undefined` for an unknown device code.
   */
  poll(deviceCodeHash: string, now: number): Promise<DevicePoll | undefined>
  /** Forgets requests whose device code expired long enough before `now` (the store decides how long). */
  purge(now: number): Promise<void>
}

/** RFC 8628 section 3.5: each `slow_down` adds 5 seconds to the polling interval. */
export const SLOW_DOWN_SECONDS = 5
