/**
 * Audit events: a closed union of what happened, as data. Every event says which request it came from,
 * the client, the user and the client's address where known, and when; none ever carries a secret, a
 * token, a code, a verifier or a password (only ids, names, scopes and outcomes). Events are emitted
 * after the store agreed — there is no `token.issued` for a token the store refused — and delivered after
 * the response is decided, so a slow or throwing `onEvent` never breaks or slows a request.
 *
 * The union grows with the features that land: each feature adds its own member here.
 *
 * @module
 */

/** What every event carries. */
export interface AuditEventBase {
  /** The request's id: its `X-Request-Id` header when it is a short, safe token; else a random UUID. */
  readonly requestId: string
  /** When it happened: an ISO 8601 timestamp from the controller's clock. */
  readonly time: string
  /** The client concerned, when known (client ids are not secrets, RFC 6749 section 2.2). */
  readonly clientId: string | undefined
  /** The user concerned, when known. */
  readonly userId: string | undefined
  /** The client's address as the controller sees it (the `clientAddress` option), when known. */
  readonly address: string | undefined
}

/** Tokens were stored and handed out (a code redeemed, client credentials, password, implicit, device code). */
export interface TokenIssuedEvent extends AuditEventBase {
  readonly type: 'token.issued'
  /** The grant type that issued them (`authorization_code`, `client_credentials`, `implicit`, …). */
  readonly grantType: string
  /** The scopes of the access token. */
  readonly scopes: readonly string[]
  /** Whether a refresh token came with the access token. */
  readonly withRefreshToken: boolean
}

/** A refresh token was rotated: a new access token and a new refresh token were stored and handed out. */
export interface TokenRefreshedEvent extends AuditEventBase {
  readonly type: 'token.refreshed'
  /** The scopes of the new access token. */
  readonly scopes: readonly string[]
  /** `grace`: a retry of a just-rotated token within the grace interval got a fresh successor. */
  readonly outcome: 'rotated' | 'grace'
}

/** A client revoked one of its tokens (RFC 7009). */
export interface TokenRevokedEvent extends AuditEventBase {
  readonly type: 'token.revoked'
  /** What was revoked: an access token, or a refresh token and with it its whole family. */
  readonly tokenKind: 'access_token' | 'refresh_token'
}

/** An authorization code was presented a second time; the tokens issued from it were revoked (RFC 6749 section 4.1.2). */
export interface CodeReusedEvent extends AuditEventBase {
  readonly type: 'code.reused'
}

/** A rotated-out refresh token was presented again; its family was revoked (RFC 9700 section 4.14.2). */
export interface RefreshReusedEvent extends AuditEventBase {
  readonly type: 'refresh.reused'
}

/** A client failed to authenticate (`invalid_client`) at an endpoint. */
export interface ClientAuthFailedEvent extends AuditEventBase {
  readonly type: 'client.auth_failed'
  /** The endpoint's path, e.g. `/token`. */
  readonly endpoint: string
  /** How the client tried: `client_secret_basic`, `client_secret_post`, `none`, or `undefined` when it sent no credentials. */
  readonly method: string | undefined
}

/** A request was refused by a rate limit. */
export interface RateLimitedEvent extends AuditEventBase {
  readonly type: 'rate_limited'
  /** Which limit, e.g. `client_auth` or `login`. */
  readonly limit: string
  /** Seconds until the client may try again. */
  readonly retryAfterSeconds: number
}

/** A store failed or did not answer in time; the request was answered 503 `temporarily_unavailable`. */
export interface StoreUnavailableEvent extends AuditEventBase {
  readonly type: 'store.unavailable'
  /** The call, e.g. `accessTokenStore.saveToken`, when known. */
  readonly operation: string | undefined
  /** `timeout` when the store did not answer within `storeTimeoutMs`, else `failure`. */
  readonly reason: 'timeout' | 'failure'
}

/** A resource owner's credentials were refused (the password grant; a login form through the site adapter). */
export interface UserLoginFailedEvent extends AuditEventBase {
  readonly type: 'user.login_failed'
  /** The username that was tried, when the request named one (never the password). */
  readonly username: string | undefined
}

/** A user allowed an authorization request and the code or token was stored. */
export interface ConsentGrantedEvent extends AuditEventBase {
  readonly type: 'consent.granted'
  /** The `response_type` allowed (`code`, `token`) or `device_code` for the device flow. */
  readonly responseType: string
  /** The scopes allowed. */
  readonly scopes: readonly string[]
}

/**
 * A client registered itself (RFC 7591), changed its registration or removed it (RFC 7592), at the
 * registration endpoint. `clientId` is the registered client; `address` who asked.
 */
export interface ClientRegisteredEvent extends AuditEventBase {
  readonly type: 'client.registered' | 'client.updated' | 'client.deleted'
  /** The client's `token_endpoint_auth_method` (after the change); `undefined` for a deletion. */
  readonly tokenEndpointAuthMethod: string | undefined
  /** The client's redirect URIs (after the change; not secrets); empty for a deletion. */
  readonly redirectUris: readonly string[]
}

/** Every audit event: a closed union discriminated by `type`. */
export type AuditEvent =
  | TokenIssuedEvent
  | TokenRefreshedEvent
  | TokenRevokedEvent
  | CodeReusedEvent
  | RefreshReusedEvent
  | ClientAuthFailedEvent
  | RateLimitedEvent
  | StoreUnavailableEvent
  | UserLoginFailedEvent
  | ConsentGrantedEvent
  | ClientRegisteredEvent

/** The `type` of every audit event. */
export type AuditEventType = AuditEvent['type']

/** An event before the controller adds what every event carries; `clientId` and `userId` may be given. */
export type AuditEventInput = WithoutBase<AuditEvent>

/** An event type without the fields the controller adds; distributes over the union, so each member keeps its own fields. */
export type WithoutBase<E> = E extends AuditEvent
  ? Omit<E, keyof AuditEventBase> & Partial<Pick<AuditEventBase, 'clientId' | 'userId'>>
  : never

/** Receives the audit events; may return a promise, which is not awaited. */
export type AuditEventHandler = (event: AuditEvent) => void | Promise<void>
