/**
 * The errors of the registration endpoints (RFC 7591 section 3.2.2, RFC 7592 section 2). They are not
 * `OAuthError`s: their codes belong to registration only, and they are answered by the registration
 * endpoint itself, never redirected.
 *
 * @module
 */
import { Response } from '../web/response.ts'

/** The error codes of RFC 7591 section 3.2.2, and `invalid_request` for a body that is no JSON object. */
export type RegistrationErrorCode =
  /** A redirect URI is refused (the one rule of `checkRegisteredUri`, or none given for a redirect-based grant). */
  | 'invalid_redirect_uri'
  /** A metadata field is invalid, inconsistent or refused by the server's policy. */
  | 'invalid_client_metadata'
  /** The software statement is invalid. */
  | 'invalid_software_statement'
  /** The software statement is not approved here (oauth2-stack accepts none). */
  | 'unapproved_software_statement'
  /** The request is malformed: not JSON, wrong media type, wrong method. */
  | 'invalid_request'

/** A refused registration (RFC 7591 section 3.2.2): answered 400 with `error` and `error_description`. */
export class RegistrationError extends Error {
  /** The RFC 7591 error code. */
  readonly error: RegistrationErrorCode
  /** Human-readable text sent as `error_description`; never holds a secret. */
  readonly description: string

  constructor(error: RegistrationErrorCode, description: string) {
    super(description)
    this.error = error
    this.description = description
  }

  override get name(): string {
    return 'RegistrationError'
  }
}

/** RFC 7591 section 3.2.2: 400, a JSON body, not cached. */
export function registrationErrorResponse(error: RegistrationError): Response {
  // error_description may only hold %x20-21 / %x23-5B / %x5D-7E (RFC 6749 section 5.2).
  const description = error.description.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')
  return Response.json(400, { error: error.error, error_description: description })
}

/**
 * RFC 7591 section 3 and RFC 7592 section 2: a missing or wrong initial access token or registration
 * access token is answered as RFC 6750 section 3 says, 401 with `WWW-Authenticate: Bearer`; an unknown
 * client too (RFC 7592 section 2.1: 401, not 404, so client ids cannot be probed).
 */
export function invalidTokenResponse(realm: string, presented: boolean): Response {
  // RFC 6750 section 3.1: no error code when the request carried no token at all.
  const challenge = presented
    ? `Bearer realm="${realm}", error="invalid_token", error_description="The access token is invalid."`
    : `Bearer realm="${realm}"`
  return Response.json(
    401,
    { error: 'invalid_token', error_description: 'A valid access token is required.' },
    { 'www-authenticate': challenge },
  )
}

/** A method the endpoint does not serve: 405 with `Allow`. */
export function methodNotAllowed(allow: string): Response {
  return Response.json(405, { error: 'invalid_request', error_description: `This endpoint accepts ${allow} only.` }, { allow })
}
