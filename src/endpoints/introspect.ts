import { InvalidClient, InvalidRequest } from '../errors.ts'
import { formatScope } from '../checks/scope.ts'
import { isPublicClient, type Client } from '../types.ts'
import type { Request } from '../web/request.ts'
import { Response } from '../web/response.ts'
import { clientEndpoint } from '../client-auth/client-endpoint.ts'
import type { GrantEndpointContext } from '../grants/types.ts'
import { findToken } from './find-token.ts'

const INACTIVE = { active: false } as const

/**
 * The introspection endpoint (RFC 7662): a confidential client authenticates and asks about a token.
 * Anything unknown, expired, revoked, rotated out, or not the caller's to see is just `{"active":false}`
 * (section 2.2). A client may introspect the tokens issued to it; `mayIntrospectAll` decides which
 * clients (resource servers) may introspect every token.
 */
export function introspectionEndpoint<Env>(
  context: GrantEndpointContext<Env>,
  mayIntrospectAll: (client: Client) => boolean,
): (request: Request, environ: Env) => Promise<Response> {
  return clientEndpoint('introspection', context, async ({ params, services, authenticate }) => {
    const client = await authenticate()
    // RFC 7662 section 2.1: the endpoint MUST require some form of authorization; a bare client_id is none.
    if (isPublicClient(client)) throw new InvalidClient('Public clients cannot use the introspection endpoint.')
    const token = params.values.get('token')
    if (token === undefined || token.length === 0) throw new InvalidRequest('The token parameter is missing.')
    const found = await findToken(services.accessTokenStore, token, params.values.get('token_type_hint'))
    const now = services.now()
    if (found === undefined || found.record.expiresAt <= now) return Response.json(200, INACTIVE)
    if (found.record.clientId !== client.clientId && !mayIntrospectAll(client)) return Response.json(200, INACTIVE)
    if (found.kind === 'refresh_token' && found.record.rotatedAt !== undefined) return Response.json(200, INACTIVE)
    const { record } = found
    const body: Record<string, unknown> = {
      active: true,
      client_id: record.clientId,
      exp: record.expiresAt,
      iat: record.issuedAt,
      iss: services.issuer,
    }
    const scope = formatScope(record.scopes)
    if (scope !== undefined) body.scope = scope
    if (record.userId !== undefined) body.sub = record.userId
    if (found.kind === 'access_token') body.token_type = 'Bearer'
    return Response.json(200, body)
  })
}
