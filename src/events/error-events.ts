/**
 * The audit events an answered error stands for, derived where every endpoint reports its errors (the
 * controller's `onError` path), so no endpoint has to emit them.
 *
 * @module
 */
import { StoreUnavailableError, type AnyOAuthError } from '../errors.ts'
import { storeFailureOf } from '../internal/guard-store.ts'
import type { AuditEventInput } from './types.ts'

/** `rate_limited` for a request a rate limit refused (429 `too_many_requests`). */
export function rateLimitedEventOf(error: AnyOAuthError): AuditEventInput | undefined {
  if (error.error !== 'too_many_requests') return undefined
  return { type: 'rate_limited', limit: error.limit ?? 'unknown', retryAfterSeconds: error.retryAfter }
}

/** `store.unavailable` for a `temporarily_unavailable` answered because a store failed or timed out. */
export function storeUnavailableEventOf(error: AnyOAuthError): AuditEventInput | undefined {
  if (error.error !== 'temporarily_unavailable') return undefined
  const cause: unknown = error.cause
  if (!(cause instanceof StoreUnavailableError)) return undefined
  const failure = storeFailureOf(cause)
  return { type: 'store.unavailable', operation: failure?.operation, reason: failure?.reason ?? 'failure' }
}
