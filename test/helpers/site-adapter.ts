/**
 * The flow suites' own site adapter: one plain login-and-consent form, so the flows test the controller
 * and never the look of the CLI demo's page (src/cli/demo-site-adapter.ts). It serves the authorization
 * endpoint, the device flow's consent and the password grant, with what a browser needs and the tests read:
 * the form (`<form method="post" action=…>`, the CSRF field, `username`, `password`, and `action` =
 * `approve` | `deny`), an error announced with `role="alert"` after a wrong password (status 401), and the
 * user name kept, HTML-escaped.
 */
import { escapeHtml } from '../../src/internal/html.ts'
import type { Client, UserData } from '../../src/types.ts'
import type { Request } from '../../src/web/request.ts'
import { PAGE_HEADERS, type Response } from '../../src/web/response.ts'
import type { AuthenticationResult, AuthorizationContext, SiteAdapter } from '../../src/web/site-adapter.ts'

/** A user the adapter signs in, and the data kept with the user's tokens. */
export interface TestUser {
  readonly username: string
  readonly password: string
  readonly data: UserData
}

/** Signs in `users`: `action=approve` with a right password grants, `action=deny` denies. */
export class TestSiteAdapter implements SiteAdapter {
  readonly #users: ReadonlyMap<string, TestUser>

  constructor(users: readonly TestUser[]) {
    this.#users = new Map(users.map((user) => [user.username, user]))
  }

  async authenticate(request: Request): Promise<AuthenticationResult> {
    // The password grant (RFC 6749 section 4.3) asks only for the credentials; a wrong one is `denied`.
    const passwordGrant = request.postParam('grant_type') === 'password'
    const user = this.#users.get(request.postParam('username') ?? '')
    const signedIn = user !== undefined && user.password === request.postParam('password')
    if (passwordGrant) return signedIn ? { type: 'granted', userId: user.username, data: user.data } : { type: 'denied' }
    if (request.postParam('action') !== 'approve') return { type: 'unauthenticated' }
    // A sign-in that was tried and refused is reported, so the core counts it (limits, user.login_failed).
    const username = request.postParam('username')
    if (!signedIn) return username === undefined || username === '' ? { type: 'unauthenticated' } : { type: 'failed', username }
    return { type: 'granted', userId: user.username, data: user.data }
  }

  async renderAuthPage(
    request: Request,
    response: Response,
    _environ: unknown,
    scopes: readonly string[],
    client: Client,
    context: AuthorizationContext,
  ): Promise<Response> {
    const attempted = request.method === 'POST' && request.postParam('action') === 'approve'
    const username = attempted ? (request.postParam('username') ?? '') : ''
    const error = attempted ? '<p role="alert" id="error">Wrong username or password.</p>' : ''
    response.body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to ${escapeHtml(client.name ?? client.clientId)}</title></head>
<body><h1>Sign in to allow ${escapeHtml(client.name ?? client.clientId)}: ${escapeHtml(scopes.join(' '))}</h1>${error}${clientDisplay(context)}
<form method="post" action="${escapeHtml(context.formAction)}">${context.csrfInput}
<label>Username <input name="username" value="${escapeHtml(username)}"></label>
<label>Password <input name="password" type="password"></label>
<button name="action" value="approve">Sign in and allow</button><button name="action" value="deny">Deny</button>
</form></body></html>`
    if (attempted) response.statusCode = 401
    Object.assign(response.headers, PAGE_HEADERS)
    return response
  }

  async userHasDeniedAccess(request: Request): Promise<boolean> {
    return request.method === 'POST' && request.postParam('action') === 'deny'
  }
}

/** The metadata-document hints, when the core gives them (Client ID Metadata Documents), for the tests to read. */
function clientDisplay(context: AuthorizationContext): string {
  const display = context.clientDisplay
  if (display === undefined) return ''
  return `<p id="client-host">${escapeHtml(display.host)}</p><p id="name-verified">${String(display.nameVerified)}</p><p id="localhost-only">${String(display.localhostOnly)}</p>`
}
