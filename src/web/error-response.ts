import { buildRedirect } from '../checks/redirect-uri.ts'
import { InvalidRequest, isOAuthError, ServerError, StoreUnavailableError, TemporarilyUnavailable, type AnyOAuthError } from '../errors.ts'
import { Response } from './response.ts'
import type { BodyError } from './request.ts'

/**
 * Turns anything thrown while handling a request into an OAuth error. Store outages become
 * `temporarily_unavailable`, everything unexpected `server_error`, both with a generic description so
 * no internal detail (or stack) reaches the client.
 */
export function toOAuthError(error: unknown): AnyOAuthError {
  if (isOAuthError(error)) return error
  if (error instanceof StoreUnavailableError) {
    return new TemporarilyUnavailable('The service is temporarily unavailable; try again later.', { cause: error })
  }
  return new ServerError('The server encountered an unexpected condition.', { cause: error })
}

/** `invalid_request` answered with 413. */
class BodyTooLarge extends InvalidRequest {
  override readonly status: number = 413
}

/** `invalid_request` answered with 408. */
class BodyTimeout extends InvalidRequest {
  override readonly status: number = 408
}

/** The RFC error of a body the adapter could not read. */
export function bodyErrorToOAuthError(error: BodyError): InvalidRequest {
  switch (error) {
    case 'too_large':
      return new BodyTooLarge('The request body is too large.')
    case 'timeout':
      return new BodyTimeout('The request body was not received in time.')
    case 'aborted':
      return new InvalidRequest('The request body was incomplete.')
  }
}

/**
 * The fields of an error on the wire (RFC 6749 section 5.2 and 4.1.2.1). `error_description` may only
 * hold %x20-21 / %x23-5B / %x5D-7E, so anything else (an echoed parameter, say) is dropped from it.
 */
export function errorFields(error: AnyOAuthError): Record<string, string> {
  const description = error.description.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')
  const fields: Record<string, string> = { error: error.error, error_description: description }
  if (error.uri !== undefined) fields.error_uri = error.uri
  return fields
}

/**
 * A JSON error response (RFC 6749 section 5.2): the token endpoint and any endpoint answering a client
 * directly. `invalid_client` comes with 401 and `WWW-Authenticate: Basic`.
 */
export function jsonErrorResponse(error: AnyOAuthError, realm: string): Response {
  const headers: Record<string, string> = {}
  if (error.error === 'invalid_client') headers['www-authenticate'] = `Basic realm="${realm}", charset="UTF-8"`
  if (error.error === 'too_many_requests') headers['retry-after'] = String(error.retryAfter)
  return Response.json(error.status, errorFields(error), headers)
}

/**
 * An authorization error sent back to the client's (validated) redirect URI with `state` and `iss`
 * (RFC 6749 section 4.1.2.1 and 4.2.2.1, RFC 9207 section 2).
 */
export function redirectErrorResponse(
  error: AnyOAuthError,
  redirectUri: string,
  mode: 'query' | 'fragment',
  state: string | undefined,
  issuer: string,
  statusCode: 302 | 303,
): Response {
  const location = buildRedirect(redirectUri, { ...errorFields(error), state, iss: issuer }, mode)
  return Response.redirect(location, statusCode)
}

/** The answer for a path no endpoint serves: 404 JSON. */
export function notFoundResponse(): Response {
  return Response.json(404, { error: 'not_found', error_description: 'No OAuth 2.0 endpoint at this path.' })
}

/**
 * The answer when something failed outside every endpoint's own error handling (a custom endpoint that
 * threw, an adapter that could not read or write): 500 `server_error`, with no detail.
 */
export function serverErrorResponse(): Response {
  return Response.json(500, { error: 'server_error' })
}
