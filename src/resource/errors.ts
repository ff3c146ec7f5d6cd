/** The error codes of a protected resource (RFC 6750 section 3.1). */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope'

/**
 * Why a protected resource refused a request (RFC 6750 section 3.1): `invalid_request` (400),
 * `invalid_token` (401) or `insufficient_scope` (403, with the scope that would do). A request with no
 * token at all has no error code: just a 401 challenge.
 */
export class BearerError extends Error {
  /** The RFC 6750 error code, or `undefined` for a request that carried no token. */
  readonly error: BearerErrorCode | undefined
  /** The HTTP status to answer with. */
  readonly status: 400 | 401 | 403
  /** Sent as `error_description`. */
  readonly description: string
  /** For `insufficient_scope`: the scope the resource needs (sent as `scope`). */
  readonly scope: string | undefined

  constructor(error: BearerErrorCode | undefined, description: string, scope?: string) {
    super(description)
    this.error = error
    this.status = error === 'invalid_request' ? 400 : error === 'insufficient_scope' ? 403 : 401
    this.description = description
    this.scope = scope
  }

  override get name(): string {
    return 'BearerError'
  }
}
