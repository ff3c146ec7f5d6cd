import type { AnyOAuthError } from '../errors.ts'
import type { PublishesKeys } from '../tokens/types.ts'
import { jsonErrorResponse, toOAuthError } from '../web/error-response.ts'
import type { Request } from '../web/request.ts'
import { PUBLIC_JSON_HEADERS, Response } from '../web/response.ts'

/**
 * The JWKS endpoint (RFC 7517 section 5, the metadata's `jwks_uri`, RFC 8414 section 2): the public keys
 * of the token generator or the controller's `signer` — current, next and retiring ones, so a verifier
 * knows a key before it signs and after it stopped. Read from the store's key set when there is one (at
 * most once per refresh interval); a store failure is answered 503 and reported.
 */
export function jwksEndpoint<Env>(
  source: PublishesKeys,
  realm: string,
  onError: (error: AnyOAuthError, request: Request) => void,
): (request: Request, environ: Env) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const response = Response.json(405, { error: 'invalid_request', error_description: 'The JWKS is read with GET.' })
      response.headers.allow = 'GET'
      return response
    }
    try {
      const jwks = await source.jwks()
      // Public and the same for everyone: cacheable (a key is published a refresh interval before it signs).
      return new Response(200, { ...PUBLIC_JSON_HEADERS }, JSON.stringify({ keys: jwks.keys }))
    } catch (thrown) {
      const error = toOAuthError(thrown)
      onError(error, request)
      return jsonErrorResponse(error, realm)
    }
  }
}
