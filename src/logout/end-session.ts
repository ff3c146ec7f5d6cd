import { escapeHtml } from '../internal/html.ts'
import { CSRF_FIELD } from '../web/csrf.ts'
import { simplePage } from '../web/pages.ts'
import type { Request } from '../web/request.ts'
import { Response } from '../web/response.ts'
import { ServerError } from '../errors.ts'
import type { Signer } from '../keys/types.ts'
import { verifyIdTokenHint, type IdTokenHintClaims } from '../oidc/verify-id-token.ts'
import type { EndpointHandler, GrantServices } from '../grants/types.ts'
import type { Client } from '../types.ts'
import type { BackChannelLogout } from './back-channel.ts'
import { CoreSessionEnder } from './login-session-ender.ts'
import { revokesFamiliesBySession, type LoginSessionInfo, type SessionEnder } from './session-ender.ts'

/** What the end-session endpoint needs beside the controller's services. */
export interface EndSessionConfig<Env> {
  /** Path relative to the controller's mount point. */
  readonly path: string
  /** Verifies `id_token_hint` against the keys it publishes. */
  readonly signer: Signer
  /** The login sessions; `undefined` for the core's own ({@link CoreSessionEnder}). */
  readonly sessions: SessionEnder<Env> | undefined
  /** Back-channel logout, when the server delivers it. */
  readonly backChannel: BackChannelLogout | undefined
}

/** The parameters of a logout request, validated. */
interface LogoutRequest {
  readonly hint: IdTokenHintClaims | undefined
  readonly client: Client | undefined
  readonly redirectUri: string | undefined
  readonly state: string | undefined
}

/**
 * The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0): GET or POST with `id_token_hint`
 * (accepted when expired, section 2), `client_id` (must be an audience of the hint), `post_logout_redirect_uri`
 * (registered by the client, exact match: never an open redirect) and `state`. When the request does not
 * prove which session to end (an `id_token_hint` of the browser's current session), the user confirms on a
 * page whose form is protected by the controller's CSRF guard. Ending the session clears the login
 * (through {@link SessionEnder}), revokes the session's token families except the offline ones (when the
 * token store can), and tells the session's clients by back-channel logout without making the browser wait.
 */
export class EndSessionEndpoint<Env> implements EndpointHandler<Env> {
  readonly path: string
  readonly metadataField = 'end_session_endpoint'
  readonly #config: EndSessionConfig<Env>
  #sessions: SessionEnder<Env> | undefined

  constructor(config: EndSessionConfig<Env>) {
    this.path = config.path
    this.#config = config
    this.#sessions = config.sessions
  }

  async handle(request: Request, environ: Env, services: GrantServices<Env>): Promise<Response> {
    try {
      if (request.method !== 'GET' && request.method !== 'POST') {
        const response = await services.pages.message(request, {
          kind: 'method_not_allowed',
          status: 405,
          title: 'Method not allowed',
          text: 'Sign out with GET or POST.',
        })
        response.headers.allow = 'GET, POST'
        return response
      }
      const parsed = await this.#parse(request, services)
      if (typeof parsed === 'string') return await this.#error(request, services, parsed)
      return await this.#logout(request, environ, services, parsed)
    } catch (error) {
      services.reportError(new ServerError(error instanceof Error ? error.message : 'logout failed'), request)
      return await this.#error(request, services, 'The sign-out could not be completed.', 500)
    }
  }

  /** RP-Initiated Logout 1.0 sections 2 and 3: the parameters, or the sentence explaining why they are refused. */
  async #parse(request: Request, services: GrantServices<Env>): Promise<LogoutRequest | string> {
    const param = (name: string): string | undefined => (request.method === 'POST' ? request.postParam(name) : request.getParam(name))
    const hintValue = param('id_token_hint')
    const clientId = param('client_id')
    const redirectUri = param('post_logout_redirect_uri')
    // Section 2: an expired hint is still a hint; its signature, issuer and audience must hold.
    const hint =
      hintValue === undefined ? undefined : await verifyIdTokenHint(this.#config.signer, hintValue, { issuer: services.issuer, clientId })
    if (hintValue !== undefined && hint === undefined) {
      return clientId === undefined
        ? 'The id_token_hint is not valid.'
        : 'The id_token_hint is not valid or was not issued to this client_id.'
    }
    const named = clientId ?? (hint === undefined ? undefined : hintClient(hint))
    const client = named === undefined ? undefined : await services.clientStore.fetchByClientId(named)
    if (named !== undefined && client === undefined) return 'The client is unknown.'
    if (redirectUri !== undefined) {
      // Section 3: post-logout redirection only to a URI the client registered, compared exactly.
      if (client === undefined) return 'A post_logout_redirect_uri needs a client_id or an id_token_hint.'
      if (client.postLogoutRedirectUris?.includes(redirectUri) !== true)
        return 'The post_logout_redirect_uri is not registered for this client.'
    }
    return { hint, client, redirectUri, state: param('state') }
  }

  async #logout(request: Request, environ: Env, services: GrantServices<Env>, logout: LogoutRequest): Promise<Response> {
    // Made once, on the first logout: the core's sessions live in the controller's services.
    const sessions = (this.#sessions ??= new CoreSessionEnder(services))
    const session = await sessions.current(request, environ)
    if (session === undefined) return this.#done(request, services, logout, [])
    const binding = ['end_session', session.sessionId, logout.client?.clientId ?? '', logout.redirectUri ?? '', logout.state ?? ''].join(
      '\0',
    )
    const submitted = request.method === 'POST' && request.postParam(CSRF_FIELD) !== undefined
    if (submitted && !(await services.csrf.verify(request, binding))) {
      return this.#error(request, services, 'The sign-out form expired or was not sent from this site. Please try again.')
    }
    if (!submitted && !proves(logout.hint, session)) return this.#confirmation(request, services, logout, binding)
    const cookies = [...(await sessions.end(request, environ, session.sessionId))]
    if (submitted) cookies.push(services.csrf.clearCookie)
    const store = services.accessTokenStore
    // Core 1.0 section 11: tokens granted offline_access outlive the session; the others end with it.
    if (revokesFamiliesBySession(store)) await store.revokeFamilies({ sessionId: session.sessionId, exceptOffline: true })
    this.#notify(request, services, session)
    return this.#done(request, services, logout, cookies)
  }

  /** Back-Channel Logout 1.0 section 2.7: each client of the session is told, without delaying the browser. */
  #notify(request: Request, services: GrantServices<Env>, session: LoginSessionInfo): void {
    const backChannel = this.#config.backChannel
    if (backChannel === undefined) return
    const now = services.now()
    for (const clientId of new Set(session.clientIds)) {
      void services.clientStore
        .fetchByClientId(clientId)
        .then(async (client) => {
          if (client?.backchannelLogoutUri === undefined) return
          const delivered = await backChannel.deliver(client, { userId: session.userId, sessionId: session.sessionId }, now)
          if (!delivered) services.reportError(new ServerError(`Back-channel logout to client ${clientId} failed.`), request)
        })
        .catch(() => services.reportError(new ServerError(`Back-channel logout to client ${clientId} failed.`), request))
    }
  }

  /** After logout: to the registered URI with `state` (section 3), or a page saying so. */
  async #done(request: Request, services: GrantServices<Env>, logout: LogoutRequest, cookies: readonly string[]): Promise<Response> {
    let response: Response
    if (logout.redirectUri === undefined) {
      response = await services.pages.message(request, {
        kind: 'logged_out',
        status: 200,
        title: 'Signed out',
        text: 'You are signed out.',
      })
    } else {
      const target = new URL(logout.redirectUri)
      if (logout.state !== undefined) target.searchParams.append('state', logout.state)
      response = Response.redirect(target.href, request.method === 'POST' ? 303 : 302)
    }
    for (const cookie of cookies) response.addCookie(cookie)
    return response
  }

  /** The confirmation page: a form posting the same request back with a single-use CSRF token. */
  async #confirmation(request: Request, services: GrantServices<Env>, logout: LogoutRequest, binding: string): Promise<Response> {
    const csrf = await services.csrf.issue(request, binding)
    const fields: [string, string | undefined][] = [
      [CSRF_FIELD, csrf.token],
      ['client_id', logout.client?.clientId],
      ['post_logout_redirect_uri', logout.redirectUri],
      ['state', logout.state],
    ]
    const hidden = fields
      .filter((field): field is [string, string] => field[1] !== undefined)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
      .join('')
    const name = logout.client?.name ?? logout.client?.clientId
    const question = name === undefined ? 'Do you want to sign out?' : `${name} asks you to sign out. Do you want to sign out?`
    const action = escapeHtml(`${request.basePath}${request.path}`)
    const response = simplePage(
      200,
      'Sign out',
      `<p>${escapeHtml(question)}</p><form method="post" action="${action}">${hidden}<button type="submit">Sign out</button></form>`,
    )
    if (csrf.setCookie !== undefined) response.addCookie(csrf.setCookie)
    return response
  }

  #error(request: Request, services: GrantServices<Env>, text: string, status = 400): Promise<Response> {
    return services.pages.message(request, { kind: 'error', status, title: 'Sign-out failed', text })
  }
}

/**
 * Whether the hint proves which session to end: an ID token of the browser's current session (its `sid`),
 * or, for a token without `sid`, of its user.
 */
function proves(hint: IdTokenHintClaims | undefined, session: LoginSessionInfo): boolean {
  if (hint === undefined) return false
  return hint.sid === undefined ? hint.sub === session.userId : hint.sid === session.sessionId
}

/** The client of a hint: its single audience, else its `azp` (Core 1.0 section 2). */
function hintClient(hint: IdTokenHintClaims): string | undefined {
  if (hint.aud.length === 1) return hint.aud[0]
  return typeof hint.claims.azp === 'string' ? hint.claims.azp : undefined
}
