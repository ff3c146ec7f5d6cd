import { constantTimeEqual } from '../tokens/hash.ts'
import type { Client } from '../types.ts'
import type { Request } from '../web/request.ts'
import { PAGE_HEADERS, type Response } from '../web/response.ts'
import type { AuthenticationResult, AuthorizationContext, InteractionContext, LoginResult, SiteAdapter } from '../web/site-adapter.ts'
import { renderLoginPage as loginPageHtml } from './login-page.ts'

/** A demo user: name, password and the data kept with the user's tokens. */
export interface DemoUser {
  readonly username: string
  readonly password: string
  readonly data: Readonly<Record<string, unknown>>
}

/** Plain-words descriptions of the demo's scopes. */
export const DEMO_SCOPES: Readonly<Record<string, string>> = {
  openid: 'Sign you in with your account',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Keep access when you are away',
}

/** Options of {@link DemoSiteAdapter}. */
export interface DemoSiteAdapterOptions {
  /** Plain-words descriptions of scopes shown on the consent page. Default {@link DEMO_SCOPES}. */
  readonly scopeDescriptions?: Readonly<Record<string, string>>
  /** A note under the form, e.g. the demo's public account. Default none. */
  readonly hint?: string
}

/**
 * The demo server's site adapter, with the login/consent split: the core keeps the login session and
 * remembered consent, so a second client signs in without a password and an allowed client is not asked
 * again. The login page also asks for consent ("Sign in and allow"); a browser that is signed in gets a
 * consent-only page. Serves the authorization endpoint, the device flow and the password grant
 * (`authenticate`). For demonstration only: users and passwords in memory.
 */
export class DemoSiteAdapter implements SiteAdapter {
  readonly #users: readonly DemoUser[]
  readonly #scopeDescriptions: Readonly<Record<string, string>>
  readonly #hint: string | undefined

  /** An adapter that signs in these users (passwords compared in constant time). */
  constructor(users: readonly DemoUser[], options: DemoSiteAdapterOptions = {}) {
    this.#users = users
    this.#scopeDescriptions = options.scopeDescriptions ?? DEMO_SCOPES
    this.#hint = options.hint
  }

  async authenticate(request: Request): Promise<AuthenticationResult> {
    const password = request.postParam('grant_type') === 'password'
    if (!password && request.postParam('action') !== 'approve') return { type: 'unauthenticated' }
    const username = request.postParam('username')
    const user = this.#check(username, request.postParam('password'))
    if (user !== undefined) return { type: 'granted', userId: user.username, data: user.data }
    // A wrong password for a name: reported, so the core counts it against the sign-in limits.
    if (username !== undefined && username !== '') return { type: 'failed', username }
    return password ? { type: 'denied' } : { type: 'unauthenticated' }
  }

  async login(request: Request): Promise<LoginResult> {
    if (request.postParam('action') !== 'approve') return { type: 'unauthenticated' }
    const username = request.postParam('username')
    const user = this.#check(username, request.postParam('password'))
    // The login page is a login-and-consent page: its button allows the request too.
    if (user !== undefined) return { type: 'authenticated', userId: user.username, data: user.data, consent: true }
    if (username !== undefined && username !== '') return { type: 'failed', username }
    return { type: 'unauthenticated' }
  }

  async renderLoginPage(request: Request, response: Response, environ: unknown, context: InteractionContext): Promise<Response> {
    return this.renderAuthPage(request, response, environ, context.scopes, context.client, context)
  }

  async renderConsentPage(_request: Request, response: Response, _environ: unknown, context: InteractionContext): Promise<Response> {
    response.body = loginPageHtml({
      context,
      scopeDescriptions: this.#scopeDescriptions,
      error: undefined,
      username: undefined,
      hint: undefined,
      signedInAs: context.userId ?? '',
    })
    Object.assign(response.headers, PAGE_HEADERS)
    return response
  }

  async renderAuthPage(
    request: Request,
    response: Response,
    _environ: unknown,
    _scopes: readonly string[],
    _client: Client,
    context: AuthorizationContext,
  ): Promise<Response> {
    const attempted = request.method === 'POST' && request.postParam('action') === 'approve'
    response.body = loginPageHtml({
      context,
      scopeDescriptions: this.#scopeDescriptions,
      error: attempted ? 'Wrong username or password.' : undefined,
      username: attempted ? request.postParam('username') : undefined,
      hint: this.#hint,
    })
    if (attempted) response.statusCode = 401
    Object.assign(response.headers, PAGE_HEADERS)
    return response
  }

  async userHasDeniedAccess(request: Request): Promise<boolean> {
    return request.method === 'POST' && request.postParam('action') === 'deny'
  }

  #check(username: string | undefined, password: string | undefined): DemoUser | undefined {
    if (username === undefined || password === undefined) return undefined
    let found: DemoUser | undefined
    for (const user of this.#users) {
      // Compare every user's password so the time does not tell which names exist.
      const match = constantTimeEqual(user.password, password)
      if (user.username === username && match) found = user
    }
    return found
  }
}
