import { AccessDenied, ConsentRequired, InvalidRequest, LoginRequired } from '../errors.ts'
import type { AuditEventInput } from '../events/types.ts'
import type { Limits } from '../limits/rate-limits.ts'
import { applySignInLimits } from '../limits/sign-in.ts'
import type { RecordStore } from '../stores/types.ts'
import { NO_USER_DATA, type Client, type GrantContext, type UserData } from '../types.ts'
import { CSRF_FIELD, type CsrfGuard } from '../web/csrf.ts'
import { formActionOf, renderConsentPage } from '../web/interaction.ts'
import { uiLocalesOf } from '../web/page-hooks.ts'
import type { Request } from '../web/request.ts'
import { protectPage, type Response } from '../web/response.ts'
import { ServerKey } from '../web/server-key.ts'
import type { HostUser, SiteAdapter } from '../web/site-adapter.ts'
import type { AuthorizationParameters } from './authorization-parameters.ts'
import type { RememberedConsent, RememberedConsents } from './consent-store.ts'
import type { LoginSession, LoginSessions } from './login-sessions.ts'
import { demandsReauthentication, REAUTH_PARAMETER, ReauthenticationMarks } from './reauthentication.ts'

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
  /** The controller's record store: it keeps the server key of the re-authentication marks. */
  readonly recordStore: RecordStore
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

/** What a login page is rendered with: the prompts it is told, and when re-authentication was first demanded. */
interface LoginPage {
  readonly prompts: readonly string[]
  readonly since: number | undefined
}

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
 *    user (else `login_required`), be young enough for `max_age`, and `prompt=login` must have been
 *    answered by an authentication after the request demanded it (`prompt=select_account` by the login
 *    page) — else the login page, or `login_required` with `prompt=none` or when the login page the
 *    demand sent the user to came back without it.
 * 4. A consent POST, or a remembered consent covering the scopes (never with `prompt=consent`, never for
 *    a loopback-only client), grants; else the consent page, or `consent_required` with `prompt=none`.
 *
 * A session seeded by `currentUser` (the host application's sign-in) follows the host at every request,
 * before any decision: the same user signed in no later keeps it; a newer sign-in or another user begins
 * a new session (new id); no user ends it. Sessions the core's own `login` began are not asked about.
 */
export class InteractionFlow<Env> {
  readonly #services: InteractionServices<Env>
  readonly #marks: ReauthenticationMarks

  constructor(services: InteractionServices<Env>) {
    this.#services = services
    this.#marks = new ReauthenticationMarks(new ServerKey(services.recordStore, 'reauth'), () => services.now())
  }

  /** Decides the request: a page, the redirect to the client, or {@link CSRF_FAILED}; throws OAuth errors to send the client. */
  async run(input: InteractionRequest<Env>): Promise<Response | typeof CSRF_FAILED> {
    const { request, environ, adapter, client, scopes, parameters } = input
    const { sessions, csrf } = this.#services
    const decision = request.method === 'POST' && request.postParam(CSRF_FIELD) !== undefined
    const cookies: string[] = []
    let session = await sessions.current(request)
    // A session the host's user seeded follows the host's user; the answer holds for the whole request.
    let askedHost = false
    if (session?.host === true && adapter.currentUser !== undefined) {
      askedHost = true
      session = await this.#followHost(request, session, await adapter.currentUser(request, environ), cookies)
    }
    // OpenID Connect Core section 3.1.2.1 (prompt=login, max_age): when this request first asked to sign in again.
    const demanded = demandsReauthentication(parameters) ? await this.#marks.read(input.param(REAUTH_PARAMETER), input.binding) : undefined
    const loginPage = (current: LoginSession | undefined): LoginPage => ({
      prompts: this.#loginPrompts(parameters, current),
      since: demandsReauthentication(parameters) ? (demanded ?? this.#services.now()) : undefined,
    })
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
          prompts: this.#loginPrompts(parameters, session),
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
            return this.#page(input, 'login', undefined, undefined, cookies, loginPage(session))
          case 'denied':
            throw new AccessDenied('The resource owner denied the request.')
          case 'respond':
            return protectPage(result.response)
          case 'unauthenticated':
            return this.#page(input, 'login', undefined, undefined, cookies, loginPage(session))
        }
      }
    }
    if (session === undefined && !askedHost && adapter.currentUser !== undefined) {
      const host = await adapter.currentUser(request, environ)
      if (host !== undefined) session = await this.#seed(request, host, cookies)
    }
    if (session !== undefined) await this.#checkHint(parameters, session)
    if (session === undefined || !this.#satisfies(session, parameters, demanded)) {
      // OpenID Connect Core section 3.1.2.1: with prompt=none no page is shown.
      if (parameters.prompts.has('none')) throw new LoginRequired('The user must sign in.')
      // Back from the login page this request was sent to, still without the new authentication: section
      // 3.1.2.1 "if it cannot reauthenticate the End-User, it MUST return an error" — never a second round trip.
      if (demanded !== undefined) throw new LoginRequired('The user did not sign in again.')
      return this.#page(input, 'login', undefined, undefined, cookies, loginPage(session))
    }
    return this.#consentOrGrant(input, session, cookies)
  }

  /**
   * A session the host's user seeded, after asking the host again: the same user signed in no later
   * keeps it; another user, or the same one signed in again since, begins a new session (new id: no
   * fixation); no user ends it. The request never goes on as a user the host no longer names.
   */
  async #followHost(
    request: Request,
    session: LoginSession,
    host: HostUser | undefined,
    cookies: string[],
  ): Promise<LoginSession | undefined> {
    if (host === undefined) {
      const { clearCookie } = await this.#services.sessions.end(request)
      cookies.push(clearCookie)
      return undefined
    }
    if (host.userId === session.userId && host.authTime <= session.authTime) return session
    return this.#seed(request, host, cookies)
  }

  /** Begins a session for the host application's user, remembering that the host seeded it. */
  async #seed(request: Request, host: HostUser, cookies: string[]): Promise<LoginSession> {
    const user = { userId: host.userId, authTime: host.authTime, data: host.data ?? NO_USER_DATA, host: true }
    const started = await this.#services.sessions.start(request, user)
    cookies.push(started.setCookie)
    return started.session
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

  /**
   * Whether the session satisfies the request (OpenID Connect Core section 3.1.2.1): `prompt=login` by an
   * authentication strictly after `demanded` (when the request first asked for it; a session signed in
   * before, the host's included, never does), `prompt=select_account` once the login page was shown for
   * this request, `max_age` by an authentication at most that old.
   */
  #satisfies(session: LoginSession, parameters: AuthorizationParameters, demanded: number | undefined): boolean {
    const { prompts } = parameters
    if (prompts.has('login') && (demanded === undefined || session.authTime <= demanded)) return false
    if (prompts.has('select_account') && demanded === undefined) return false
    return !this.#tooOld(session, parameters)
  }

  /** OpenID Connect Core section 3.1.2.1: `max_age` asks for a new authentication when the last is older. */
  #tooOld(session: LoginSession, parameters: AuthorizationParameters): boolean {
    return parameters.maxAge !== undefined && this.#services.now() - session.authTime > parameters.maxAge
  }

  /**
   * The prompts the login page and `login` are told: the request's, with `login` when the session is
   * older than `max_age`, so a login page that would send a signed-in user straight back asks again.
   */
  #loginPrompts(parameters: AuthorizationParameters, session: LoginSession | undefined): string[] {
    const prompts = [...parameters.prompts]
    if (!prompts.includes('login') && session !== undefined && this.#tooOld(session, parameters)) prompts.push('login')
    return prompts
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
    login?: LoginPage,
  ): Promise<Response> {
    const { request, environ, client, scopes } = input
    let formAction = formActionOf(request, input.param, stage)
    // The moment re-authentication was first demanded travels with the form, and with a host's redirect back to it.
    if (login?.since !== undefined) formAction += `&${REAUTH_PARAMETER}=${await this.#marks.make(input.binding, login.since)}`
    const page = await renderConsentPage(input.adapter, this.#services.csrf, {
      request,
      environ,
      client,
      scopes,
      formAction,
      binding: stageBinding(input.binding, stage, session),
      interaction: { ...this.#context(input, stage, session, remembered), ...(login === undefined ? {} : { prompts: login.prompts }) },
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
