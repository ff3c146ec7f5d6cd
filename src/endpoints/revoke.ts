import { InvalidRequest } from '../errors.ts'
import { isPublicClient } from '../types.ts'
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
 * - Its own token: revoked, 200 — public clients too (RFC 7009 section 5 lets them revoke their tokens;
 *   anyone holding a public client's token could use it anyway, so ending it gives nothing away).
 * - An unknown, expired or already revoked token: 200 (section 2.2).
 * - Another client's token, presented by an authenticated (confidential) client: 400 `invalid_request`,
 *   and the token stays valid (section 2.1: the server refuses the request and tells the client). Never
 *   401: the client did authenticate, and a 401 would count against it as a failed authentication.
 * - Another client's token, presented by a public client: 200 and nothing revoked. A public client
 *   proves nothing, so a different answer would tell anyone whether a token they hold is live.
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
    } else if (found !== undefined && !isPublicClient(client) && found.record.expiresAt > services.now()) {
      // RFC 7009 section 2.1: the token was not issued to the client making the request.
      throw new InvalidRequest('The token was not issued to this client.')
    }
    return new Response(200, { ...NO_STORE_HEADERS }, '')
  })
}
