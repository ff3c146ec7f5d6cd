/**
 * The token-family policy every backend applies: the rotation rule, how long a revoked family keeps
 * refusing tokens, which families a write touches and in which order, and how long a family's row lives.
 *
 * @module
 */
import type { AccessToken, RefreshToken } from '../types.ts'
import type { RotationOutcome, RotationRequest } from './types.ts'

/**
 * The rotation rule every store applies inside its own atomic step, so all backends decide alike.
 * `current` is the stored record of the presented token; `successorRotated` says whether its previous
 * successor has itself been used already (then a retry is not a lost response but a replay).
 *
 * RFC 9700 section 4.14.2: a refresh token presented after it was rotated out means the token leaked;
 * the whole family is revoked. The grace interval (off by default) tolerates one retry by the same client
 * shortly after rotation, for clients that lost the response.
 */
export function decideRotation(current: RefreshToken | undefined, request: RotationRequest, successorRotated: boolean): RotationOutcome {
  if (current === undefined || current.expiresAt <= request.now || current.clientId !== request.clientId) {
    return 'invalid'
  }
  if (current.rotatedAt === undefined) return 'rotated'
  const withinGrace = request.graceSeconds > 0 && request.now - current.rotatedAt <= request.graceSeconds && !current.graceUsed
  return withinGrace && !successorRotated ? 'grace' : 'reused'
}

/** How long a revoked family keeps refusing new tokens: grants still in flight finish well within a day. */
export const REVOKED_FAMILY_SECONDS = 86_400

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
