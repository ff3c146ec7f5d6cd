/**
 * Cross-origin access to the registration endpoint, for clients that register from a browser page (the
 * MCP Inspector's web UI): every answer carries `Access-Control-Allow-Origin: *`, and preflights are
 * answered. Never `Access-Control-Allow-Credentials`: the endpoint takes no cookies — a registration is
 * open or authorized by a bearer token (an initial access token, RFC 7591 section 3; a registration
 * access token, RFC 7592 section 2) that the page must hold itself — so a page of any origin can do
 * nothing it could not do from a server. One fixed set of headers per endpoint, built at start-up.
 *
 * @module
 */
import type { Request } from '../web/request.ts'
import { Response } from '../web/response.ts'

/** Headers a page may send: the JSON body's type and the bearer token. */
const ALLOWED_HEADERS = 'authorization, content-type'
/** Headers a page may read: the RFC 6750 challenge of a 401 and the wait of a 429. */
const EXPOSED_HEADERS = 'www-authenticate, retry-after'

/** The CORS headers on every answer of the registration endpoint. */
export const REGISTRATION_CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-expose-headers': EXPOSED_HEADERS,
})

/**
 * The answer to a preflight (`OPTIONS`) at the registration path: `POST` for a registration, `GET, PUT,
 * DELETE` for the client configuration endpoint (`?client_id=`, RFC 7592), when it is served.
 */
export function registrationPreflight(request: Request, management: boolean): Response {
  const methods = request.getParam('client_id') === undefined ? 'POST' : management ? 'GET, PUT, DELETE' : 'POST'
  return new Response(204, {
    'cache-control': 'no-store',
    allow: `${methods}, OPTIONS`,
    ...REGISTRATION_CORS_HEADERS,
    'access-control-allow-methods': methods,
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': '600',
  })
}

/** Adds the CORS headers to an answer of the registration endpoint. */
export function withRegistrationCors(response: Response): Response {
  Object.assign(response.headers, REGISTRATION_CORS_HEADERS)
  return response
}
