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
  | { readonly type: 'granted'; readonly userId: string; readonly data?: UserData; readonly username?: string }
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
export interface SiteAdapter<Env = unknown> {
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

/** The part of a site adapter the password grant uses: checking `username` and `password`. */
export type PasswordSiteAdapter<Env = unknown> = Pick<SiteAdapter<Env>, 'authenticate'>
