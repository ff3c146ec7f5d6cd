/**
 * Failures of the SQL stores, written once: the 503 a request gets, the start-up deadline, retries of
 * deadlock victims. Internal.
 *
 * @module
 */
import { StoreUnavailableError } from '../../errors.ts'
import { withDeadline } from '../../internal/deadline.ts'
import { describeError, unreachableError } from '../errors.ts'

/**
 * Wraps a failure during a request as {@link StoreUnavailableError} (the controller answers 503
 * `temporarily_unavailable`, RFC 6749 section 4.1.2.1). When the tables are missing the message says
 * so: `migrate()` is never run implicitly.
 */
export function storeFailure(
  backend: string,
  operation: string,
  error: unknown,
  isMissingTable: (error: unknown) => boolean,
): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error
  const hint = isMissingTable(error) ? ': its tables are missing (run migrate() at start-up)' : `: ${describeError(error)}`
  return new StoreUnavailableError(`${backend} store: ${operation} failed${hint}`, { cause: error })
}

/** Reads a property of a value (an error, a driver's config) without trusting its type. */
export function readProperty(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined
}

/** Runs `attempt`, once more (up to `times` in all) when it fails with an error `retryable` accepts. */
export async function withRetries<T>(times: number, retryable: (error: unknown) => boolean, attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt()
    } catch (error) {
      if (i >= times || !retryable(error)) throw error
    }
  }
}

/**
 * A pooled connection for start-up (`connect()`, `migrate()`) within `timeoutMs`, or an
 * {@link unreachableError} naming the backend and its address. A connection that arrives after the
 * deadline goes straight back to the pool.
 */
export async function connectWithin<C extends { release(): void }>(
  connect: () => Promise<C>,
  timeoutMs: number,
  backend: string,
  address: string,
): Promise<C> {
  try {
    return await withDeadline(
      connect(),
      timeoutMs,
      () => new Error(`no connection within ${timeoutMs} ms`),
      (late) => late.release(),
    )
  } catch (error) {
    throw unreachableError(backend, address, error)
  }
}
