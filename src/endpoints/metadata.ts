import type { Request } from '../web/request.ts'
import { PUBLIC_JSON_HEADERS, Response } from '../web/response.ts'

/** The well-known path of authorization server metadata (RFC 8414 section 3). */
export const METADATA_PATH = '/.well-known/oauth-authorization-server'

/**
 * Authorization server metadata (RFC 8414 section 2), built from the controller's real configuration so it
 * cannot disagree with it. Field names as on the wire.
 */
export type AuthorizationServerMetadata = Readonly<Record<string, string | boolean | readonly string[]>>

/** Serves metadata that the controller computes (lazily, once per configuration). */
export function metadataEndpoint<Env>(metadata: () => AuthorizationServerMetadata): (request: Request, environ: Env) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const response = Response.json(405, { error: 'invalid_request', error_description: 'Metadata is read with GET.' })
      response.headers.allow = 'GET'
      return response
    }
    // Public and identical for everyone: cacheable, unlike every other answer.
    return new Response(200, { ...PUBLIC_JSON_HEADERS }, JSON.stringify(metadata()))
  }
}
