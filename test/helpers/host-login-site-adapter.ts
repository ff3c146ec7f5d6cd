/**
 * A site adapter whose login belongs to a host application, as in `examples/own-login.ts`: the login page
 * is a 303 to the host's `https://host.example/login` with `return_to` (the core's form action) and the
 * prompts the core passed, `login` never signs anyone in, and `currentUser` reads the host's session from
 * the browser's `host_session` cookie (`userId.authTime`, which the tests set and delete as the host would).
 * The consent page is a form naming the signed-in user.
 */
import { escapeHtml } from '../../src/internal/html.ts'
import type { Request } from '../../src/web/request.ts'
import { PAGE_HEADERS, type Response } from '../../src/web/response.ts'
import type { AuthenticationResult, HostUser, InteractionContext, LoginResult, SiteAdapter } from '../../src/web/site-adapter.ts'

/** The host's login page the adapter redirects to. */
export const HOST_LOGIN = 'https://host.example/login'
/** The host application's session cookie. */
export const HOST_COOKIE = 'host_session'

/** The value of the host's session cookie for `userId`, signed in at `authTime`. */
export function hostSession(userId: string, authTime: number): string {
  return `${userId}.${authTime}`
}

export class HostLoginSiteAdapter implements SiteAdapter {
  /** How many times `currentUser` was called. */
  currentUserCalls = 0

  async authenticate(): Promise<AuthenticationResult> {
    return { type: 'unauthenticated' }
  }

  async renderAuthPage(): Promise<Response> {
    throw new Error('the host-login adapter renders its own pages')
  }

  async userHasDeniedAccess(request: Request): Promise<boolean> {
    return request.method === 'POST' && request.postParam('action') === 'deny'
  }

  /** No form of the core's asks for a password: the login page is the host's. */
  async login(): Promise<LoginResult> {
    return { type: 'unauthenticated' }
  }

  async renderLoginPage(_request: Request, response: Response, _environ: unknown, context: InteractionContext): Promise<Response> {
    const query = new URLSearchParams({ return_to: context.formAction, prompt: context.prompts.join(' ') })
    response.statusCode = 303
    response.headers.location = `${HOST_LOGIN}?${query.toString()}`
    response.body = ''
    return response
  }

  async renderConsentPage(_request: Request, response: Response, _environ: unknown, context: InteractionContext): Promise<Response> {
    response.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Allow</title></head><body>
<form method="post" action="${escapeHtml(context.formAction)}">${context.csrfInput}
<p id="stage">consent</p><p id="user">${escapeHtml(context.userId ?? '')}</p>
<button name="action" value="approve">Allow</button><button name="action" value="deny">Deny</button>
</form></body></html>`
    Object.assign(response.headers, PAGE_HEADERS)
    return response
  }

  async currentUser(request: Request): Promise<HostUser | undefined> {
    this.currentUserCalls++
    const match = /^([a-z]+)\.(\d+)$/.exec(request.cookie(HOST_COOKIE) ?? '')
    if (match === null) return undefined
    return { userId: match[1] ?? '', authTime: Number(match[2]), data: { name: match[1] ?? '' } }
  }
}
