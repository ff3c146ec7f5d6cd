/**
 * Readiness: whether every store answers in time, for a load balancer's readiness probe (`GET /readyz`
 * on `oauth2-stack serve`, or `controller.readiness()` where the host mounts the controller itself).
 *
 * @module
 */
import { withDeadline } from './internal/deadline.ts'
import { describeError } from './stores/errors.ts'
import { StoreUnavailableError } from './errors.ts'

/** One store's answer to the readiness probe. */
export interface StoreReadiness {
  /** `clientStore`, `accessTokenStore`, `authCodeStore` (when it is another object than the token store). */
  readonly name: string
  readonly ready: boolean
  /** Why it is not ready (the driver's words, or the timeout). For logs; not for an anonymous caller. */
  readonly error?: string
}

/** The readiness of a controller: ready when every store is. */
export interface ReadinessReport {
  readonly ready: boolean
  readonly stores: readonly StoreReadiness[]
}

/**
 * A store's optional readiness capability: a cheap round trip to its backend. Stores without it are
 * probed with a lookup of an id that cannot exist.
 */
export interface PingCapability {
  ping(): Promise<unknown>
}

/**
 * The id looked up by the fallback probe: never a token hash (those are base64url, without `:`), and no
 * NUL byte (PostgreSQL text refuses it). A read: harmless even if a client had this id.
 */
export const PROBE_ID = 'oauth2-stack:readiness-probe'

/** A store to probe and the cheap call that probes it when it has no `ping()`. */
export interface ReadinessProbe {
  readonly name: string
  readonly store: object
  readonly fallback: () => unknown
}

/**
 * Probes each distinct store once, concurrently; a store is ready when its probe resolves within
 * `timeoutMs`. Never rejects.
 */
export async function checkReadiness(probes: readonly ReadinessProbe[], timeoutMs: number): Promise<ReadinessReport> {
  const seen = new Set<object>()
  const distinct = probes.filter((probe) => !seen.has(probe.store) && seen.add(probe.store))
  const stores = await Promise.all(
    distinct.map(async ({ name, store, fallback }): Promise<StoreReadiness> => {
      try {
        const ping = (store as Partial<PingCapability>).ping
        const work = typeof ping === 'function' ? ping.call(store) : fallback()
        await withDeadline(
          Promise.resolve(work),
          timeoutMs,
          () => new StoreUnavailableError(`${name} did not answer within ${timeoutMs} ms`),
        )
        return { name, ready: true }
      } catch (error) {
        return { name, ready: false, error: describeReadinessError(error) }
      }
    }),
  )
  return { ready: stores.every((store) => store.ready), stores }
}

/** The guarded store's generic words ("… failed") with the driver's reason behind them. */
function describeReadinessError(error: unknown): string {
  const text = describeError(error)
  const cause = error instanceof Error ? error.cause : undefined
  return cause === undefined ? text : `${text}: ${describeError(cause)}`
}
