import { authenticateClient } from '../client-auth/authenticate-client.ts'
import { InvalidRequest, UnauthorizedClient, UnsupportedGrantType, type AnyOAuthError } from '../errors.ts'
import type { GrantServices, TokenHandler } from '../grants/types.ts'
import { isPublicClient } from '../types.ts'
import type { Request } from '../web/request.ts'
import { Response } from '../web/response.ts'
import { allows } from './allows.ts'
import { bodyErrorToOAuthError, jsonErrorResponse, toOAuthError } from './error-response.ts'

const FORM = 'application/x-www-form-urlencoded'

/**
 * The token endpoint (RFC 6749 section 3.2): POST, form-encoded, each parameter once; authenticates the
 * client, dispatches by exact `grant_type`, and answers JSON with `Cache-Control: no-store`
 * (section 5.1) or an RFC error (section 5.2).
 */
export class TokenEndpoint<Env> {
  readonly #handlers: ReadonlyMap<string, TokenHandler<Env>>
  readonly #services: GrantServices<Env>
  readonly #realm: string
  readonly #onError: (error: AnyOAuthError, request: Request) => void

  constructor(
    handlers: ReadonlyMap<string, TokenHandler<Env>>,
    services: GrantServices<Env>,
    onError: (error: AnyOAuthError, request: Request) => void,
  ) {
    this.#handlers = handlers
    this.#services = services
    this.#realm = services.issuer.replaceAll('"', '')
    this.#onError = onError
  }

  async handle(request: Request, environ: Env): Promise<Response> {
    try {
      if (request.bodyError !== undefined) throw bodyErrorToOAuthError(request.bodyError)
      if (request.method !== 'POST') {
        // RFC 6749 section 3.2: the client MUST use POST.
        const response = jsonErrorResponse(new InvalidRequest('The token endpoint accepts POST only.'), this.#realm)
        response.statusCode = 405
        response.headers.allow = 'POST'
        return response
      }
      if (request.contentType !== FORM) {
        throw new InvalidRequest(`The token request must be sent as ${FORM}.`)
      }
      const params = request.formParams()
      if (params.repeated !== undefined) {
        // RFC 6749 section 3.2: parameters MUST NOT be included more than once.
        throw new InvalidRequest(`Repeated parameter: ${[...params.repeated].join(', ')}.`)
      }
      const grantType = params.values.get('grant_type')
      if (grantType === undefined) throw new InvalidRequest('The grant_type parameter is missing.')
      const handler = this.#handlers.get(grantType)
      if (handler === undefined) throw new UnsupportedGrantType(`Unsupported grant_type: ${grantType}.`)
      const client = await authenticateClient(request, this.#services.clientStore)
      if (isPublicClient(client) && !handler.allowsPublicClients) {
        throw new UnauthorizedClient(`A public client may not use grant_type ${grantType}.`)
      }
      if (!allows(client.grantTypes, grantType)) {
        throw new UnauthorizedClient(`The client is not allowed to use grant_type ${grantType}.`)
      }
      const body = await handler.handle({ request, environ, client, services: this.#services })
      return Response.json(200, body)
    } catch (thrown) {
      const error = toOAuthError(thrown)
      this.#onError(error, request)
      return jsonErrorResponse(error, this.#realm)
    }
  }
}
