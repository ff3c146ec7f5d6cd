import { AccessDenied, ConsentRequired, InvalidRequest, LoginRequired } from '../errors.ts'
import type { AuditEventInput } from '../events/types.ts'
import type { Limits } from '../limits/rate-limits.ts'
import { applySignInLimits } from '../limits/sign-in.ts'
import { NO_USER_DATA, type Client, type GrantContext, type UserData } from '../types.ts'
import { CSRF_FIELD, type CsrfGuard } from '../web/csrf.ts'
import { formActionOf, renderConsentPage } from '../web/interaction.ts'
import { uiLocalesOf } from '../web/page-hooks.ts'
import type { Request } from '../web/request.ts'
import { protectPage, type Response } from '../web/response.ts'
import type { SiteAdapter } from '../web/site-adapter.ts'
import type { AuthorizationParameters } from './authorization-parameters.ts'
import type { RememberedConsent, RememberedConsents } from './consent-store.ts'
import type { LoginSession, LoginSessions } from './login-sessions.ts'

/**
 * Checks an `id_token_hint` (OpenID Connect Core section 3.1.2.1): the subject (the site adapter's user
 * id) and session of an ID token this server issued, or `undefined` when it is not one. The OpenID
 * Connect feature provides it; without it, `id_token_hint` is ignored.
 */
export type IdTokenHintVerifier = (idTokenHint: string) => Promise<{ readonly sub: string; readonly sid?: string } | undefined>

/** What the login/consent split works with. */
export interface InteractionServices<Env> {
  readonly sessions: LoginSessions
  readonly consents: RememberedConsents
  readonly csrf: CsrfGuard
  readonly limits: Pick<Limits<Env>, 'signInLockedFor' | 'signInFailed' | 'signInSucceeded' | 'address'>
  /** Now, in epoch seconds. */
  now(): number
  emit(request: Request, event: AuditEventInput): void
  /** Checks `id_token_hint`; see {@link IdTokenHintVerifier}. */
  readonly verifyIdTokenHint?: IdTokenHintVerifier | undefined
}

/** The user an authorization is granted for, with what the grant carries (OpenID Connect `auth_time`, `sid`). */
export interface InteractionGrant {
  readonly userId: string
  readonly data: UserData
  readonly context: GrantContext
}

/** A validated authorization request handed to the login/consent split. */
export interface InteractionRequest<Env> {
  readonly request: Request
  readonly environ: Env
  readonly adapter: SiteAdapter<Env>
  readonly client: Client
  readonly redirectUri: string
  readonly scopes: readonly string[]
  readonly parameters: AuthorizationParameters
  /** A parameter of the authorization request, from the query or the form body. */
  readonly param: (name: string) => string | undefined
  /** What the request's CSRF tokens are bound to (its parameters); the stage and session are added here. */
  readonly binding: string
  /** Issues the code or token and answers with the redirect to the client. */
  issue(grant: InteractionGrant): Promise<Response>
}

/** What {@link InteractionFlow.run} answers when the POST's CSRF token is not one for this stage and browser. */
export const CSRF_FAILED: unique symbol = Symbol('csrf-failed')

type Stage = 'login' | 'consent'

/**
 * The authorization endpoint's login and consent when the site adapter implements `login` (the
 * login/consent split): the core keeps the login session and remembered consent, and asks the site
 * adapter for pages only when they are needed. Order of decisions, after the client, redirect URI and
 * grant parameters are valid:
 *
 * 1. A POST with a CSRF token is a decision of the stage its form was rendered for (`interaction=login`
 *    or `consent` in the form's action, bound into the token, the consent stage also to the session).
 *    `userHasDeniedAccess` → `access_denied`.
 * 2. A login POST asks `login`; a success begins a new session (new id: no fixation) and counts toward
 *    the sign-in limits like the seed's flow.
 * 3. Otherwise the session (or one seeded by `currentUser`) must exist, be for the `id_token_hint`'s
 *    user (else `login_required`), be young enough for `max_age`, and `prompt` must not ask for login or
 *    account selection — else the login page, or `login_required` with `prompt=none`.
 * 4. A consent POST, or a remembered consent covering the scopes (never with `prompt=consent`, never for
 *    a loopback-only client), grants; else the consent page, or `consent_required` with `prompt=none`.
 */
export class InteractionFlow<Env> {
  readonly #services: InteractionServices<Env>

  constructor(services: InteractionServices<Env>) {
    this.#services = services
  }

  /** Decides the request: a page, the redirect to the client, or {@link CSRF_FAILED}; throws OAuth errors to send the client. */
  async run(input: InteractionRequest<Env>): Promise<Response | typeof CSRF_FAILED> {
    const { request, environ, adapter, client, scopes, parameters } = input
    const { sessions, csrf } = this.#services
    const decision = request.method === 'POST' && request.postParam(CSRF_FIELD) !== undefined
    let session = await sessions.current(request)
    const cookies: string[] = []
    if (decision) {
      const stage = stageOf(request)
      if (stage === undefined || !(await csrf.verify(request, stageBinding(input.binding, stage, session)))) return CSRF_FAILED
      if (await adapter.userHasDeniedAccess(request, environ, scopes, client))
        throw new AccessDenied('The resource owner denied the request.')
      if (stage === 'consent' && session !== undefined) {
        // The token was bound to this session's consent page: the user approved it.
        const consent = await this.#services.consents.remember(session.userId, client, input.redirectUri, scopes)
        return this.#grant(input, session, consent.grantId, cookies)
      }
      if (stage === 'login') {
        if (adapter.login === undefined) throw new TypeError('the login/consent split needs SiteAdapter.login')
        const result = await adapter.login(request, environ, {
          client,
          scopes,
          prompts: [...parameters.prompts],
          loginHint: parameters.loginHint,
          uiLocales: uiLocalesOf(request),
        })
        const address = this.#services.limits.address(environ, request)
        switch (result.type) {
          case 'authenticated': {
            // RFC 6749 section 4.3.2: a password typed on the form; the sign-in limits decide first.
            const username = result.username ?? result.userId
            await applySignInLimits(this.#services.limits, { type: 'granted', userId: result.userId, username }, address)
            const started = await sessions.start(request, {
              userId: result.userId,
              authTime: result.authTime ?? this.#services.now(),
              data: result.data ?? NO_USER_DATA,
            })
            session = started.session
            cookies.push(started.setCookie)
            await this.#checkHint(parameters, session)
            if (result.consent === true) {
              // A combined login-and-consent page: the user allowed the request with the same button.
              const consent = await this.#services.consents.remember(session.userId, client, input.redirectUri, scopes)
              return this.#grant(input, session, consent.grantId, cookies)
            }
            return this.#consentOrGrant(input, session, cookies)
          }
          case 'failed':
            await applySignInLimits(this.#services.limits, result, address)
            this.#services.emit(request, { type: 'user.login_failed', clientId: client.clientId, username: result.username })
            return this.#page(input, 'login', undefined, undefined, cookies)
          case 'denied':
            throw new AccessDenied('The resource owner denied the request.')
          case 'respond':
            return protectPage(result.response)
          case 'unauthenticated':
            return this.#page(input, 'login', undefined, undefined, cookies)
        }
      }
    }
    if (session === undefined && adapter.currentUser !== undefined) {
      const host = await adapter.currentUser(request, environ)
      if (host !== undefined) {
        const started = await sessions.start(request, { userId: host.userId, authTime: host.authTime, data: host.data ?? NO_USER_DATA })
        session = started.session
        cookies.push(started.setCookie)
      }
    }
    if (session !== undefined) await this.#checkHint(parameters, session)
    if (session === undefined || this.#needsLogin(session, parameters)) {
      // OpenID Connect Core section 3.1.2.1: with prompt=none no page is shown.
      if (parameters.prompts.has('none')) throw new LoginRequired('The user must sign in.')
      return this.#page(input, 'login', undefined, undefined, cookies)
    }
    return this.#consentOrGrant(input, session, cookies)
  }

  /** Grants under a remembered consent that covers the request, else asks for consent. */
  async #consentOrGrant(input: InteractionRequest<Env>, session: LoginSession, cookies: string[]): Promise<Response> {
    const { client, scopes, parameters } = input
    const remembered = await this.#services.consents.find(session.userId, client, input.redirectUri)
    if (!parameters.prompts.has('consent') && this.#services.consents.covers(remembered, client, scopes)) {
      return this.#grant(input, session, remembered.grantId, cookies)
    }
    if (parameters.prompts.has('none')) throw new ConsentRequired('The user must allow this request.')
    return this.#page(input, 'consent', session, remembered, cookies)
  }

  /** Whether the session does not satisfy the request: `prompt=login` or `select_account`, or older than `max_age`. */
  #needsLogin(session: LoginSession, parameters: AuthorizationParameters): boolean {
    const { prompts, maxAge } = parameters
    if (prompts.has('login') || prompts.has('select_account')) return true
    // OpenID Connect Core section 3.1.2.1: max_age asks for a new authentication when the last is older.
    return maxAge !== undefined && this.#services.now() - session.authTime > maxAge
  }

  /** `login_required` when `id_token_hint` names another user than the session's (Core section 3.1.2.1). */
  async #checkHint(parameters: AuthorizationParameters, session: LoginSession): Promise<void> {
    const verify = this.#services.verifyIdTokenHint
    if (parameters.idTokenHint === undefined || verify === undefined) return
    const hinted = await verify(parameters.idTokenHint)
    if (hinted === undefined) throw new InvalidRequest('The id_token_hint is not an ID token issued by this server.')
    if (hinted.sub !== session.userId) throw new LoginRequired('The id_token_hint names another user than the one signed in.')
  }

  async #grant(input: InteractionRequest<Env>, session: LoginSession, grantId: string, cookies: readonly string[]): Promise<Response> {
    // Back-Channel Logout 1.0 section 2.7: the session remembers each client granted in it, so logout can
    // tell them all. Recorded before the code or token leaves, so no client holds one the session forgot.
    await this.#services.sessions.addClient(session, input.client.clientId)
    const response = await input.issue({
      userId: session.userId,
      data: session.data,
      context: { subjectType: 'user', authTime: session.authTime, sessionId: session.sid, grantId },
    })
    for (const cookie of cookies) response.addCookie(cookie)
    return response
  }

  async #page(
    input: InteractionRequest<Env>,
    stage: Stage,
    session: LoginSession | undefined,
    remembered: RememberedConsent | undefined,
    cookies: readonly string[],
  ): Promise<Response> {
    const { request, environ, client, scopes } = input
    const page = await renderConsentPage(input.adapter, this.#services.csrf, {
      request,
      environ,
      client,
      scopes,
      formAction: formActionOf(request, input.param, stage),
      binding: stageBinding(input.binding, stage, session),
      interaction: this.#context(input, stage, session, remembered),
    })
    for (const cookie of cookies) page.addCookie(cookie)
    return page
  }

  #context(input: InteractionRequest<Env>, stage: Stage, session: LoginSession | undefined, remembered: RememberedConsent | undefined) {
    return {
      stage,
      prompts: [...input.parameters.prompts],
      loginHint: input.parameters.loginHint,
      userId: session?.userId,
      rememberedScopes: remembered?.scopes ?? [],
    } as const
  }
}

/** The stage a form was rendered for: the `interaction` query parameter of its action. */
function stageOf(request: Request): Stage | undefined {
  const stage = request.getParam('interaction')
  return stage === 'login' || stage === 'consent' ? stage : undefined
}

/** A stage's CSRF binding: the request, the stage and, for consent, the session the page was shown in. */
function stageBinding(binding: string, stage: Stage, session: LoginSession | undefined): string {
  return `${binding}\0${stage}\0${stage === 'consent' ? (session?.sid ?? '') : ''}`
}
