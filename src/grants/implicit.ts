import { OFFLINE_ACCESS, OPENID } from '../oidc/types.ts'
import { formatScope } from '../checks/scope.ts'
import type { Scope } from '../checks/scope.ts'
import type { SiteAdapter } from '../web/site-adapter.ts'
import type { AuthorizeRequestContext, Grant, GrantRegistry, PendingAuthorization, ScopeGrantOptions } from './types.ts'

/** Options of {@link ImplicitGrant}. */
export interface ImplicitGrantOptions<Env = unknown> extends ScopeGrantOptions {
  /** A site adapter for this grant only, overriding the controller's. */
  readonly siteAdapter?: SiteAdapter<Env>
}

/**
 * The Implicit Grant (RFC 6749 section 4.2): `response_type=token` returns an access token in the
 * redirect URI's fragment, never a refresh token (section 4.2.2). Three-legged.
 *
 * Discouraged: RFC 9700 section 2.1.2 says clients SHOULD NOT use it (the token travels in the URL and
 * cannot be sender-constrained) and OAuth 2.1 removes it. Prefer {@link AuthorizationCodeGrant} with
 * PKCE. It is served only when added to the controller.
 */
export class ImplicitGrant<Env = unknown> implements Grant<Env> {
  readonly #scope: Scope | undefined
  readonly #siteAdapter: SiteAdapter<Env> | undefined

  constructor(options: ImplicitGrantOptions<Env> = {}) {
    this.#scope = options.scope
    this.#siteAdapter = options.siteAdapter
  }

  register(registry: GrantRegistry<Env>): void {
    registry.addAuthorizeHandler({
      responseType: 'token',
      responseMode: 'fragment',
      siteAdapter: this.#siteAdapter,
      validate: (context) => this.#validate(context),
    })
  }

  async #validate(context: AuthorizeRequestContext<Env>): Promise<PendingAuthorization> {
    const { client, services } = context
    const parsed = (this.#scope ?? services.scope).parse(context.param('scope'), client.scopes)
    // OpenID Connect Core 1.0 section 11: offline_access is ignored unless the response type returns a code.
    const scopes = parsed.includes(OPENID) ? parsed.filter((name) => name !== OFFLINE_ACCESS) : parsed
    // RFC 8707 section 2: the requested resources (or the default) are the token's audience.
    const resources = services.resources.authorize(client, context.paramValues('resource'))
    return {
      scopes,
      issue: async (user) => {
        const body = await services.issueTokens({
          client,
          grantType: 'implicit',
          userId: user.userId,
          data: user.data,
          scopes,
          withRefreshToken: false,
          request: context.request,
          resources,
        })
        return {
          access_token: body.access_token,
          token_type: body.token_type,
          expires_in: String(body.expires_in),
          scope: formatScope(scopes),
        }
      },
    }
  }
}
