/**
 * The token-family policy every backend applies: the rotation rule (concurrent refresh included), how
 * long a revoked family keeps refusing tokens, which families a write touches and in which order, how
 * long a family's row lives, and which families are offline.
 *
 * @module
 */
import type { AccessToken, RefreshToken } from '../types.ts'
import type { RotationOutcome, RotationRequest } from './types.ts'

/** How many successors one token may have when the grant does not say (`concurrentRefreshes`). */
export const DEFAULT_CONCURRENT_REFRESHES = 10

/** The most `concurrentRefreshes` may be: the siblings of one token are tombstoned in one step. */
export const MAX_CONCURRENT_REFRESHES = 100

/**
 * The rotation rule every store applies inside its own atomic step, so all backends decide alike.
 * `current` is the stored record of the presented token; `successorRotated` says whether one of its
 * successors has been used already (then a retry is a replay, not a concurrent refresh); `successors` is
 * how many successors it has been given (the first rotation included; a store that keeps no count may
 * leave it out: then a rotated token counts as having one).
 *
 * RFC 9700 section 4.14.2: a refresh token presented after it was rotated out means the token leaked;
 * the whole family is revoked. Concurrent refresh (off by default) bends this for `graceSeconds` after
 * the rotation: the same client presenting the rotated-out token again gets one more sibling successor,
 * up to `concurrentRefreshes` successors in all, as long as none of them has been used.
 */
export function decideRotation(
  current: RefreshToken | undefined,
  request: RotationRequest,
  successorRotated: boolean,
  successors: number = current === undefined ? 0 : successorCount(current, 0),
): RotationOutcome {
  if (current === undefined || current.expiresAt <= request.now || current.clientId !== request.clientId) {
    return 'invalid'
  }
  if (current.rotatedAt === undefined) return 'rotated'
  const limit = request.concurrentRefreshes ?? DEFAULT_CONCURRENT_REFRESHES
  const withinGrace =
    request.graceSeconds > 0 && request.now - current.rotatedAt <= request.graceSeconds && !current.graceUsed && successors < limit
  return withinGrace && !successorRotated ? 'grace' : 'reused'
}

/**
 * How many successors a rotated-out token has, from the count a store keeps (its children) and, for a
 * token rotated by a release that kept no count, its successor link (one).
 */
export function successorCount(token: RefreshToken, children: number): number {
  return Math.max(children, token.successorHash === undefined ? 0 : 1)
}

/** How long a revoked family keeps refusing new tokens: grants still in flight finish well within a day. */
export const REVOKED_FAMILY_SECONDS = 86_400

/** The scope that makes a family offline (OpenID Connect Core 1.0 section 11). */
export const OFFLINE_ACCESS = 'offline_access'

/**
 * Whether a family created with `token` is offline: its refresh tokens survive logout
 * (OpenID Connect Core 1.0 section 11: only tokens granted with `offline_access` do).
 */
export function isOffline(token: AccessToken | RefreshToken): boolean {
  return token.scopes.includes(OFFLINE_ACCESS)
}

/** The expiry a token family's row needs so it outlives every token saved into it. */
export function familyExpiry(accessToken: AccessToken, refreshToken: RefreshToken | undefined): number {
  return Math.max(accessToken.expiresAt, refreshToken?.expiresAt ?? 0)
}

/** The distinct families of a token pair, sorted so that every writer locks them in the same order. */
export function familiesOf(accessToken: AccessToken, refreshToken: RefreshToken | undefined): string[] {
  const ids = new Set<string>()
  if (accessToken.familyId !== undefined) ids.add(accessToken.familyId)
  if (refreshToken !== undefined) ids.add(refreshToken.familyId)
  return [...ids].sort()
}
