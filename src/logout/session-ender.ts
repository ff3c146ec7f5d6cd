import type { Request } from '../web/request.ts'

/** The browser's login session, as the end-session endpoint needs it. */
export interface LoginSessionInfo {
  /** The session id: the `sid` of the ID tokens issued in it. */
  readonly sessionId: string
  /** The user logged in (the `sub` of those ID tokens). */
  readonly userId: string
  /** The clients that got tokens in this session: those told by back-channel logout. */
  readonly clientIds: readonly string[]
}

/**
 * What logout needs from the login sessions (`sessions/`): find the browser's session and end it. The
 * OpenID Connect feature codes against this interface only; the sessions feature implements it.
 *
 * @typeParam Env - the type of `environ` given to `dispatch`.
 */
export interface SessionEnder<Env = unknown> {
  /** The login session of the browser making `request`, or `undefined` when there is none. */
  current(request: Request, environ: Env): Promise<LoginSessionInfo | undefined>
  /** Ends the session; resolves the `Set-Cookie` values that clear it in the browser. */
  end(request: Request, environ: Env, sessionId: string): Promise<readonly string[]>
}

/**
 * The token store's optional operation (added by the store work) that revokes every token family of a
 * login session; with `exceptOffline`, families granted `offline_access` survive (Core 1.0 section 11).
 */
export interface RevokesFamiliesBySession {
  revokeFamilies(selector: { readonly sessionId: string; readonly exceptOffline: boolean }): Promise<unknown>
}

/** Whether a store has {@link RevokesFamiliesBySession.revokeFamilies}. */
export function revokesFamiliesBySession(store: object): store is RevokesFamiliesBySession {
  return typeof (store as Partial<RevokesFamiliesBySession>).revokeFamilies === 'function'
}
