import type { GrantServices } from '../grants/types.ts'
import type { Request } from '../web/request.ts'
import type { LoginSessionInfo, SessionEnder } from './session-ender.ts'

/**
 * The {@link SessionEnder} over the core's login sessions (`services.sessions`, src/sessions/): what
 * {@link OpenIdConnect} uses when no `sessions` option is given. The session's id is its public `sid`
 * (the one in the ID tokens and in `GrantContext.sessionId` of the codes and tokens made in it), never
 * the cookie's value. Ending it deletes the session, clears its cookie and ends the host application's
 * own session through `SiteAdapter.endSession` when the site adapter has one; the end-session endpoint
 * then revokes the session's token families except the offline ones.
 *
 * The session's `clientIds` are the clients the authorization endpoint granted a code or token in it
 * (`LoginSession.clientIds`, recorded by the login/consent split), so back-channel logout tells each of
 * them that registered a `backchannelLogoutUri`.
 *
 * @typeParam Env - the type of `environ` given to `dispatch`.
 */
export class CoreSessionEnder<Env> implements SessionEnder<Env> {
  readonly #services: GrantServices<Env>

  constructor(services: GrantServices<Env>) {
    this.#services = services
  }

  async current(request: Request): Promise<LoginSessionInfo | undefined> {
    const session = await this.#services.sessions.current(request)
    return session === undefined ? undefined : { sessionId: session.sid, userId: session.userId, clientIds: session.clientIds }
  }

  // The session to end is the browser's own, the one `current` found for the same request.
  async end(request: Request, environ: Env, _sessionId: string): Promise<readonly string[]> {
    const { clearCookie } = await this.#services.sessions.end(request)
    await this.#services.siteAdapter?.endSession?.(request, environ)
    return [clearCookie]
  }
}
