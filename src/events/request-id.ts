/**
 * One id per request, shared by the audit events, the tracing channels and the request log, so their
 * lines can be joined.
 *
 * @module
 */
import { REQUEST_ID_SLOT, type ObservedRequest, type Request } from '../web/request.ts'
import { randomUuid } from './random-uuid.ts'

/** An incoming `X-Request-Id` is kept only when it is this short and this plain (no log forging). */
const SAFE_ID = /^[\w.:@-]{1,64}$/

/**
 * The request's id: its `X-Request-Id` header (set by a proxy or the client) when it is at most 64
 * letters, digits and `_ . : @ -`; otherwise a random UUID. The same request always gets the same id.
 */
export function requestIdOf(request: Request): string {
  const slots = request as unknown as ObservedRequest
  let id = slots[REQUEST_ID_SLOT]
  if (id === undefined) {
    const header = request.header('x-request-id')
    id = header !== undefined && SAFE_ID.test(header) ? header : randomUuid()
    slots[REQUEST_ID_SLOT] = id
  }
  return id
}
