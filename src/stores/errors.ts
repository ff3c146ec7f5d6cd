/**
 * How every backend reports a failure, written once: a driver error's own words, the start-up error that
 * names a backend and its address, and the {@link StoreUnavailableError} the controller turns into 503.
 * Internal: not exported from the package.
 *
 * @module
 */
import { StoreUnavailableError } from '../errors.ts'

/** A driver error's own words: its message, else its code (Node's connection errors can have neither). */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    const inner = error.errors.map(describeError).filter((text) => text !== '')
    if (inner.length > 0) return [...new Set(inner)].join('; ')
  }
  if (error instanceof Error) {
    if (error.message !== '') return error.message
    const code = (error as Error & { code?: unknown }).code
    if (typeof code === 'string') return code
  }
  return String(error)
}

/**
 * The error a store's `connect()` or `migrate()` rejects with when the backend cannot be reached at
 * start-up: it names the backend and its address (never a password).
 */
export function unreachableError(backend: string, address: string, error: unknown): Error {
  return new Error(`${backend} at ${address} is unreachable: ${describeError(error)}`, { cause: error })
}

/** A driver failure, as the controller expects it: a {@link StoreUnavailableError} naming the operation. */
export function unavailable(error: unknown, operation: string): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error
  return new StoreUnavailableError(`${operation} failed: ${describeError(error)}`, { cause: error })
}
