import { InvalidGrant, InvalidRequest, UserNotAuthenticated } from '../errors.ts'
import { NO_USER_DATA } from '../types.ts'
import type { AuthenticationResult, PasswordSiteAdapter } from '../web/site-adapter.ts'
import type { Scope } from '../checks/scope.ts'
import type { Grant, GrantRegistry, ScopeGrantOptions, TokenRequestContext, TokenResponseBody } from './types.ts'

/** Options of {@link ResourceOwnerGrant}. */
export interface ResourceOwnerGrantOptions<Env = unknown> extends ScopeGrantOptions {
  /** Checks `username` and `password`; overrides the controller's site adapter for this grant. */
  readonly siteAdapter?: PasswordSiteAdapter<Env>
}

/**
 * The Resource Owner Password Credentials Grant (RFC 6749 section 4.3): `grant_type=password`. The site
 * adapter's `authenticate` reads `username` and `password` with `request.postParam` and resolves
 * `granted` or `denied`; wrong credentials give `invalid_grant`. Issues a refresh token when the
 * `RefreshToken` grant is added.
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
    if (request.postParam('username') === undefined) throw new InvalidRequest('The username parameter is missing.')
    if (request.postParam('password') === undefined) throw new InvalidRequest('The password parameter is missing.')
    const scopes = (this.#scope ?? services.scope).parse(request.postParam('scope'), client.scopes)
    const adapter = this.#siteAdapter ?? services.siteAdapter
    if (adapter === undefined) throw new TypeError('ResourceOwnerGrant needs a site adapter')
    let result: AuthenticationResult
    try {
      result = await adapter.authenticate(request, environ, scopes, client)
    } catch (error) {
      if (error instanceof UserNotAuthenticated) throw new InvalidGrant('Invalid resource owner credentials.')
      throw error
    }
    if (result.type !== 'granted') throw new InvalidGrant('Invalid resource owner credentials.')
    return services.issueTokens({
      client,
      grantType: 'password',
      userId: result.userId,
      data: result.data ?? NO_USER_DATA,
      scopes,
      withRefreshToken: true,
    })
  }
}
