/**
 * A login-and-consent page for the MCP examples, with the demo server's form: username, password, and an
 * Allow or Deny button (`action=approve|deny`), plus the CSRF field the controller checks. It shows the
 * client's name and where it will send the user back, since a dynamically registered client names itself;
 * for a client with a metadata document, the host it was fetched from first, its name marked unverified,
 * and a warning when every redirect URI is on this machine.
 * The one user is `demo` / `demo`: for local demonstration only.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Client } from 'oauth2-stack'
import {
  escapeHtml,
  PAGE_HEADERS,
  type AuthenticationResult,
  type AuthorizationContext,
  type Request,
  type Response,
  type SiteAdapter,
} from 'oauth2-stack/web'

export const DEMO_USER = { username: 'demo', password: 'demo' } as const

export class LoginSiteAdapter implements SiteAdapter {
  async authenticate(request: Request): Promise<AuthenticationResult> {
    if (request.postParam('action') !== 'approve') return { type: 'unauthenticated' }
    const username = request.postParam('username') ?? ''
    const password = request.postParam('password') ?? ''
    // Both compared, in constant time, so the answer's timing tells nothing.
    const right = sameText(username, DEMO_USER.username) && sameText(password, DEMO_USER.password)
    if (right) return { type: 'granted', userId: DEMO_USER.username, data: { name: 'Demo User' } }
    return username === '' ? { type: 'unauthenticated' } : { type: 'failed', username }
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
    const target = redirectHost(context.formAction)
    response.body = `<!doctype html><html><head><meta charset="utf-8"><title>Sign in</title></head><body>
${heading(client, context)}
${target === undefined ? '' : `<p>You will be sent back to <strong>${escapeHtml(target)}</strong>.</p>`}
<p>Scopes: ${escapeHtml(scopes.join(' ') || '(none)')}</p>
${attempted ? '<p role="alert">Wrong username or password.</p>' : ''}
<form method="post" action="${escapeHtml(context.formAction)}">
${context.csrfInput}
<label>Username <input name="username" autocomplete="username" value="demo"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button name="action" value="approve">Allow</button>
<button name="action" value="deny" formnovalidate>Deny</button>
</form>
<p>Demo account: demo / demo</p>
</body></html>`
    if (attempted) response.statusCode = 401
    Object.assign(response.headers, PAGE_HEADERS)
    return response
  }

  async userHasDeniedAccess(request: Request): Promise<boolean> {
    return request.method === 'POST' && request.postParam('action') === 'deny'
  }
}

/** Who asks: a metadata-document client by its verified host, its self-chosen name marked as such. */
function heading(client: Client, context: AuthorizationContext): string {
  const name = escapeHtml(client.name ?? client.clientId)
  const display = context.clientDisplay
  if (display === undefined) return `<h1>${name} asks for access</h1>`
  return `<h1>A client from <strong>${escapeHtml(display.host)}</strong> asks for access</h1>
<p>It calls itself “${name}” (not verified).</p>
${display.localhostOnly ? '<p role="alert">It sends you back to a program on this computer (localhost): allow only if you started it.</p>' : ''}`
}

/** The host of the redirect URI in the form's action, shown so the user sees where the code goes. */
function redirectHost(formAction: string): string | undefined {
  const redirect = new URL(formAction, 'http://invalid').searchParams.get('redirect_uri')
  if (redirect === null) return undefined
  try {
    return new URL(redirect).host || redirect
  } catch {
    return undefined
  }
}

/** Compares two strings in constant time (through their SHA-256 digests, which have one length). */
function sameText(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest())
}
