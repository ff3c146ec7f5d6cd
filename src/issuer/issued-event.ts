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
    // A literal made here, for this call alone: it becomes the event (`owned`), not copied.
    events.emit(
      subject.request,
      {
        type: 'token.issued',
        clientId: subject.client.clientId,
        userId: subject.userId,
        grantType: subject.grantType,
        scopes: subject.scopes,
        withRefreshToken: body.refresh_token !== undefined,
      },
      true,
    )
  }
}
