import { AuthorizeEndpoint } from './endpoints/authorize.ts'
import { TokenEndpoint } from './endpoints/token.ts'
import type { AnyOAuthError } from './errors.ts'
import { Scope } from './grants/scope.ts'
import type { AuthorizeHandler, Grant, GrantRegistry, GrantServices, RefreshPolicy, TokenHandler } from './grants/types.ts'
import { CsrfGuard } from './internal/csrf.ts'
import { guardStore } from './internal/guard-store.ts'
import { Sealer } from './internal/sealer.ts'
import { TokenIssuer } from './internal/token-issuer.ts'
import { checkIssuer, checkPath, checkSeconds, MAX_CODE_LIFETIME, type AuthorizationControllerOptions } from './options.ts'
import { LocalClientStore } from './stores/memory-client-store.ts'
import { LocalTokenStore } from './stores/memory-token-store.ts'
import { RandomTokenGenerator } from './tokens/random.ts'
import type { Request } from './web/request.ts'
import { Response } from './web/response.ts'

/**
 * The heart of an authorization server (the seed's `oauth2.AuthorizationController`): holds the stores,
 * the site adapter, the token generator and the grants, and answers requests.
 *
 * @typeParam Env - the type of `environ` given to `dispatch` (for `nodeHandler`: `{ req, res }`).
 *
 * @example
 * ```ts
 * const controller = new AuthorizationController({
 *   issuer: 'https://auth.example.com',
 *   accessTokenStore: tokenStore, authCodeStore: tokenStore, clientStore, siteAdapter,
 * })
 * controller.addGrant(new AuthorizationCodeGrant())
 * controller.addGrant(new RefreshToken({ expiresIn: 2592000 }))
 * http.createServer(nodeHandler(controller)).listen(8080)
 * ```
 */
export class AuthorizationController<Env = unknown> {
  /** Path of the authorization endpoint. */
  readonly authorizePath: string
  /** Path of the token endpoint. */
  readonly tokenPath: string
  /** The issuer identifier. */
  readonly issuer: string
  readonly #tokenHandlers = new Map<string, TokenHandler<Env>>()
  readonly #authorizeHandlers = new Map<string, AuthorizeHandler<Env>>()
  readonly #services: GrantServices<Env>
  readonly #token: TokenEndpoint<Env>
  readonly #authorize: AuthorizeEndpoint<Env>
  #refreshPolicy: RefreshPolicy | undefined

  constructor(options: AuthorizationControllerOptions<Env>) {
    if (options.accessTokenStore === undefined || options.authCodeStore === undefined || options.clientStore === undefined) {
      throw new TypeError('AuthorizationController needs accessTokenStore, authCodeStore and clientStore')
    }
    // Every call to an out-of-process store answers within storeTimeoutMs, and its failures become 503s.
    const timeoutMs = checkSeconds('storeTimeoutMs', options.storeTimeoutMs ?? 2000, 60_000, 'milliseconds')
    const guard = <T extends object>(store: T, name: string): T =>
      store instanceof LocalTokenStore || store instanceof LocalClientStore ? store : guardStore(store, name, timeoutMs)
    const accessTokenStore = guard(options.accessTokenStore, 'accessTokenStore')
    const authCodeStore =
      options.authCodeStore === (options.accessTokenStore as unknown) ? (accessTokenStore as unknown as typeof options.authCodeStore) : guard(options.authCodeStore, 'authCodeStore')
    const clientStore = guard(options.clientStore, 'clientStore')
    this.issuer = checkIssuer(options.issuer)
    this.authorizePath = checkPath('authorizePath', options.authorizePath ?? '/authorize')
    this.tokenPath = checkPath('tokenPath', options.tokenPath ?? '/token')
    if (this.authorizePath === this.tokenPath) throw new TypeError('authorizePath and tokenPath must differ')
    const clock = options.clock ?? Date.now
    const now = (): number => Math.floor(clock() / 1000)
    const tokenGenerator = options.tokenGenerator ?? new RandomTokenGenerator()
    const unique = options.uniqueToken
    const issuer = new TokenIssuer({
      tokenGenerator,
      accessTokenStore,
      accessTokenLifetime: checkSeconds('accessTokenLifetime', options.accessTokenLifetime ?? 3600),
      now,
      refreshPolicy: () => this.#refreshPolicy,
      sealer: unique === undefined || unique === false ? undefined : new Sealer(unique === true ? undefined : unique.key),
    })
    const refreshPolicy = (): RefreshPolicy | undefined => this.#refreshPolicy
    this.#services = {
      issuer: this.issuer,
      clientStore,
      authCodeStore,
      accessTokenStore,
      siteAdapter: options.siteAdapter,
      scope: options.scope ?? new Scope(),
      tokenGenerator,
      authorizationCodeLifetime: checkSeconds('authorizationCodeLifetime', options.authorizationCodeLifetime ?? 60, MAX_CODE_LIFETIME),
      get refreshPolicy() {
        return refreshPolicy()
      },
      now,
      newId: () => issuer.newId(),
      mintTokens: (subject) => issuer.mint(subject),
      issueTokens: (subject) => issuer.issue(subject),
    }
    const report = options.onError ?? logServerErrors
    // A throwing hook must not break dispatch's promise never to reject.
    const onError = (error: AnyOAuthError, request: Request): void => {
      try {
        report(error, request)
      } catch {
        // ignored on purpose
      }
    }
    this.#token = new TokenEndpoint(this.#tokenHandlers, this.#services, onError)
    const secure = this.issuer.startsWith('https:')
    this.#authorize = new AuthorizeEndpoint(this.#authorizeHandlers, this.#services, new CsrfGuard(secure), onError)
  }

  /**
   * Adds a grant the server should support (the seed's `add_grant`). Throws a `TypeError` when a grant
   * type is registered twice, or a grant that talks to the user has no site adapter.
   */
  addGrant(grant: Grant<Env>): this {
    const registry: GrantRegistry<Env> = {
      addTokenHandler: (handler) => {
        if (this.#tokenHandlers.has(handler.grantType)) throw new TypeError(`grant_type ${handler.grantType} is already registered`)
        this.#tokenHandlers.set(handler.grantType, handler)
      },
      addAuthorizeHandler: (handler) => {
        if (this.#authorizeHandlers.has(handler.responseType)) {
          throw new TypeError(`response_type ${handler.responseType} is already registered`)
        }
        if (handler.siteAdapter === undefined && this.#services.siteAdapter === undefined) {
          throw new TypeError(`response_type ${handler.responseType} needs a site adapter: pass siteAdapter to the controller or the grant`)
        }
        this.#authorizeHandlers.set(handler.responseType, handler)
      },
      enableRefreshTokens: (policy) => {
        if (this.#refreshPolicy !== undefined) throw new TypeError('refresh tokens are already enabled')
        this.#refreshPolicy = policy
      },
    }
    grant.register(registry)
    return this
  }

  /** The `grant_type`s served at the token endpoint. */
  get grantTypes(): readonly string[] {
    return [...this.#tokenHandlers.keys()]
  }

  /** The `response_type`s served at the authorization endpoint. */
  get responseTypes(): readonly string[] {
    return [...this.#authorizeHandlers.keys()]
  }

  /** Whether a request path belongs to this controller (adapters pass other paths on). */
  handles(path: string): boolean {
    return path === this.tokenPath || path === this.authorizePath
  }

  /**
   * Answers a request (the seed's `dispatch`). Never throws and never rejects: every failure becomes an
   * RFC error response, and unknown paths a 404.
   */
  async dispatch(request: Request, environ: Env): Promise<Response> {
    if (request.path === this.tokenPath) return this.#token.handle(request, environ)
    if (request.path === this.authorizePath) return this.#authorize.handle(request, environ)
    return Response.json(404, { error: 'not_found', error_description: 'No OAuth 2.0 endpoint at this path.' })
  }
}

function logServerErrors(error: AnyOAuthError): void {
  if (error.error === 'server_error') console.error('oauth2-stack: server_error', error.cause)
}
