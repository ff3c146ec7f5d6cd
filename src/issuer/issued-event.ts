import type { AuditEvents } from '../events/audit-events.ts'
import type { TokenResponseBody, TokenSubject } from './types.ts'

/**
 * The issuer's `issued` hook that emits a `token.issued` audit event once the store agreed to keep the
 * tokens; `undefined` when nobody listens to events (no cost then).
 */
export function issuedEvent<Env>(
  events: AuditEvents<Env> | undefined,
): ((subject: TokenSubject, body: TokenResponseBody) => void) | undefined {
  if (events === undefined) return undefined
  return (subject, body) => {
    if (subject.request === undefined) return
    events.tokenIssued(
      subject.request,
      subject.client.clientId,
      subject.userId,
      subject.grantType,
      subject.scopes,
      body.refresh_token !== undefined,
    )
  }
}
