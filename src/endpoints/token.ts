import { UnauthorizedClient, UnsupportedGrantType, InvalidRequest } from '../errors.ts'
import type { GrantEndpointContext, TokenHandler } from '../grants/types.ts'
import { isPublicClient } from '../types.ts'
import type { Request } from '../web/request.ts'
import { Response } from '../web/response.ts'
import { allows } from '../checks/allows.ts'
import { clientEndpoint } from '../client-auth/client-endpoint.ts'

/**
 * The token endpoint (RFC 6749 section 3.2): dispatches by exact `grant_type`, authenticates the client,
 * and answers JSON with `Cache-Control: no-store` (section 5.1) or an RFC error (section 5.2).
 */
export function tokenEndpoint<Env>(
  handlers: ReadonlyMap<string, TokenHandler<Env>>,
  context: GrantEndpointContext<Env>,
): (request: Request, environ: Env) => Promise<Response> {
  return clientEndpoint('token', context, async ({ request, environ, params, services, authenticate }) => {
    const grantType = params.values.get('grant_type')
    if (grantType === undefined) throw new InvalidRequest('The grant_type parameter is missing.')
    const handler = handlers.get(grantType)
    if (handler === undefined) throw new UnsupportedGrantType(`Unsupported grant_type: ${grantType}.`)
    const client = await authenticate()
    if (isPublicClient(client) && !handler.allowsPublicClients) {
      throw new UnauthorizedClient(`A public client may not use grant_type ${grantType}.`)
    }
    if (!allows(client.grantTypes, grantType)) {
      throw new UnauthorizedClient(`The client is not allowed to use grant_type ${grantType}.`)
    }
    return Response.json(200, await handler.handle({ request, environ, client, services }))
  })
}
