/**
 * The health endpoints of `oauth2-stack serve` (and `npm start`): `GET /healthz` answers 200 while the
 * process answers at all (liveness); `GET /readyz` answers 200 when every store answers within its
 * timeout and 503 otherwise (both `no-store`) (readiness: take the instance out of the load balancer, do not restart it).
 * During a shutdown every new request, these included, is refused with 503.
 *
 * @module
 */
import type { AuthorizationController } from '../controller.ts'
import type { ReadinessReport } from '../readiness.ts'
import type { Request } from '../web/request.ts'
import { Response } from '../web/response.ts'

/** Path of the liveness probe. */
export const HEALTHZ_PATH = '/healthz'
/** Path of the readiness probe. */
export const READYZ_PATH = '/readyz'

/**
 * The answer to a health probe, or `undefined` when `request` is not one. `onNotReady` sees the full
 * report (with the drivers' words, for the log); the body names only the stores and whether they answered.
 */
export async function healthResponse(
  request: Request,
  controller: Pick<AuthorizationController<never>, 'readiness'>,
  onNotReady?: (report: ReadinessReport) => void,
): Promise<Response | undefined> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined
  if (request.path === HEALTHZ_PATH) return Response.json(200, { status: 'ok' })
  if (request.path !== READYZ_PATH) return undefined
  const report = await controller.readiness()
  if (!report.ready) onNotReady?.(report)
  const stores = Object.fromEntries(report.stores.map((store) => [store.name, store.ready ? 'ready' : 'unavailable']))
  return Response.json(report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'unavailable', stores })
}
