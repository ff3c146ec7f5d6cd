/**
 * The site adapter of `examples/own-login.ts`: the app keeps its own login page and session, and
 * oauth2-stack only asks for consent.
 *
 * - An anonymous browser at /oauth/authorize is sent (303) to the app's `/login?return_to=<the authorize
 *   URL>`; the app signs her in and sends her back there (see {@link safeReturnTo}).
 * - `currentUser` hands the app's signed-in user to the core, which begins its own login session from it.
 * - `renderConsentPage` is the one page oauth2-stack shows.
 */
import type { Client } from 'oauth2-stack'
import type { ExpressEnviron } from 'oauth2-stack/express'
import {
  escapeHtml,
  PAGE_HEADERS,
  type AuthenticationResult,
  type AuthorizationContext,
  type HostUser,
  type InteractionContext,
  type LoginResult,
  type Request,
  type Response,
  type SiteAdapter,
} from 'oauth2-stack/web'
import { APP_SESSION_COOKIE, type Accounts } from './own-login-accounts.ts'

/** The app's login page. */
export const LOGIN_PATH = '/login'

/** Reads one cookie from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=')
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim()
  }
  return undefined
}

/**
 * The `return_to` to send the browser back to, or `fallback`: only a path on this origin — it must begin
 * with one `/` (not `//`, which is another host, nor `/\`, which browsers read as `//`), hold no control
 * characters, and resolve to the same origin. Anything else is an open redirect (RFC 9700 section 4.11)
 * and is ignored.
 */
export function safeReturnTo(value: unknown, origin: string, fallback = '/'): string {
  if (typeof value !== 'string' || value.length > 4096) return fallback
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback
  let resolved: URL
  try {
    resolved = new URL(value, origin)
  } catch {
    return fallback
  }
  if (resolved.origin !== new URL(origin).origin) return fallback
  return resolved.pathname + resolved.search
}

/**
 * After a fresh sign-in on the app's page, the authorize URL to return to without `prompt=login` and
 * `prompt=select_account`: the user has just signed in (and chosen the account), and the core cannot tell
 * a session seeded by `currentUser` after a fresh sign-in from an old one, so leaving them would send her
 * to the login page again and again. Other URLs are returned as they are.
 */
export function afterSignIn(returnTo: string, authorizePath: string): string {
  const url = new URL(returnTo, 'http://app.invalid')
  if (url.pathname !== authorizePath) return returnTo
  const prompt = url.searchParams.get('prompt')
  if (prompt === null) return returnTo
  // OpenID Connect Core section 3.1.2.1: `login` and `select_account` are now satisfied.
  const kept = prompt.split(' ').filter((value) => value !== '' && value !== 'login' && value !== 'select_account')
  if (kept.length === 0) url.searchParams.delete('prompt')
  else url.searchParams.set('prompt', kept.join(' '))
  return url.pathname + url.search
}

/** Consent by oauth2-stack, sign-in by the app. */
export class OwnLoginSiteAdapter implements SiteAdapter<ExpressEnviron> {
  readonly #accounts: Accounts

  constructor(accounts: Accounts) {
    this.#accounts = accounts
  }

  /** The password grant is not offered: nothing signs in here. */
  async authenticate(): Promise<AuthenticationResult> {
    return { type: 'unauthenticated' }
  }

  /** Not reached with the split (the login and consent pages below); the consent page in case. */
  async renderAuthPage(
    request: Request,
    response: Response,
    environ: ExpressEnviron,
    _scopes: readonly string[],
    _client: Client,
    context: AuthorizationContext,
  ): Promise<Response> {
    return this.renderConsentPage(request, response, environ, {
      ...context,
      stage: 'consent',
      prompts: [],
      loginHint: undefined,
      userId: undefined,
      rememberedScopes: [],
    })
  }

  async userHasDeniedAccess(request: Request): Promise<boolean> {
    return request.method === 'POST' && request.postParam('action') === 'deny'
  }

  /**
   * Turns the login/consent split on. No form of oauth2-stack's ever asks for a password here (the login
   * page is the app's), so a login POST is answered with the login page: the redirect below.
   */
  async login(): Promise<LoginResult> {
    return { type: 'unauthenticated' }
  }

  /**
   * The "login page": a 303 to the app's own, carrying where to come back — this very authorization
   * request as the browser sent it (`req.originalUrl` keeps the mount path, /oauth, and the query).
   * After a POST (a consent form whose session ended) the browser comes back with a GET of the same URL.
   * `context.prompts` is not needed: every case where the user is signed in to the app is a sign-in again.
   */
  async renderLoginPage(request: Request, response: Response, environ: ExpressEnviron, context: InteractionContext): Promise<Response> {
    const query = new URLSearchParams({ return_to: environ.req.originalUrl })
    // Signed in to the app and still asked to sign in: prompt=login, select_account, or a session older
    // than max_age. The app's page must then show its form, not send her straight back (a loop).
    if ((await this.currentUser(request, environ)) !== undefined) query.set('reauth', '1')
    if (context.loginHint !== undefined) query.set('login_hint', context.loginHint)
    response.statusCode = 303
    response.headers.location = `${LOGIN_PATH}?${query.toString()}`
    response.body = ''
    return response
  }

  /** The one page oauth2-stack shows: who is signed in, the client, the scopes, Allow and Deny. */
  async renderConsentPage(_request: Request, response: Response, _environ: ExpressEnviron, context: InteractionContext): Promise<Response> {
    const { client, scopes } = context
    const fresh = scopes.filter((scope) => !context.rememberedScopes.includes(scope))
    response.body = `<!doctype html><html><head><meta charset="utf-8"><title>Allow access?</title></head><body>
<p>Signed in as <strong>${escapeHtml(context.userId ?? '')}</strong> — <a href="/logout">not you?</a></p>
<h1>${escapeHtml(client.name ?? client.clientId)} asks for access</h1>
<p>Scopes: ${escapeHtml(fresh.join(' ') || scopes.join(' ') || '(none)')}</p>
<form method="post" action="${escapeHtml(context.formAction)}">
${context.csrfInput}
<button name="action" value="approve">Allow</button>
<button name="action" value="deny">Deny</button>
</form>
</body></html>`
    Object.assign(response.headers, PAGE_HEADERS)
    return response
  }

  /** The app's signed-in user, from its own session cookie: the core begins its login session from it. */
  async currentUser(_request: Request, environ: ExpressEnviron): Promise<HostUser | undefined> {
    const session = this.#accounts.session(readCookie(environ.req.headers.cookie, APP_SESSION_COOKIE))
    if (session === undefined) return undefined
    return { userId: session.user.id, authTime: session.authTime, data: { name: session.user.name, username: session.user.username } }
  }

  /**
   * When oauth2-stack ends its session (logout), the app's ends too. The interface's logout hook; no code
   * of oauth2-stack calls it yet (see docs/own-login.md), the app's /logout ends both sessions itself.
   */
  async endSession(_request: Request, environ: ExpressEnviron): Promise<void> {
    this.#accounts.endSession(readCookie(environ.req.headers.cookie, APP_SESSION_COOKIE))
  }
}
