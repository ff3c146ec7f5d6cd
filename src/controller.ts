import { ConfigurationError } from './errors.ts'
import { AuthorizeEndpoint } from './endpoints/authorize.ts'
import { tokenEndpoint } from './endpoints/token.ts'
import { introspectionEndpoint } from './endpoints/introspect.ts'
import { jwksEndpoint } from './endpoints/jwks.ts'
import { buildMetadata, METADATA_PATH, metadataEndpoint, type AuthorizationServerMetadata } from './endpoints/metadata.ts'
import { notFoundResponse, serverErrorResponse, toOAuthError } from './web/error-response.ts'
import { AuditEvents } from './events/audit-events.ts'
import { rateLimitedEventOf, storeUnavailableEventOf } from './events/error-events.ts'
import { consoleLogger, logServerErrors, safeLog } from './events/logger.ts'
import { requestIdOf } from './events/request-id.ts'
import { revocationEndpoint } from './endpoints/revoke.ts'
import { extendServices } from './grants/extend-services.ts'
import { wrapRoute } from './endpoints/wrap-route.ts'
import type { AnyOAuthError } from './errors.ts'
import type { MetadataValue } from './endpoints/metadata.ts'
import { Scope } from './checks/scope.ts'
import { ResourcePolicy } from './grants/resource-binding.ts'
import type {
  AuthorizeHandler,
  Grant,
  GrantEndpointContext,
  GrantRegistry,
  GrantServices,
  RefreshPolicy,
  TokenHandler,
} from './grants/types.ts'
import { CsrfGuard } from './web/csrf.ts'
import { createSessionServices } from './sessions/session-options.ts'
import { guardStore } from './internal/guard-store.ts'
import { ServerKey } from './web/server-key.ts'
import { CIMD_METADATA_FIELD, withMetadataDocuments } from './clients/metadata-document-clients.ts'
import { warnAboutWeakSecrets } from './limits/weak-secret-warning.ts'
import { RecordLimiter } from './limits/limiter.ts'
import { resolveLimits } from './limits/policies.ts'
import { RateLimits } from './limits/rate-limits.ts'
import { clientAddressOf } from './limits/client-address.ts'
import { LocalRecordStore } from './stores/memory-record-store.ts'
import { isRecordStore } from './stores/record-rules.ts'
import { Sealer } from './internal/sealer.ts'
import { TokenIssuer } from './issuer/token-issuer.ts'
import { issuedEvent } from './issuer/issued-event.ts'
import { checkIssuer, checkPath, checkSeconds, MAX_CODE_LIFETIME, type AuthorizationControllerOptions } from './options.ts'
import { checkReadiness, PROBE_ID, type ReadinessReport } from './readiness.ts'
import type { ClientStore, InProcessCapability } from './stores/types.ts'
import { RandomTokenGenerator } from './tokens/random.ts'
import { publishesKeys } from './tokens/types.ts'
import { traceDispatch, tracesDispatch } from './tracing/channels.ts'
import { tracedTokenHandler } from './grants/traced.ts'
import type { Request } from './web/request.ts'
import type { Response } from './web/response.ts'
import { PageRenderer } from './web/page-hooks.ts'

/**
 * The heart of an authorization server (the seed's `oauth2.AuthorizationController`): holds the stores,
 * the site adapter, the token generator and the grants, and answers requests.
 *
 * @typeParam Env - the type of `environ` given to `dispatch` (for `nodeHandler`: `{ req, res }`).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { AuthorizationController } from 'oauth2-stack'
 * import { AuthorizationCodeGrant, RefreshToken } from 'oauth2-stack/grant'
 * import { nodeHandler } from 'oauth2-stack/web'
 *
 * const controller = new AuthorizationController({
 *   issuer: 'https://auth.example.com',
 *   accessTokenStore: tokenStore, authCodeStore: tokenStore, clientStore, siteAdapter,
 * })
 * controller.addGrant(new AuthorizationCodeGrant())
 * controller.addGrant(new RefreshToken({ expiresIn: 2592000 }))
 * createServer(nodeHandler(controller)).listen(8080)
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
  readonly #guard: <T extends object>(store: T, name: string) => T
  readonly #routes = new Map<string, Route<Env>>()
  readonly #endpointFields = new Map<string, string>()
  readonly #metadataFields = new Map<string, MetadataValue>()
  #metadata: AuthorizationServerMetadata | undefined
  #refreshPolicy: RefreshPolicy | undefined
  readonly #events: AuditEvents<Env> | undefined
  readonly #storeTimeoutMs: number

  constructor(options: AuthorizationControllerOptions<Env>) {
    if (options.accessTokenStore === undefined || options.authCodeStore === undefined || options.clientStore === undefined)
      throw new ConfigurationError('AuthorizationController needs accessTokenStore, authCodeStore and clientStore')
    // Every call to an out-of-process store answers within storeTimeoutMs, and its failures become 503s.
    const timeoutMs = checkSeconds('storeTimeoutMs', options.storeTimeoutMs ?? 2000, 60_000, 'milliseconds')
    this.#storeTimeoutMs = timeoutMs
    const guard = <T extends object>(store: T, name: string): T =>
      (store as InProcessCapability).inProcess === true ? store : guardStore(store, name, timeoutMs)
    this.#guard = guard
    const accessTokenStore = guard(options.accessTokenStore, 'accessTokenStore')
    const authCodeStore =
      options.authCodeStore === (options.accessTokenStore as unknown)
        ? (accessTokenStore as unknown as typeof options.authCodeStore)
        : guard(options.authCodeStore, 'authCodeStore')
    const cimd = options.clientIdMetadataDocuments
    const clientStore = withMetadataDocuments(guard(options.clientStore, 'clientStore'), cimd, options.clock)
    if (cimd !== undefined && cimd !== false) this.#metadataFields.set(CIMD_METADATA_FIELD, true)
    this.issuer = checkIssuer(options.issuer)
    this.authorizePath = checkPath('authorizePath', options.authorizePath ?? '/authorize')
    this.tokenPath = checkPath('tokenPath', options.tokenPath ?? '/token')
    if (this.authorizePath === this.tokenPath) throw new ConfigurationError('authorizePath and tokenPath must differ')
    const clock = options.clock ?? Date.now
    const now = (): number => Math.floor(clock() / 1000)
    const tokenGenerator = options.tokenGenerator ?? new RandomTokenGenerator()
    const unique = options.uniqueToken
    const logger = options.logger ?? consoleLogger
    const addressOptions = {
      ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
      ...(options.clientAddress === undefined ? {} : { clientAddress: options.clientAddress }),
    }
    const events =
      options.onEvent === undefined
        ? undefined
        : new AuditEvents<Env>({ onEvent: options.onEvent, logger, clock, clientAddress: clientAddressOf(addressOptions) })
    this.#events = events
    const issuer = new TokenIssuer({
      tokenGenerator,
      accessTokenStore,
      accessTokenLifetime: checkSeconds('accessTokenLifetime', options.accessTokenLifetime ?? 3600),
      now,
      refreshPolicy: () => this.#refreshPolicy,
      sealer: unique === undefined || unique === false ? undefined : new Sealer(unique === true ? undefined : unique.key),
      issued: issuedEvent(events),
    })
    const refreshPolicy = (): RefreshPolicy | undefined => this.#refreshPolicy
    // Rate counters, spent CSRF tokens and the CSRF key: the token store when it can keep records.
    const records =
      options.recordStore ?? (isRecordStore(options.accessTokenStore) ? options.accessTokenStore : new LocalRecordStore({ clock }))
    const recordStore = guard(records, 'recordStore')
    const limits = new RateLimits<Env>({
      limiter: new RecordLimiter(recordStore, now),
      limits: resolveLimits(options.limits),
      ...addressOptions,
    })
    const csrf = new CsrfGuard(this.issuer.startsWith('https:'), { key: new ServerKey(recordStore, 'csrf'), records: recordStore, now })
    this.ready = warnAboutWeakSecrets(
      clientStore,
      { issuer: this.issuer, allowWeakClientSecrets: options.allowWeakClientSecrets === true },
      logger,
    )
    const report = options.onError ?? ((error: AnyOAuthError): void => logServerErrors(logger, error))
    // A throwing hook must not break dispatch's promise never to reject.
    const onError = (error: AnyOAuthError, request: Request): void => {
      const event = events === undefined ? undefined : (storeUnavailableEventOf(error) ?? rateLimitedEventOf(error))
      if (event !== undefined) events?.emit(request, event)
      try {
        report(error, request)
      } catch (thrown) {
        safeLog(logger, 'error', { err: thrown }, 'onError threw')
      }
    }
    const realm = this.issuer.replaceAll('"', '')
    this.#services = {
      issuer: this.issuer,
      clientStore,
      authCodeStore,
      accessTokenStore,
      siteAdapter: options.siteAdapter,
      pages: new PageRenderer(options.pages, (error) => safeLog(logger, 'error', { err: error }, 'a pages hook threw')),
      scope: options.scope ?? new Scope(),
      resources: new ResourcePolicy(options.resources),
      tokenGenerator,
      authorizationCodeLifetime: checkSeconds('authorizationCodeLifetime', options.authorizationCodeLifetime ?? 60, MAX_CODE_LIFETIME),
      get refreshPolicy() {
        return refreshPolicy()
      },
      now,
      newId: () => issuer.newId(),
      reportError: onError,
      emit: events === undefined ? () => {} : (request, event) => events.emit(request, event),
      mintTokens: (subject) => issuer.mint(subject),
      issueTokens: (subject) => issuer.issue(subject),
      // A getter: the context holds these services, so it is made right after them.
      get endpointContext() {
        return endpointContext
      },
      limits,
      recordStore,
      csrf,
      ...createSessionServices(recordStore, accessTokenStore, { secure: this.issuer.startsWith('https:'), now }, options.sessions),
    }
    const endpointContext: GrantEndpointContext<Env> = { services: this.#services, realm, onError }
    const route = (path: string, handle: (request: Request, environ: Env) => Promise<Response>): void => {
      if (this.#routes.has(path)) throw new ConfigurationError(`two endpoints at ${path}`)
      this.#routes.set(path, { handle })
    }
    const context = this.#services.endpointContext
    const authorize = new AuthorizeEndpoint(this.#authorizeHandlers, this.#services, onError)
    this.revocationPath = checkPath('revocationPath', options.revocationPath ?? '/revoke')
    this.introspectionPath = checkPath('introspectionPath', options.introspectionPath ?? '/introspect')
    route(this.authorizePath, (request, environ) => authorize.handle(request, environ))
    route(this.tokenPath, tokenEndpoint(this.#tokenHandlers, context))
    route(this.revocationPath, revocationEndpoint(context))
    route(this.introspectionPath, introspectionEndpoint(context, options.introspection))
    const keys = options.signer ?? (publishesKeys(tokenGenerator) ? tokenGenerator : undefined)
    if (keys !== undefined) {
      this.jwksPath = checkPath('jwksPath', options.jwksPath ?? '/jwks')
      route(this.jwksPath, jwksEndpoint(keys, realm, onError))
    }
    const metadata = metadataEndpoint<Env>(() => this.metadata)
    route(METADATA_PATH, metadata)
    // RFC 8414 section 3: for an issuer with a path, the well-known segment goes before the path.
    const issuerPath = new URL(this.issuer).pathname.replace(/\/$/, '')
    if (issuerPath !== '') route(`${METADATA_PATH}${issuerPath}`, metadata)
  }

  /**
   * Settles when the start-up checks are done: today, a warning on `console.warn` naming every stored
   * client whose secret is shorter than 43 characters on an issuer that is not a loopback one (unless
   * `allowWeakClientSecrets`), when the client store can list its clients. Never rejects.
   */
  readonly ready: Promise<void>

  /** Path of the revocation endpoint (RFC 7009). */
  readonly revocationPath: string
  /** Path of the introspection endpoint (RFC 7662). */
  readonly introspectionPath: string
  /** Path of the JWKS endpoint, when the token generator signs tokens (e.g. `JwtTokenGenerator`). */
  readonly jwksPath: string | undefined

  /**
   * Authorization server metadata (RFC 8414), generated from this controller's configuration: the
   * endpoints, grant and response types, authentication and PKCE methods, and scopes it really serves.
   * Served at `/.well-known/oauth-authorization-server` (and after it the issuer's path, RFC 8414
   * section 3); hosts that mount the controller under a prefix can serve this object at the root.
   */
  get metadata(): AuthorizationServerMetadata {
    this.#metadata ??= buildMetadata({
      issuer: this.issuer,
      paths: {
        token: this.tokenPath,
        authorize: this.authorizePath,
        revocation: this.revocationPath,
        introspection: this.introspectionPath,
      },
      jwksPath: this.jwksPath,
      grantTypes: this.grantTypes,
      responseTypes: this.responseTypes,
      codeChallengeMethods: [...this.#authorizeHandlers.values()].flatMap((handler) => handler.codeChallengeMethods ?? []),
      endpointFields: this.#endpointFields,
      scopes: this.#services.scope.available,
      extra: this.#metadataFields,
    })
    return this.#metadata
  }

  /**
   * Adds a grant the server should support (the seed's `add_grant`). Throws a `TypeError` when a grant
   * type is registered twice, or a grant that talks to the user has no site adapter.
   */
  addGrant(grant: Grant<Env>): this {
    const registry: GrantRegistry<Env> = {
      addTokenHandler: (handler) => {
        if (this.#tokenHandlers.has(handler.grantType))
          throw new ConfigurationError(`grant_type ${handler.grantType} is already registered`)
        this.#tokenHandlers.set(handler.grantType, tracedTokenHandler(handler))
      },
      addAuthorizeHandler: (handler) => {
        if (this.#authorizeHandlers.has(handler.responseType))
          throw new ConfigurationError(`response_type ${handler.responseType} is already registered`)
        if (handler.siteAdapter === undefined && this.#services.siteAdapter === undefined)
          throw new ConfigurationError(
            `response_type ${handler.responseType} needs a site adapter: pass siteAdapter to the controller or the grant`,
          )
        this.#authorizeHandlers.set(handler.responseType, handler)
      },
      addEndpoint: (handler) => {
        const path = checkPath('endpoint path', handler.path)
        if (this.#routes.has(path)) throw new ConfigurationError(`two endpoints at ${path}`)
        this.#routes.set(path, { handle: (request, environ) => handler.handle(request, environ, this.#services) })
        this.#metadata = undefined
        if (handler.metadataField !== undefined) this.#endpointFields.set(handler.metadataField, handler.path)
      },
      enableRefreshTokens: (policy) => {
        if (this.#refreshPolicy !== undefined) throw new ConfigurationError('refresh tokens are already enabled')
        this.#refreshPolicy = policy
      },
      addMetadata: (fields) => {
        for (const [name, value] of Object.entries(fields)) this.#metadataFields.set(name, value)
        this.#metadata = undefined
      },
      extend: (extensions) => extendServices(this.#services, extensions),
      wrapEndpoint: (name, wrap) => wrapRoute(this.#routes.get(this[`${name}Path`] ?? ''), wrap, this.#services),
      metadata: () => this.metadata,
      guardStore: this.#guard,
      recordStore: this.#services.recordStore,
      decorateClientStore: (decorate) => {
        const services = this.#services as { clientStore: ClientStore }
        services.clientStore = decorate(this.#services.clientStore, this.#services)
      },
    }
    grant.register(registry)
    this.#metadata = undefined
    return this
  }

  /**
   * Adds a feature that is not a grant — dynamic client registration, OpenID Connect, … — through the same
   * registry as {@link addGrant} (endpoints, metadata fields, stores).
   */
  use(feature: Grant<Env>): this {
    return this.addGrant(feature)
  }

  /** The `grant_type`s served at the token endpoint. */
  get grantTypes(): readonly string[] {
    return [...this.#tokenHandlers.keys()]
  }

  /** The `response_type`s served at the authorization endpoint. */
  get responseTypes(): readonly string[] {
    return [...this.#authorizeHandlers.keys()]
  }

  /**
   * Whether every store answers within `storeTimeoutMs`: each distinct store is probed once with its
   * `ping()` when it has one, else with a lookup that finds nothing. For readiness probes of hosts that
   * mount the controller themselves (`oauth2-stack serve` answers `GET /readyz` with it). Never rejects.
   */
  readiness(): Promise<ReadinessReport> {
    const { clientStore, accessTokenStore, authCodeStore } = this.#services
    return checkReadiness(
      [
        { name: 'clientStore', store: clientStore, fallback: () => clientStore.fetchByClientId(PROBE_ID) },
        { name: 'accessTokenStore', store: accessTokenStore, fallback: () => accessTokenStore.fetchByToken(PROBE_ID) },
        { name: 'authCodeStore', store: authCodeStore, fallback: () => authCodeStore.fetchByCode(PROBE_ID) },
      ],
      this.#storeTimeoutMs,
    )
  }

  /** Whether a request path belongs to this controller (adapters pass other paths on). */
  handles(path: string): boolean {
    return this.#routes.has(path)
  }

  /**
   * Answers a request (the seed's `dispatch`). Never throws and never rejects: every failure becomes an
   * RFC error response, and unknown paths a 404.
   */
  dispatch(request: Request, environ: Env): Promise<Response> {
    // Not an async function: the endpoint's own promise is handed back as it is (Promise.resolve of a
    // native promise is that promise), with no extra hops per request.
    try {
      const route = this.#routes.get(request.path)
      if (route === undefined) return Promise.resolve(notFoundResponse())
      if (this.#events === undefined && !tracesDispatch()) return Promise.resolve(route.handle(request, environ))
      return this.#observed(route, request, environ)
    } catch (error) {
      // Only a custom endpoint can throw here (the built-in ones answer every failure themselves).
      this.#services.reportError(toOAuthError(error), request)
      return Promise.resolve(serverErrorResponse())
    }
  }

  /** {@link dispatch} with audit events held until the response is decided, and a dispatch trace. */
  #observed(route: Route<Env>, request: Request, environ: Env): Promise<Response> {
    const events = this.#events
    events?.begin(request, environ)
    const answered = tracesDispatch()
      ? traceDispatch({ method: request.method, path: request.path, requestId: requestIdOf(request) }, () =>
          Promise.resolve(route.handle(request, environ)),
        )
      : Promise.resolve(route.handle(request, environ))
    if (events === undefined) return answered
    return answered.then((response) => {
      events.end(request)
      return response
    })
  }
}

/** An endpoint. A method, so that a controller for one environ type is usable where another is expected. */
interface Route<Env> {
  handle(request: Request, environ: Env): Promise<Response>
}
