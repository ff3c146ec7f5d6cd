/**
 * The site adapter of `examples/own-login.ts`: the app keeps its own login page and session, and
 * oauth2-stack only asks for consent.
 *
 * - An anonymous browser at /oauth/authorize is sent (303) to the app's `/login?return_to=<the authorize
 *   URL>`; the app signs her in and sends her back there (see {@link safeReturnTo}).
 * - `currentUser` hands the app's signed-in user to the core, which begins its own login session from it and
 *   asks again at every authorization request (the app's user signing out or changing ends or replaces it).
 * - `prompt=login`, `max_age`: the app's page signs her in again and sends her back to the core's form
 *   action, whose mark lets the core accept that newer sign-in, and only it.
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
   * The "login page": a 303 to the app's own, carrying where to come back — the core's form action: the
   * authorization request (mount path /oauth included) with, when the request asks to sign in again, the
   * mark of when it first asked. The browser comes back there with a GET.
   */
  async renderLoginPage(_request: Request, response: Response, _environ: ExpressEnviron, context: InteractionContext): Promise<Response> {
    const query = new URLSearchParams({ return_to: context.formAction })
    // prompt=login, select_account, or a session older than max_age (the core then adds `login`): the app's
    // page shows its form even to a signed-in user. A sign-in older than the demand never satisfies it.
    if (context.prompts.includes('login') || context.prompts.includes('select_account')) query.set('reauth', '1')
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
