/**
 * Errors raised during the OAuth 2.0 flow (the seed's `oauth2.error`).
 *
 * Every OAuth error is an {@link OAuthError} carrying its RFC error code, the HTTP status it is answered
 * with, and whether it may be sent back to the client's redirect URI. The controller turns them into RFC
 * responses in one place (`src/web/error-response.ts`); nothing else formats errors.
 *
 * Misconfiguration is not an OAuth error: it throws a {@link ConfigurationError} (a `TypeError` with the
 * stable `code` {@link CONFIGURATION_ERROR_CODE}) when the controller, a grant or a store is built, or when
 * code calls the library wrongly, and never reaches a client.
 *
 * @module oauth2-stack/error
 */

/**
 * Every error code oauth2-stack puts on the wire.
 *
 * @see RFC 6749 section 4.1.2.1, 4.2.2.1 and 5.2; RFC 8628 section 3.5 (device flow)
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'too_many_requests'
  | 'invalid_target'

/** Options every OAuth error accepts. */
export interface OAuthErrorOptions {
  /** A URI of a page that explains the error; sent as `error_uri`. */
  readonly uri?: string
  /** The internal cause; logged by the host if it wants, never sent to the client. */
  readonly cause?: unknown
}

/**
 * Base class of every OAuth 2.0 error (the seed's `OAuthBaseError`).
 *
 * `error` is the RFC code, `description` becomes `error_description` (the seed called it "explanation").
 * Descriptions never contain a token, a code or a secret.
 */
export abstract class OAuthError extends Error {
  /** The RFC 6749 error code sent as `error`. */
  abstract readonly error: OAuthErrorCode
  /** The HTTP status of a JSON error response (the token endpoint, RFC 6749 section 5.2). */
  abstract readonly status: number
  /**
   * Whether the error may be sent to the client's redirect URI once client and redirect URI are valid
   * (RFC 6749 section 4.1.2.1). Errors that are not redirectable are shown to the user instead.
   */
  readonly redirectable: boolean = true
  /** Human-readable text sent as `error_description`. */
  readonly description: string
  /** Sent as `error_uri` when set. */
  readonly uri: string | undefined

  constructor(description: string, options: OAuthErrorOptions = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause })
    this.description = description
    this.uri = options.uri
  }

  override get name(): string {
    return this.constructor.name
  }
}

/** `invalid_request`: a parameter is missing, repeated, malformed or not allowed (RFC 6749 section 5.2). */
export class InvalidRequest extends OAuthError {
  readonly error = 'invalid_request'
  readonly status: number = 400
}

/** The seed's `OAuthInvalidError`: an error during validation of a request. */
export { InvalidRequest as OAuthInvalidError }

/**
 * `invalid_client`: client authentication failed (RFC 6749 section 5.2). Answered with 401 and
 * `WWW-Authenticate: Basic`; never redirected.
 */
export class InvalidClient extends OAuthError {
  readonly error = 'invalid_client'
  readonly status: number = 401
  override readonly redirectable: boolean = false
}

/** The seed's `OAuthClientError`: an error during recognition of a client. */
export { InvalidClient as OAuthClientError }

/**
 * `invalid_grant`: the code, refresh token or resource-owner credentials are invalid, expired, revoked,
 * already used, or were issued to another client or redirect URI (RFC 6749 section 5.2).
 */
export class InvalidGrant extends OAuthError {
  readonly error = 'invalid_grant'
  readonly status: number = 400
}

/** `unauthorized_client`: this client may not use this grant or response type (RFC 6749 section 5.2). */
export class UnauthorizedClient extends OAuthError {
  readonly error = 'unauthorized_client'
  readonly status: number = 400
}

/** `unsupported_grant_type`: no grant is registered for this `grant_type` (RFC 6749 section 5.2). */
export class UnsupportedGrantType extends OAuthError {
  readonly error = 'unsupported_grant_type'
  readonly status: number = 400
}

/** `unsupported_response_type`: no grant is registered for this `response_type` (RFC 6749 section 4.1.2.1). */
export class UnsupportedResponseType extends OAuthError {
  readonly error = 'unsupported_response_type'
  readonly status: number = 400
}

/** `invalid_scope`: the scope is malformed, unknown, or wider than allowed (RFC 6749 section 3.3). */
export class InvalidScope extends OAuthError {
  readonly error = 'invalid_scope'
  readonly status: number = 400
}

/**
 * `invalid_target`: a requested `resource` is malformed, unknown, not allowed for this client, or wider
 * than what the grant was bound to (RFC 8707 section 2). Redirected from the authorization endpoint.
 */
export class InvalidTarget extends OAuthError {
  readonly error = 'invalid_target'
  readonly status: number = 400
}

/** `access_denied`: the resource owner denied the request (RFC 6749 section 4.1.2.1). */
export class AccessDenied extends OAuthError {
  readonly error = 'access_denied'
  readonly status: number = 400
}

/** The seed's `OAuthUserError`: the user denied authorization. */
export { AccessDenied as OAuthUserError }

/**
 * `server_error`: an unexpected condition (RFC 6749 section 4.1.2.1). The description sent is always
 * generic; the real cause stays in `cause`.
 */
export class ServerError extends OAuthError {
  readonly error = 'server_error'
  readonly status: number = 500
}

/**
 * `temporarily_unavailable`: a backend (store) is overloaded or unreachable (RFC 6749 section 4.1.2.1).
 * Answered with 503.
 */
export class TemporarilyUnavailable extends OAuthError {
  readonly error = 'temporarily_unavailable'
  readonly status: number = 503
}

/**
 * `authorization_pending` (RFC 8628 section 3.5): the user has not yet approved or denied the device
 * authorization request; the device keeps polling at its interval. Token endpoint only, never redirected.
 */
export class AuthorizationPending extends OAuthError {
  readonly error = 'authorization_pending'
  readonly status: number = 400
  override readonly redirectable: boolean = false
}

/**
 * `slow_down` (RFC 8628 section 3.5): the device polls faster than its interval; the interval grows by
 * 5 seconds for this and every later request. Token endpoint only, never redirected.
 */
export class SlowDown extends OAuthError {
  readonly error = 'slow_down'
  readonly status: number = 400
  override readonly redirectable: boolean = false
}

/**
 * `expired_token` (RFC 8628 section 3.5): the device code has expired and the device authorization
 * session is over; the device may start a new one. Token endpoint only, never redirected.
 */
export class ExpiredToken extends OAuthError {
  readonly error = 'expired_token'
  readonly status: number = 400
  override readonly redirectable: boolean = false
}

/**
 * `too_many_requests`: a rate limit refuses the request until `retryAfter` seconds have passed (the
 * controller's `limits` option; RFC 6749 section 4.3.2 and 10.10, OAuth 2.1 section 2.4.1, RFC 8628
 * section 5.1). Answered with 429 and `Retry-After` (RFC 6585 section 4); never redirected: the
 * authorization and verification pages show it to the user. RFC 6749 has no code for it; section 5.2
 * allows extension codes, and this one names the status.
 */
export class TooManyRequests extends OAuthError {
  readonly error = 'too_many_requests'
  readonly status: number = 429
  override readonly redirectable: boolean = false
  /** Seconds until the request may be tried again; sent as `Retry-After`. */
  readonly retryAfter: number
  /** The limit that refused it (a name of the controller's `limits` option), for the `rate_limited` event. */
  readonly limit: string | undefined

  constructor(description: string, retryAfter: number, options?: OAuthErrorOptions & { readonly limit?: string }) {
    super(description, options)
    this.retryAfter = Math.max(1, Math.ceil(retryAfter))
    this.limit = options?.limit
  }
}

/** The seed's `OAuthBaseError`. */
export { OAuthError as OAuthBaseError }

/**
 * The seed's `ClientNotFoundError`. oauth2-stack stores answer "not found" with `undefined`; a store
 * written in the seed's style may throw this instead, and the client gets `invalid_client`.
 */
export class ClientNotFoundError extends InvalidClient {
  constructor(description = 'Unknown client.', options?: OAuthErrorOptions) {
    super(description, options)
  }
}

/**
 * The seed's `AuthCodeNotFoundError`. oauth2-stack stores answer "not found" with `undefined`; a store
 * written in the seed's style may throw this instead, and the client gets `invalid_grant`.
 */
export class AuthCodeNotFoundError extends InvalidGrant {
  constructor(description = 'Invalid authorization code.', options?: OAuthErrorOptions) {
    super(description, options)
  }
}

/** Every concrete OAuth error, so that a `switch (e.error)` narrows to the class. */
export type AnyOAuthError =
  | InvalidRequest
  | InvalidClient
  | InvalidGrant
  | UnauthorizedClient
  | UnsupportedGrantType
  | UnsupportedResponseType
  | InvalidScope
  | AccessDenied
  | ServerError
  | TemporarilyUnavailable
  | AuthorizationPending
  | SlowDown
  | ExpiredToken
  | TooManyRequests
  | InvalidTarget

/**
 * Thrown by a `SiteAdapter` (seed compatibility) when the user is not authenticated yet: the
 * controller then calls `renderAuthPage`. Returning `{ type: 'unauthenticated' }` does the same.
 */
export class UserNotAuthenticated extends Error {
  override get name(): string {
    return 'UserNotAuthenticated'
  }
}

/**
 * Thrown by a store when it cannot answer (backend down, timeout). The controller answers
 * 503 `temporarily_unavailable` with a generic description.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
  }

  override get name(): string {
    return 'StoreUnavailableError'
  }
}

/** Whether `value` is one of oauth2-stack's OAuth errors. */
export function isOAuthError(value: unknown): value is AnyOAuthError {
  return value instanceof OAuthError
}

/** The `code` every {@link ConfigurationError} carries, Node-style, for hosts that test for misuse. */
export const CONFIGURATION_ERROR_CODE = 'ERR_OAUTH2_STACK_CONFIGURATION'

/**
 * A misconfiguration or a wrong call (a bad option, an option missing, a store or grant used wrongly):
 * thrown when the controller, a grant or a store is built or called, never turned into an OAuth response.
 * A `TypeError`, so `instanceof TypeError` keeps working; `code` is always {@link CONFIGURATION_ERROR_CODE}.
 *
 * @example
 * ```ts
 * import { CONFIGURATION_ERROR_CODE } from 'oauth2-stack/error'
 * import { RefreshToken } from 'oauth2-stack/grant'
 *
 * try { new RefreshToken({ expiresIn: -1 }) } catch (error) {
 *   if ((error as { code?: string }).code === CONFIGURATION_ERROR_CODE) console.error('fix the options:', error)
 * }
 * ```
 */
export class ConfigurationError extends TypeError {
  /** Always {@link CONFIGURATION_ERROR_CODE}. */
  readonly code: typeof CONFIGURATION_ERROR_CODE = CONFIGURATION_ERROR_CODE

  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ConfigurationError'
  }
}
