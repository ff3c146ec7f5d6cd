import { authenticateClient } from '../client-auth/authenticate-client.ts'
import type { Limits } from '../limits/rate-limits.ts'
import { readClientCredentials } from './read-credentials.ts'
import { InvalidRequest, type AnyOAuthError } from '../errors.ts'
import type { AuditEventInput } from '../events/types.ts'
import type { Params } from '../internal/params.ts'
import type { ClientStore } from '../stores/types.ts'
import type { Client } from '../types.ts'
import type { Request } from '../web/request.ts'
import type { Response } from '../web/response.ts'
import { bodyErrorToOAuthError, jsonErrorResponse, toOAuthError } from '../web/error-response.ts'

const FORM = 'application/x-www-form-urlencoded'

/** What a client endpoint needs from the controller's services (`GrantServices` has it). */
export interface ClientEndpointServices {
  readonly clientStore: ClientStore
  /** The rate limits; failed client authentication is counted per (client, address) when given. */
  readonly limits?: Limits<unknown>
  /** Records an audit event (`GrantServices.emit`); a failed client authentication is `client.auth_failed`. */
  emit?(request: Request, event: AuditEventInput): void
}

/** What a client-authenticated endpoint handler receives. */
export interface ClientRequest<Env, Services extends ClientEndpointServices = ClientEndpointServices> {
  readonly request: Request
  readonly environ: Env
  readonly params: Params
  /** Authenticates the client (RFC 6749 section 2.3); called by the handler when it needs the client. */
  readonly authenticate: () => Promise<Client>
  readonly services: Services
}

/** Context shared by the JSON endpoints: services, realm for `WWW-Authenticate`, error hook. */
export interface EndpointContext<Services extends ClientEndpointServices = ClientEndpointServices> {
  readonly services: Services
  readonly realm: string
  readonly onError: (error: AnyOAuthError, request: Request) => void
}

/** Handles one request of a client endpoint, given the request it was handed. */
export type ClientEndpointHandler<Env, Services extends ClientEndpointServices> = (
  request: ClientRequest<Env, Services>,
) => Promise<Response>

/**
 * Wraps a handler of a client-facing JSON endpoint (token, revocation, introspection, device
 * authorization): POST only (405 otherwise), `application/x-www-form-urlencoded`, no repeated parameter
 * (RFC 6749 section 3.2), and every thrown error answered as RFC 6749 section 5.2 JSON.
 */
export function clientEndpoint<Env, Services extends ClientEndpointServices>(
  name: string,
  context: EndpointContext<Services>,
  handle: ClientEndpointHandler<Env, Services>,
): (request: Request, environ: Env) => Promise<Response> {
  return (request, environ) => answerClientEndpoint(name, context, handle, request, environ)
}

/**
 * Answers one request the way `clientEndpoint` (the function-building form) does, without building a function: for endpoints
 * whose context is known only per call (a grant's endpoint gets the controller's services with the request).
 */
export async function answerClientEndpoint<Env, Services extends ClientEndpointServices>(
  name: string,
  context: EndpointContext<Services>,
  handle: ClientEndpointHandler<Env, Services>,
  request: Request,
  environ: Env,
): Promise<Response> {
  const { services, realm, onError } = context
  try {
    if (request.bodyError !== undefined) throw bodyErrorToOAuthError(request.bodyError)
    if (request.method !== 'POST') {
      const response = jsonErrorResponse(new InvalidRequest(`The ${name} endpoint accepts POST only.`), realm)
      response.statusCode = 405
      response.headers.allow = 'POST'
      return response
    }
    if (request.contentType !== FORM) throw new InvalidRequest(`The request must be sent as ${FORM}.`)
    const params = request.formParams()
    // RFC 6749 section 3.2: parameters MUST NOT be included more than once — but RFC 8707 section 2's
    // `resource` may be, to name several resources.
    if (params.repeated !== undefined && (params.repeated.size > 1 || !params.repeated.has('resource'))) {
      throw new InvalidRequest(`Repeated parameter: ${[...params.repeated].filter((name) => name !== 'resource').join(', ')}.`)
    }
    return await handle({
      request,
      environ,
      params,
      services,
      authenticate: () => authenticateClient(request, services.clientStore, services.limits, environ),
    })
  } catch (thrown) {
    const error = toOAuthError(thrown)
    if (error.error === 'invalid_client') services.emit?.(request, authFailedEvent(request))
    onError(error, request)
    return jsonErrorResponse(error, realm)
  }
}

/** `client.auth_failed` for a request answered `invalid_client`: who it claimed to be and how (never the secret). */
function authFailedEvent(request: Request): AuditEventInput {
  let presented: { readonly clientId: string; readonly method: string } | undefined
  try {
    presented = readClientCredentials(request)
  } catch {
    // Malformed credentials: no client to name.
  }
  return { type: 'client.auth_failed', clientId: presented?.clientId, method: presented?.method, endpoint: request.path }
}
