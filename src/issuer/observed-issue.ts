import type { AuditEvents } from '../events/audit-events.ts'
import type { TokenIssuer } from './token-issuer.ts'
import type { TokenResponseBody, TokenSubject } from './types.ts'

/**
 * The issuer's `issue`, followed by a `token.issued` audit event once the store agreed to keep the tokens;
 * the plain `issue` when nobody listens to events (no cost then).
 */
export function observedIssue<Env>(
  issuer: TokenIssuer,
  events: AuditEvents<Env> | undefined,
): (subject: TokenSubject) => Promise<TokenResponseBody> {
  if (events === undefined) return (subject) => issuer.issue(subject)
  return async (subject) => {
    const body = await issuer.issue(subject)
    // Only now: the store agreed to keep the tokens.
    if (subject.request !== undefined) {
      events.emit(subject.request, {
        type: 'token.issued',
        clientId: subject.client.clientId,
        userId: subject.userId,
        grantType: subject.grantType,
        scopes: subject.scopes,
        withRefreshToken: body.refresh_token !== undefined,
      })
    }
    return body
  }
}
