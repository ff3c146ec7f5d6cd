import type { ClientDisplay } from '../clients/display.ts'
import type { Client, UserData } from '../types.ts'
import type { Request } from './request.ts'
import type { Response } from './response.ts'

/**
 * What {@link SiteAdapter.authenticate} decides:
 * - `granted`: the user is known and allows the request; `userId` and `data` are kept with the code and
 *   the tokens, and given back on refresh.
 * - `unauthenticated`: show the login/consent page (`renderAuthPage`). Throwing the seed's
 *   `UserNotAuthenticated` means the same.
 * - `denied`: the user refused; the client gets `access_denied` (at the token endpoint, `invalid_grant`).
 * - `respond`: answer with this response instead (e.g. a redirect to the host's own login page).
 * - `failed`: a sign-in with this `username` and a wrong password was attempted on the login form; the
 *   core counts it against the rate limits (`signIn`, `signInPerUser`; RFC 6749 section 4.3.2) and shows
 *   the login/consent page again like `unauthenticated` — or, once the name is locked for this address,
 *   a page saying when to try again. At the token endpoint it is `invalid_grant` like `denied`.
 *
 * When a `granted` follows a password typed on the form, the core refuses it too while the name is
 * locked (so a locked name is no oracle); give `username` when you count failures under another name
 * than `userId`. Commit a session only once the core has answered.
 */
export type AuthenticationResult =
  | {
      readonly type: 'granted'
      readonly userId: string
      readonly data?: UserData
      readonly username?: string
      /** When the user authenticated, in epoch seconds (OpenID Connect `auth_time`). Default: now. */
      readonly authTime?: number
    }
  | { readonly type: 'failed'; readonly username: string }
  | { readonly type: 'unauthenticated' }
  | { readonly type: 'denied' }
  | { readonly type: 'respond'; readonly response: Response }

/**
 * What the controller tells the site adapter about the authorization request being decided.
 */
export interface AuthorizationContext {
  /** The client asking for access. */
  readonly client: Client
  /** The scopes being asked for, after the grant's scope rules. */
  readonly scopes: readonly string[]
  /**
   * Where the login/consent form must POST to: the authorization endpoint with the authorization
   * request's parameters in the query, so the request travels with the form. HTML-escape it in markup.
   */
  readonly formAction: string
  /** Name of the hidden form field that carries {@link AuthorizationContext.csrfToken}. */
  readonly csrfField: string
  /**
   * The anti-CSRF token the login/consent form must send back in {@link AuthorizationContext.csrfField}.
   * The controller checks it (with a cookie it sets) on every POST to the authorization endpoint.
   */
  readonly csrfToken: string
  /** Ready-made `<input type="hidden">` carrying the CSRF token, HTML-escaped. */
  readonly csrfInput: string
  /**
   * The user's preferred languages, most preferred first: the authorization request's `ui_locales`
   * (OpenID Connect Core section 3.1.2.1) as BCP 47 tags; empty when absent. Render the page in the first
   * one you have. Escape everything you put in markup (`escapeHtml`).
   */
  readonly uiLocales: readonly string[]
  /**
   * Set for a client described by its Client ID Metadata Document (no one registered it): show
   * `clientDisplay.host` prominently, mark the client's name as unverified, and warn when
   * `clientDisplay.localhostOnly`. `undefined` for registered clients.
   */
  readonly clientDisplay?: ClientDisplay | undefined
}

/**
 * Interacts with the user (the seed's `oauth2.web.SiteAdapter`): login, consent and the pages for them.
 *
 * All methods are async. `environ` is whatever the adapter passes to `dispatch` (for `nodeHandler`, the
 * Node request and response), so login can reuse the host application's session.
 *
 * @typeParam Env - the type of `environ`.
 */
export interface SiteAdapter<Env = unknown> extends SiteAdapterLogin<Env> {
  /**
   * Authenticates the user and checks that she allows the request. For the password grant, read
   * `username` and `password` with `request.postParam`.
   */
  authenticate(request: Request, environ: Env, scopes: readonly string[], client: Client): Promise<AuthenticationResult>
  /**
   * Renders the login/consent page into `response` (status 200 and HTML by default) and returns it. The
   * controller adds anti-framing, no-referrer and no-store headers.
   */
  renderAuthPage(
    request: Request,
    response: Response,
    environ: Env,
    scopes: readonly string[],
    client: Client,
    context: AuthorizationContext,
  ): Promise<Response>
  /** Whether the user pressed "deny"; the client then gets `access_denied`. */
  userHasDeniedAccess(request: Request, environ: Env, scopes: readonly string[], client: Client): Promise<boolean>
}

/**
 * What {@link SiteAdapter.login} decides on a POST of the login page (the login/consent split):
 * - `authenticated`: the user proved who she is. The core begins a login session (a new session id),
 *   then asks for consent unless a remembered consent covers the request (or `consent: true` says the
 *   login page asked for it too). `authTime` defaults to now;
 *   `username` names the sign-in limits' counter when it is not `userId`.
 * - `failed`: a wrong password for `username`: counted against the sign-in limits, the login page again.
 * - `unauthenticated`: the login page again.
 * - `denied`: the user cancelled; the client gets `access_denied`.
 * - `respond`: answer with this response instead (a second factor, the host's own page).
 */
export type LoginResult =
  | {
      readonly type: 'authenticated'
      readonly userId: string
      readonly authTime?: number
      readonly data?: UserData
      readonly username?: string
      /**
       * `true` when the login page was also the consent page (it showed the client and the scopes, and
       * its button said so): the core remembers the consent and grants at once, without a consent page.
       */
      readonly consent?: boolean
    }
  | { readonly type: 'failed'; readonly username: string }
  | { readonly type: 'unauthenticated' }
  | { readonly type: 'denied' }
  | { readonly type: 'respond'; readonly response: Response }

/** The host application's signed-in user, from {@link SiteAdapter.currentUser}: seeds the core's login session. */
export interface HostUser {
  readonly userId: string
  /** When the user signed in to the host application, in epoch seconds (OpenID Connect `auth_time`). */
  readonly authTime: number
  readonly data?: UserData
}

/**
 * What the login and consent pages of the login/consent split are rendered for: the
 * {@link AuthorizationContext} plus the stage and the OpenID Connect request parameters.
 */
export interface InteractionContext extends AuthorizationContext {
  /** `login`: ask who the user is. `consent`: the user is signed in; ask whether she allows the request. */
  readonly stage: 'login' | 'consent'
  /**
   * The request's `prompt` values the core knows (`login`, `consent`, `select_account`; OpenID Connect
   * Core section 3.1.2.1). With `select_account`, offer to sign in as another account. `login` is also
   * there when the session is older than the request's `max_age`: a sign-in is needed either way.
   */
  readonly prompts: readonly string[]
  /** The request's `login_hint` (OpenID Connect Core section 3.1.2.1): prefill the user name with it. */
  readonly loginHint: string | undefined
  /** On the consent page: the signed-in user. */
  readonly userId: string | undefined
  /** On the consent page: the scopes the user already allowed this client (the page may show only the new ones). */
  readonly rememberedScopes: readonly string[]
}

/** What {@link SiteAdapter.login} is told about the authorization request. */
export type LoginContext = Pick<InteractionContext, 'client' | 'scopes' | 'prompts' | 'loginHint' | 'uiLocales'>

/**
 * The optional half of a {@link SiteAdapter}: the login/consent split. An adapter that implements
 * `login` lets the core own the login session (single sign-on across clients) and remembered consent:
 * the core shows the login page only when no session covers the request (`prompt=login`, `max_age`),
 * and the consent page only when no remembered consent does (`prompt=consent`). An adapter with only the
 * seed's three methods works as before: it is asked to authenticate on every authorization.
 */
export interface SiteAdapterLogin<Env = unknown> {
  /**
   * Reads the login page's POST (`username`, `password` with `request.postParam`) and says who signed in.
   * Implementing it turns the login/consent split on.
   */
  login?(request: Request, environ: Env, context: LoginContext): Promise<LoginResult>
  /** Renders the login page; without it, `renderAuthPage` is called with `context.stage === 'login'`. */
  renderLoginPage?(request: Request, response: Response, environ: Env, context: InteractionContext): Promise<Response>
  /**
   * Renders the consent page (a form with the CSRF field, an approve and a deny button); without it,
   * `renderAuthPage` is called with `context.stage === 'consent'`. A CSRF-checked POST of this page is an
   * approval unless `userHasDeniedAccess` says the user pressed deny.
   */
  renderConsentPage?(request: Request, response: Response, environ: Env, context: InteractionContext): Promise<Response>
  /**
   * The seed hook: the host application's own signed-in user, if any. Called when the browser has no
   * login session; a user returned begins one, so the host's sign-in is single sign-on for every client.
   *
   * The host stays the truth for the sessions it seeded: while one lasts, `currentUser` is asked again at
   * every authorization request. The same user with the same (or an older) `authTime` keeps the session;
   * another user, or a newer `authTime`, begins a new session (a new id); `undefined` ends it (then the
   * login page, or `login_required` with `prompt=none`). Sessions begun by `login` are never re-checked.
   *
   * When your login page is the host's (`renderLoginPage` redirects to it), send the browser back to
   * `context.formAction` with a GET: with `prompt=login`, `select_account` or a too old session
   * (`max_age`; the core then adds `login` to `context.prompts`), it carries a signed mark of when the
   * request first asked to sign in again. Show your form even to a signed-in user whenever `prompts` holds
   * `login` or `select_account`. Back at the form action, `prompt=login` is satisfied only by an
   * `authTime` strictly later than that moment (on the server's clock; OpenID Connect Core section
   * 3.1.2.1), `max_age` by one young enough, `select_account` by any user; otherwise the client gets
   * `login_required` — one round trip, never a loop.
   */
  currentUser?(request: Request, environ: Env): Promise<HostUser | undefined>
  /** Ends the host application's own session too, when the core's login session ends (logout). */
  endSession?(request: Request, environ: Env): Promise<void>
}

/** The part of a site adapter the password grant uses: checking `username` and `password`. */
export type PasswordSiteAdapter<Env = unknown> = Pick<SiteAdapter<Env>, 'authenticate'>
