import { isOAuthError, StoreUnavailableError } from '../errors.ts'
import { traceStore, tracesStores } from '../tracing/channels.ts'
import { withDeadline } from './deadline.ts'

/** What went wrong with a guarded store call, for the `store.unavailable` audit event. */
export interface StoreFailure {
  /** The call, e.g. `accessTokenStore.saveToken`. */
  readonly operation: string
  readonly reason: 'timeout' | 'failure'
}

const failures = new WeakMap<Error, StoreFailure>()

/** The call behind a `StoreUnavailableError` a guarded store rejected with, if it came from one. */
export function storeFailureOf(error: unknown): StoreFailure | undefined {
  return error instanceof Error ? failures.get(error) : undefined
}

/**
 * Wraps a store so that every call answers within `timeoutMs` and every infrastructure failure becomes a
 * `StoreUnavailableError` (answered 503 `temporarily_unavailable`), never a hang or a 500 with internal
 * text. OAuth errors a seed-style store throws (e.g. `ClientNotFoundError`) pass through. Each call is
 * an `oauth2-stack:store` trace when someone subscribes.
 */
export function guardStore<T extends object>(store: T, name: string, timeoutMs: number): T {
  const wrapped = new Map<PropertyKey, unknown>()
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      let guarded = wrapped.get(property)
      if (guarded === undefined) {
        const method = value as (...args: unknown[]) => unknown
        const label = `${name}.${String(property)}`
        guarded = (...args: unknown[]): unknown =>
          tracesStores()
            ? traceStore({ operation: label }, () => Promise.resolve(call(method, target, args, label, timeoutMs)))
            : call(method, target, args, label, timeoutMs)
        wrapped.set(property, guarded)
      }
      return guarded
    },
  })
}

function call(method: (...args: unknown[]) => unknown, target: object, args: unknown[], label: string, timeoutMs: number): unknown {
  let result: unknown
  try {
    result = method.apply(target, args)
  } catch (error) {
    return Promise.reject(unavailable(error, label))
  }
  if (!(result instanceof Promise)) return result
  const timedOut = (): Error => noted(new StoreUnavailableError(`${label} did not answer within ${timeoutMs} ms`), label, 'timeout')
  return withDeadline(result as Promise<unknown>, timeoutMs, timedOut).catch((error: unknown) => {
    throw unavailable(error, label)
  })
}

function unavailable(error: unknown, label: string): Error {
  if (isOAuthError(error)) return error
  if (error instanceof StoreUnavailableError) return failures.has(error) ? error : noted(error, label, 'failure')
  return noted(new StoreUnavailableError(`${label} failed`, { cause: error }), label, 'failure')
}

function noted(error: StoreUnavailableError, operation: string, reason: StoreFailure['reason']): StoreUnavailableError {
  failures.set(error, { operation, reason })
  return error
}
