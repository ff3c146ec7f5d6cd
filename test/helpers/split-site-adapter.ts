/**
 * A site adapter with the login/consent split (`login`, `renderLoginPage`, `renderConsentPage`), for the
 * session and remembered-consent suites: the login page has `username`, `password` and `action=approve`
 * (or `deny`); the consent page has `action=approve` | `deny` and names the signed-in user. Optionally
 * seeds the session from a "host" user named by the `x-host-user` request header or the `host_user` cookie
 * (`currentUser`).
 */
import { escapeHtml } from '../../src/internal/html.ts'
import type { Client } from '../../src/types.ts'
import type { Request } from '../../src/web/request.ts'
import { PAGE_HEADERS, type Response } from '../../src/web/response.ts'
import type {
  AuthenticationResult,
  AuthorizationContext,
  HostUser,
  InteractionContext,
  LoginResult,
  SiteAdapter,
} from '../../src/web/site-adapter.ts'
import type { TestUser } from './site-adapter.ts'

/** Options of {@link SplitSiteAdapter}. */
export interface SplitSiteAdapterOptions {
  /** Seed sessions from the `x-host-user` header, signed in at `hostAuthTime` (epoch seconds). */
  readonly hostAuthTime?: () => number
}

export class SplitSiteAdapter implements SiteAdapter {
  readonly #users: ReadonlyMap<string, TestUser>
  readonly #hostAuthTime: (() => number) | undefined
  /** The contexts the login and consent pages were rendered with, newest last. */
  readonly rendered: InteractionContext[] = []
  /** How many times `login` was called. */
  logins = 0

  constructor(users: readonly TestUser[], options: SplitSiteAdapterOptions = {}) {
    this.#users = new Map(users.map((user) => [user.username, user]))
    this.#hostAuthTime = options.hostAuthTime
  }

  async authenticate(request: Request): Promise<AuthenticationResult> {
    const user = this.#check(request)
    return user === undefined ? { type: 'denied' } : { type: 'granted', userId: user.username, data: user.data }
  }

  async login(request: Request): Promise<LoginResult> {
    this.logins++
    if (request.postParam('action') !== 'approve') return { type: 'unauthenticated' }
    const user = this.#check(request)
    if (user !== undefined) return { type: 'authenticated', userId: user.username, data: user.data }
    const username = request.postParam('username')
    return username === undefined || username === '' ? { type: 'unauthenticated' } : { type: 'failed', username }
  }

  async currentUser(request: Request): Promise<HostUser | undefined> {
    if (this.#hostAuthTime === undefined) return undefined
    // The host's session is per browser: a header on one request, or a cookie the jar sends on every one.
    const name = request.header('x-host-user') ?? request.cookie('host_user')
    const user = name === undefined ? undefined : this.#users.get(name)
    return user === undefined ? undefined : { userId: user.username, authTime: this.#hostAuthTime(), data: user.data }
  }

  async renderLoginPage(request: Request, response: Response, _environ: unknown, context: InteractionContext): Promise<Response> {
    this.rendered.push(context)
    const attempted = request.method === 'POST' && request.postParam('action') === 'approve'
    response.body = page(
      `Sign in to ${name(context.client)}`,
      context,
      `<p id="stage">login</p>${attempted ? '<p role="alert" id="error">Wrong username or password.</p>' : ''}
<label>Username <input name="username" value="${escapeHtml(context.loginHint ?? '')}"></label>
<label>Password <input name="password" type="password"></label>
<button name="action" value="approve">Sign in</button><button name="action" value="deny">Cancel</button>`,
    )
    if (attempted) response.statusCode = 401
    Object.assign(response.headers, PAGE_HEADERS)
    return response
  }

  async renderConsentPage(_request: Request, response: Response, _environ: unknown, context: InteractionContext): Promise<Response> {
    this.rendered.push(context)
    response.body = page(
      `Allow ${name(context.client)}`,
      context,
      `<p id="stage">consent</p><p id="user">${escapeHtml(context.userId ?? '')}</p><p id="scopes">${escapeHtml(context.scopes.join(' '))}</p>
<button name="action" value="approve">Allow</button><button name="action" value="deny">Deny</button>`,
    )
    Object.assign(response.headers, PAGE_HEADERS)
    return response
  }

  async renderAuthPage(): Promise<Response> {
    throw new Error('the split adapter renders its own pages')
  }

  async userHasDeniedAccess(request: Request): Promise<boolean> {
    return request.method === 'POST' && request.postParam('action') === 'deny'
  }

  #check(request: Request): TestUser | undefined {
    const user = this.#users.get(request.postParam('username') ?? '')
    return user !== undefined && user.password === request.postParam('password') ? user : undefined
  }
}

function name(client: Client): string {
  return escapeHtml(client.name ?? client.clientId)
}

function page(title: string, context: AuthorizationContext, fields: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>
<form method="post" action="${escapeHtml(context.formAction)}">${context.csrfInput}
${fields}
</form></body></html>`
}

/** The users of the split suites. */
export const SPLIT_USERS: readonly TestUser[] = [
  { username: 'alice', password: 'wonderland', data: { name: 'Alice' } },
  { username: 'bob', password: 'builder-of-things', data: { name: 'Bob' } },
]
