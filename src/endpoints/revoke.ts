import { InvalidRequest } from '../errors.ts'
import type { Request } from '../web/request.ts'
import { NO_STORE_HEADERS, Response } from '../web/response.ts'
import { clientEndpoint } from '../client-auth/client-endpoint.ts'
import type { GrantEndpointContext } from '../grants/types.ts'
import { findToken } from './find-token.ts'

/**
 * The revocation endpoint (RFC 7009): the client authenticates (public clients by `client_id`) and names
 * an access or refresh token. Revoking a refresh token revokes its whole family, access tokens included
 * (RFC 7009 section 2.1 allows it; RFC 9700 section 4.14 wants it).
 *
 * The answer is 200 whether the token was unknown, expired, already revoked, or issued to another client
 * — which is then left alone: RFC 7009 section 2.2 lets the server answer 200 for invalid tokens, and
 * answering the same for another client's token tells a client nothing about tokens it does not own.
 */
export function revocationEndpoint<Env>(context: GrantEndpointContext<Env>): (request: Request, environ: Env) => Promise<Response> {
  return clientEndpoint('revocation', context, async ({ request, params, services, authenticate }) => {
    const client = await authenticate()
    const token = params.values.get('token')
    if (token === undefined || token.length === 0) throw new InvalidRequest('The token parameter is missing.')
    const found = await findToken(services.accessTokenStore, token, params.values.get('token_type_hint'))
    if (found !== undefined && found.record.clientId === client.clientId) {
      if (found.kind === 'refresh_token') await services.accessTokenStore.revokeFamily(found.record.familyId)
      else await services.accessTokenStore.revokeAccessToken(found.hash)
      services.emit(request, { type: 'token.revoked', clientId: client.clientId, userId: found.record.userId, tokenKind: found.kind })
    }
    return new Response(200, { ...NO_STORE_HEADERS }, '')
  })
}
