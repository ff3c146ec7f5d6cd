import type { ClientStore } from '../stores/types.ts'
import type { Client } from '../types.ts'
import type { Request } from '../web/request.ts'
import { Response } from '../web/response.ts'

/** Request headers a browser relying party sends to the token, revocation and userinfo endpoints. */
const ALLOWED_HEADERS = 'authorization, content-type, dpop'

/** Response headers such a client must be able to read (an RFC 6750 challenge, a DPoP nonce). */
const EXPOSED_HEADERS = 'www-authenticate, dpop-nonce'

/*
 * Cross-origin access for browser relying parties (oidc-client-ts and the like), per client: a response
 * carries `Access-Control-Allow-Origin` only when the request's client lists the request's `Origin` in its
 * `allowedCorsOrigins`, so a page of another origin cannot read tokens, errors or claims.
 *
 * Preflights (`OPTIONS`) come before the client is known (they carry no body and no credentials), so they
 * are allowed for any origin: these endpoints take no cookies and the server never sends
 * `Access-Control-Allow-Credentials`, so a preflight grants nothing a script could not do from a server;
 * what protects the answer is the check on the actual response. Never on `/authorize` (a navigation).
 */

/** The answer to a CORS preflight request; `methods` is the endpoint's `Access-Control-Allow-Methods`. */
export function corsPreflight(request: Request, methods: string): Response {
  const origin = request.header('origin')
  const response = new Response(204, { 'cache-control': 'no-store', vary: 'origin' })
  response.headers.allow = `${methods}, OPTIONS`
  if (origin === undefined || origin === 'null') return response
  response.headers['access-control-allow-origin'] = origin
  response.headers['access-control-allow-methods'] = methods
  response.headers['access-control-allow-headers'] = ALLOWED_HEADERS
  response.headers['access-control-max-age'] = '600'
  return response
}

/** Adds the CORS headers to `response` when `client` lists the request's origin in `allowedCorsOrigins`. */
export function allowCors(request: Request, response: Response, client: Client | undefined): void {
  const origin = request.header('origin')
  if (origin === undefined) return
  response.headers.vary = 'origin'
  if (client?.allowedCorsOrigins?.includes(origin) === true) {
    response.headers['access-control-allow-origin'] = origin
    response.headers['access-control-expose-headers'] = EXPOSED_HEADERS
  }
}

/**
 * Wraps a client-authenticated endpoint (token, revocation): preflights are answered here, and a response
 * to a request with an `Origin` gets the CORS headers when the client it names (the Basic credentials'
 * user, else form `client_id`) lists that origin. Requests without `Origin` (servers) pass through
 * untouched, at no cost. The client store is read from `services` per request, so a store a feature
 * put in front later (`decorateClientStore`) is the one asked.
 */
export function withCors<Env>(
  handle: (request: Request, environ: Env) => Promise<Response>,
  services: { readonly clientStore: ClientStore },
): (request: Request, environ: Env) => Promise<Response> {
  return async (request, environ) => {
    if (request.method === 'OPTIONS') return corsPreflight(request, 'POST')
    const response = await handle(request, environ)
    if (request.header('origin') === undefined) return response
    const clientId = clientIdOf(request)
    try {
      allowCors(request, response, clientId === undefined ? undefined : await services.clientStore.fetchByClientId(clientId))
    } catch {
      // The answer stands; it only stays unreadable to the page.
    }
    return response
  }
}

/** The client a token or revocation request names: the Basic user (RFC 6749 section 2.3.1), else `client_id`. */
function clientIdOf(request: Request): string | undefined {
  const header = request.header('authorization')
  if (header !== undefined && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon <= 0) return undefined
    try {
      return decodeURIComponent(decoded.slice(0, colon).replaceAll('+', '%20'))
    } catch {
      return undefined
    }
  }
  return request.contentType === 'application/x-www-form-urlencoded' ? request.postParam('client_id') : undefined
}
