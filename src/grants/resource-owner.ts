import { ConfigurationError, InvalidGrant, InvalidRequest, UserNotAuthenticated } from '../errors.ts'
import { signInRefused } from '../limits/sign-in.ts'
import { NO_USER_DATA } from '../types.ts'
import type { AuthenticationResult, PasswordSiteAdapter } from '../web/site-adapter.ts'
import type { Scope } from '../checks/scope.ts'
import type { Grant, GrantRegistry, ScopeGrantOptions, TokenRequestContext, TokenResponseBody } from './types.ts'
import { directResources } from './resource-binding.ts'

/** Options of {@link ResourceOwnerGrant}. */
export interface ResourceOwnerGrantOptions<Env = unknown> extends ScopeGrantOptions {
  /** Checks `username` and `password`; overrides the controller's site adapter for this grant. */
  readonly siteAdapter?: PasswordSiteAdapter<Env>
}

/**
 * The Resource Owner Password Credentials Grant (RFC 6749 section 4.3): `grant_type=password`. The site
 * adapter's `authenticate` reads `username` and `password` with `request.postParam` and resolves
 * `granted` or `denied` (or `failed`); wrong credentials give `invalid_grant`. Issues a refresh token
 * when the `RefreshToken` grant is added.
 *
 * RFC 6749 section 4.3.2: guessing is limited per (username, address) and per username (the controller's
 * `signIn` and `signInPerUser` limits): a locked name gets 429 `too_many_requests` before the site adapter
 * is asked.
 *
 * Discouraged: RFC 9700 section 2.4 says it MUST NOT be used; it exists for migrations. Served only
 * when added to the controller.
 */
export class ResourceOwnerGrant<Env = unknown> implements Grant<Env> {
  readonly #scope: Scope | undefined
  readonly #siteAdapter: PasswordSiteAdapter<Env> | undefined

  constructor(options: ResourceOwnerGrantOptions<Env> = {}) {
    this.#scope = options.scope
    this.#siteAdapter = options.siteAdapter
  }

  register(registry: GrantRegistry<Env>): void {
    registry.addTokenHandler({
      grantType: 'password',
      allowsPublicClients: true,
      handle: (context) => this.#handle(context),
    })
  }

  async #handle(context: TokenRequestContext<Env>): Promise<TokenResponseBody> {
    const { request, environ, client, services } = context
    const username = request.postParam('username')
    if (username === undefined) throw new InvalidRequest('The username parameter is missing.')
    if (request.postParam('password') === undefined) throw new InvalidRequest('The password parameter is missing.')
    const address = services.limits.address(environ, request)
    // A number when no store is needed (the common case): no hop then.
    const locked = services.limits.signInLockedFor(username, address)
    const wait = typeof locked === 'number' ? locked : await locked
    if (wait > 0) throw signInRefused(wait)
    const scopes = (this.#scope ?? services.scope).parse(request.postParam('scope'), client.scopes)
    // RFC 8707 section 2: checked before the password, so a refused resource costs no sign-in attempt.
    const resources = directResources(services.resources, client, request)
    const adapter = this.#siteAdapter ?? services.siteAdapter
    if (adapter === undefined) throw new ConfigurationError('ResourceOwnerGrant needs a site adapter')
    let result: AuthenticationResult
    try {
      result = await adapter.authenticate(request, environ, scopes, client)
    } catch (error) {
      if (!(error instanceof UserNotAuthenticated)) throw error
      result = { type: 'failed', username }
    }
    if (result.type !== 'granted') {
      await services.limits.signInFailed(username, address)
      throw this.#loginFailed(context)
    }
    const cleared = services.limits.signInSucceeded(username, address)
    if (cleared !== undefined) await cleared
    return services.issueTokens({
      client,
      grantType: 'password',
      userId: result.userId,
      data: result.data ?? NO_USER_DATA,
      scopes,
      withRefreshToken: true,
      request,
      ...resources,
    })
  }

  /** Emits `user.login_failed` (the username, never the password) and makes the RFC 6749 section 5.2 error. */
  #loginFailed({ request, client, services }: TokenRequestContext<Env>): InvalidGrant {
    services.emit(request, { type: 'user.login_failed', clientId: client.clientId, username: request.postParam('username') })
    return new InvalidGrant('Invalid resource owner credentials.')
  }
}
