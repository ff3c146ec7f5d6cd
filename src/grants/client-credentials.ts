import { NO_USER_DATA } from '../types.ts'
import type { Scope } from '../checks/scope.ts'
import type { Grant, GrantRegistry, ScopeGrantOptions, TokenRequestContext, TokenResponseBody } from './types.ts'
import { directResources } from './resource-binding.ts'

/**
 * The Client Credentials Grant (RFC 6749 section 4.4): `grant_type=client_credentials`. Two-legged: the
 * client acts on its own behalf. Confidential clients only (section 4.4: the client MUST authenticate);
 * no refresh token (section 4.4.3).
 */
export class ClientCredentialsGrant<Env = unknown> implements Grant<Env> {
  readonly #scope: Scope | undefined

  constructor(options: ScopeGrantOptions = {}) {
    this.#scope = options.scope
  }

  register(registry: GrantRegistry<Env>): void {
    registry.addTokenHandler({
      grantType: 'client_credentials',
      allowsPublicClients: false,
      handle: (context) => this.#handle(context),
    })
  }

  async #handle(context: TokenRequestContext<Env>): Promise<TokenResponseBody> {
    const { request, client, services } = context
    const scopes = (this.#scope ?? services.scope).parse(request.postParam('scope'), client.scopes)
    return services.issueTokens({
      client,
      grantType: 'client_credentials',
      userId: undefined,
      data: NO_USER_DATA,
      scopes,
      withRefreshToken: false,
      request,
      // RFC 8707 section 2: the requested resources, else the client's list or the default.
      ...directResources(services.resources, client, request),
    })
  }
}
