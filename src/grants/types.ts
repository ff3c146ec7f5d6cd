import type { Limits } from '../limits/rate-limits.ts'
import type { AccessTokenStore, AuthCodeStore, ClientStore, RecordStore } from '../stores/types.ts'
import type { TokenGenerator } from '../tokens/types.ts'
import type { Client, GrantContext, UserData } from '../types.ts'
import type { AnyOAuthError } from '../errors.ts'
import type { AuditEventInput } from '../events/types.ts'
import type { Request } from '../web/request.ts'
import type { PageRenderer } from '../web/page-hooks.ts'
import type { Response } from '../web/response.ts'
import type { SiteAdapter } from '../web/site-adapter.ts'
import type { Scope } from '../checks/scope.ts'
import type { ResourcePolicy } from './resource-binding.ts'
import type { EndpointContext } from '../client-auth/client-endpoint.ts'
import type { CsrfGuard } from '../web/csrf.ts'
import type { MintedTokens, RefreshPolicy, TokenResponseBody, TokenSubject } from '../issuer/types.ts'
import type { LoginSessions } from '../sessions/login-sessions.ts'
import type { RememberedConsents } from '../sessions/consent-store.ts'
import type { IdTokenHintVerifier } from '../sessions/interaction-flow.ts'
import type { IdTokenMinter } from '../oidc/types.ts'

// The token-issuing types live with the issuer; they are re-exported here, where grants have always found them.
export type { MintedTokens, RefreshPolicy, TokenResponseBody, TokenSubject } from '../issuer/types.ts'

/**
 * What the controller offers the grants: stores, policies and the token issuer. Custom grants use it too.
 *
 * @typeParam Env - the type of `environ` given to `dispatch`.
 */
export interface GrantServices<Env = unknown> {
  /** The issuer identifier (RFC 8414, RFC 9207). */
  readonly issuer: string
  readonly clientStore: ClientStore
  readonly authCodeStore: AuthCodeStore
  readonly accessTokenStore: AccessTokenStore
  /** The controller's site adapter, if it has one. */
  readonly siteAdapter: SiteAdapter<Env> | undefined
  /** The controller's scope policy, used by grants that set none of their own. */
  readonly scope: Scope
  /** The controller's resource policy (RFC 8707, its `resources` option). */
  readonly resources: ResourcePolicy
  readonly tokenGenerator: TokenGenerator
  /** Authorization-code lifetime in seconds. */
  readonly authorizationCodeLifetime: number
  /** The refresh-token policy, or `undefined` when the `RefreshToken` grant is not added. */
  readonly refreshPolicy: RefreshPolicy | undefined
  /** Now, in whole seconds since the epoch, from the controller's clock. */
  now(): number
  /** A fresh random id (for token families). */
  newId(): string
  /** Hands an answered error to the controller's `onError` hook (endpoints added by grants call it). */
  reportError(error: AnyOAuthError, request: Request): void
  /** The core's own pages, through the controller's `pages` hooks. */
  readonly pages: PageRenderer
  /** The controller's rate limits (its `limits` option), with the client's address. */
  readonly limits: Limits<Env>
  /** Server-held records: rate counters, spent CSRF tokens, the CSRF key (the `recordStore` option). */
  readonly recordStore: RecordStore
  /**
   * Records an audit event of `request` for the controller's `onEvent` hook; it is delivered after the
   * response is decided. Call it only once the store agreed. A no-op without `onEvent`.
   */
  emit(request: Request, event: AuditEventInput): void
  /** Makes an access token (and a refresh token when asked and enabled) without storing them. */
  mintTokens(subject: TokenSubject): Promise<MintedTokens>
  /**
   * Makes and stores tokens, or hands back an existing one under the `uniqueToken` option. Throws
   * `InvalidGrant` when the family was revoked meanwhile.
   */
  issueTokens(subject: TokenSubject): Promise<TokenResponseBody>
  /**
   * The context of the client-authenticated JSON endpoints (these services, the `WWW-Authenticate` realm,
   * the error hook), built once: grants that add such an endpoint pass it to `answerClientEndpoint`.
   */
  readonly endpointContext: GrantEndpointContext<Env>
  /** The controller's one anti-CSRF guard, for every page that posts a form (consent, device verification). */
  readonly csrf: CsrfGuard
  /** The core's login sessions (single sign-on): find and end the browser's session (logout). */
  readonly sessions: LoginSessions
  /** Remembered consent: find, list and revoke. */
  readonly consents: RememberedConsents
  /** Checks an `id_token_hint` for the login/consent split; set by the OpenID Connect feature. */
  readonly verifyIdTokenHint?: IdTokenHintVerifier | undefined
  /** What features added for the grants ({@link GrantRegistry.extend}), e.g. OpenID Connect's ID tokens. */
  readonly extensions?: Readonly<GrantExtensions>
}

/** Services a feature adds for the grants through {@link GrantRegistry.extend}. */
export interface GrantExtensions {
  /** Makes ID tokens: the code and refresh grants add one to their response when `openid` is granted. */
  idTokens?: IdTokenMinter
  /**
   * Checks `id_token_hint` at the authorization endpoint: becomes `services.verifyIdTokenHint` unless the
   * controller's `sessions.verifyIdTokenHint` option set one.
   */
  verifyIdTokenHint?: IdTokenHintVerifier
}

/** The context of the controller's client-authenticated JSON endpoints. */
export type GrantEndpointContext<Env = unknown> = EndpointContext<GrantServices<Env>>

/** The context of a token request, after client authentication. */
export interface TokenRequestContext<Env = unknown> {
  readonly request: Request
  readonly environ: Env
  /** The authenticated client. */
  readonly client: Client
  readonly services: GrantServices<Env>
}

/** Serves one `grant_type` at the token endpoint. */
export interface TokenHandler<Env = unknown> {
  /** The `grant_type` served. */
  readonly grantType: string
  /** Whether public clients may use it (`client_credentials` is for confidential clients only). */
  readonly allowsPublicClients: boolean
  /** Handles a request whose client is authenticated and allowed this grant type. */
  handle(context: TokenRequestContext<Env>): Promise<TokenResponseBody>
}

/** An authorization request whose client and redirect URI are validated. */
export interface AuthorizeRequestContext<Env = unknown> {
  readonly request: Request
  readonly environ: Env
  readonly client: Client
  /** The redirect URI responses go to. */
  readonly redirectUri: string
  /** The `redirect_uri` parameter as sent, `undefined` when omitted. */
  readonly redirectUriParameter: string | undefined
  readonly state: string | undefined
  /** A parameter of the authorization request, from the query or the form body. */
  param(name: string): string | undefined
  /** Every value of a repeatable parameter (RFC 8707 `resource`), from the query, else the form body. */
  paramValues(name: string): readonly string[]
  readonly services: GrantServices<Env>
}

/** The user who allowed an authorization request. */
export interface GrantedUser {
  readonly userId: string
  readonly data: UserData
  /** What the grant carries from the authorization: when the user authenticated, the session, the remembered consent. */
  readonly context?: GrantContext
}

/** A validated authorization request, ready to be decided by the user. */
export interface PendingAuthorization {
  /** The scopes being asked for. */
  readonly scopes: readonly string[]
  /** Issues what the response type calls for, returning the response parameters for the redirect. */
  issue(user: GrantedUser): Promise<Readonly<Record<string, string | undefined>>>
}

/** Serves one `response_type` at the authorization endpoint. */
export interface AuthorizeHandler<Env = unknown> {
  /** The `response_type` served. */
  readonly responseType: string
  /** Where response parameters go: the query (`code`) or the fragment (`token`). */
  readonly responseMode: 'query' | 'fragment'
  /** A site adapter for this grant only, overriding the controller's (python-oauth2 #27). */
  readonly siteAdapter: SiteAdapter<Env> | undefined
  /** The PKCE methods accepted, for metadata (`code_challenge_methods_supported`); none when PKCE does not apply. */
  readonly codeChallengeMethods?: readonly string[]
  /** Validates the grant's own parameters (scope, PKCE, …). Throws an `OAuthError` to redirect it. */
  validate(context: AuthorizeRequestContext<Env>): Promise<PendingAuthorization>
}

/** An extra endpoint a grant serves (e.g. RFC 8628's device authorization endpoint). */
export interface EndpointHandler<Env = unknown> {
  /** Path relative to the controller's mount point, e.g. `/device_authorization`. */
  readonly path: string
  /** The RFC 8414 metadata field announcing it, if any (e.g. `device_authorization_endpoint`). */
  readonly metadataField?: string
  /** Answers a request at `path`. Must never reject: turn errors into responses. */
  handle(request: Request, environ: Env, services: GrantServices<Env>): Promise<Response>
}

/** Where a grant registers what it serves. */
export interface GrantRegistry<Env = unknown> {
  addTokenHandler(handler: TokenHandler<Env>): void
  addAuthorizeHandler(handler: AuthorizeHandler<Env>): void
  enableRefreshTokens(policy: RefreshPolicy): void
  /**
   * The store as the grant should use it: an out-of-process store (one without `inProcess: true`) is
   * bounded by the controller's `storeTimeoutMs`, and its failures become 503 `temporarily_unavailable`.
   * `name` labels its errors (e.g. `deviceCodeStore`).
   */
  guardStore<T extends object>(store: T, name: string): T
  /**
   * The controller's record store (its `recordStore` option), already guarded: where a grant keeps state
   * that every process sharing the store must see (e.g. device codes through `RecordDeviceCodeStore`).
   */
  readonly recordStore: RecordStore
  /** Adds an endpoint; a `TypeError` if its path is taken. */
  addEndpoint(handler: EndpointHandler<Env>): void
  /**
   * Adds fields to the authorization server metadata (RFC 8414 section 2), e.g. a feature's
   * `registration_endpoint` or `client_id_metadata_document_supported`; they win over the built-in ones.
   */
  addMetadata(fields: Readonly<Record<string, string | boolean | readonly string[]>>): void
  /** Adds services for the grants (`services.extensions`), e.g. OpenID Connect's ID-token minter. */
  extend(extensions: GrantExtensions): void
  /**
   * Wraps a built-in endpoint (`token`, `revocation`, or `jwks` when the controller serves one) in `wrap`'s handler, e.g. to answer CORS; the
   * wrapper must never reject either. `wrap` gets the controller's services with the endpoint.
   */
  wrapEndpoint(
    name: 'token' | 'revocation' | 'jwks',
    wrap: (handle: EndpointFunction<Env>, services: GrantServices<Env>) => EndpointFunction<Env>,
  ): void
  /**
   * The authorization server metadata (RFC 8414) as the controller serves it, fields added by features
   * included: what OpenID Connect Discovery serves too, so the two documents cannot disagree.
   */
  metadata(): Readonly<Record<string, string | boolean | readonly string[]>>
  /**
   * Puts a client store in front of the one the controller holds, at once, for every endpoint: e.g.
   * `DynamicClientRegistration` answers its registered clients' ids and passes the others on. `decorate`
   * gets the current store (already guarded) and the services (for `now`, `scope`).
   */
  decorateClientStore(decorate: (configured: ClientStore, services: GrantServices<Env>) => ClientStore): void
}

/** An endpoint as the controller routes it. */
export type EndpointFunction<Env = unknown> = (request: Request, environ: Env) => Promise<Response>

/**
 * A grant (the seed's `GrantHandlerFactory`): configured once, registered with
 * `controller.addGrant(grant)`, which calls {@link Grant.register}. Dispatch is by exact
 * `grant_type` / `response_type`, never by asking each grant in turn.
 */
export interface Grant<Env = unknown> {
  register(registry: GrantRegistry<Env>): void
}

/** Options every grant of the seed takes (the seed's `ScopeGrant`). */
export interface ScopeGrantOptions {
  /** This grant's scope policy; defaults to the controller's `scope`. */
  readonly scope?: Scope
}
