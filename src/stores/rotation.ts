import type { RefreshToken } from '../types.ts'
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
export function decideRotation(
  current: RefreshToken | undefined,
  request: RotationRequest,
  successorRotated: boolean,
): RotationOutcome {
  if (current === undefined || current.expiresAt <= request.now || current.clientId !== request.clientId) {
    return 'invalid'
  }
  if (current.rotatedAt === undefined) return 'rotated'
  const withinGrace =
    request.graceSeconds > 0 && request.now - current.rotatedAt <= request.graceSeconds && !current.graceUsed
  return withinGrace && !successorRotated ? 'grace' : 'reused'
}
