/**
 * The audit events an answered error stands for, derived where every endpoint reports its errors (the
 * controller's `onError` path), so no endpoint has to emit them.
 *
 * @module
 */
import { StoreUnavailableError, type AnyOAuthError } from '../errors.ts'
import { storeFailureOf } from '../internal/guard-store.ts'
import type { AuditEventInput } from './types.ts'

/** `store.unavailable` for a `temporarily_unavailable` answered because a store failed or timed out. */
export function storeUnavailableEventOf(error: AnyOAuthError): AuditEventInput | undefined {
  if (error.error !== 'temporarily_unavailable') return undefined
  const cause: unknown = error.cause
  if (!(cause instanceof StoreUnavailableError)) return undefined
  const failure = storeFailureOf(cause)
  return { type: 'store.unavailable', operation: failure?.operation, reason: failure?.reason ?? 'failure' }
}
