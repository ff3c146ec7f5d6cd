import { isOAuthError, StoreUnavailableError } from '../errors.ts'

/**
 * Wraps a store so that every call answers within `timeoutMs` and every infrastructure failure becomes a
 * `StoreUnavailableError` (answered 503 `temporarily_unavailable`), never a hang or a 500 with internal
 * text. OAuth errors a seed-style store throws (e.g. `ClientNotFoundError`) pass through.
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
        guarded = (...args: unknown[]): unknown => call(method, target, args, `${name}.${String(property)}`, timeoutMs)
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
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`${label} did not answer within ${timeoutMs} ms`)), timeoutMs)
  })
  return Promise.race([result, timeout]).then(
    (value: unknown) => {
      clearTimeout(timer)
      return value
    },
    (error: unknown) => {
      clearTimeout(timer)
      throw unavailable(error, label)
    },
  )
}

function unavailable(error: unknown, label: string): Error {
  if (isOAuthError(error) || error instanceof StoreUnavailableError) return error
  return new StoreUnavailableError(`${label} failed`, { cause: error })
}
