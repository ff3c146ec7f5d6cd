import { InvalidClient, InvalidRequest } from '../errors.ts'
import { formatScope } from '../checks/scope.ts'
import { isPublicClient, type Client } from '../types.ts'
import type { Request } from '../web/request.ts'
import { Response } from '../web/response.ts'
import { clientEndpoint } from '../client-auth/client-endpoint.ts'
import type { GrantEndpointContext } from '../grants/types.ts'
import { findToken, type FoundToken } from './find-token.ts'

/** Introspection policy (the controller's `introspection` option). */
export interface IntrospectionOptions {
  /**
   * Whether this (confidential, authenticated) client may introspect tokens issued to any client — true for
   * your resource servers. Other clients see only their own tokens as active. Default: no client.
   */
  readonly mayIntrospectAll?: (client: Client) => boolean
  /**
   * The resources (RFC 8707, canonical form) a client that introspects other clients' tokens serves. A
   * token with an audience is active for such a client only when the audience names one of them (RFC 7662
   * section 4), `mayIntrospectAll` or not. Default: the client's own `resources` list.
   */
  readonly resourcesOf?: (client: Client) => readonly string[] | undefined
}

const INACTIVE = { active: false } as const

const NOBODY = (): boolean => false
const OWN_RESOURCES = (client: Client): readonly string[] | undefined => client.resources

/**
 * The introspection endpoint (RFC 7662): a confidential client authenticates and asks about a token.
 * Anything unknown, expired, revoked, rotated out, or not the caller's to see is just `{"active":false}`
 * (section 2.2). A client may introspect the tokens issued to it; `mayIntrospectAll` decides which
 * clients (resource servers) may introspect every token — every token meant for them: a token with an
 * audience (RFC 8707 resources) is inactive to a resource server it does not name (section 4), and its
 * answer carries `aud`.
 */
export function introspectionEndpoint<Env>(
  context: GrantEndpointContext<Env>,
  options: IntrospectionOptions = {},
): (request: Request, environ: Env) => Promise<Response> {
  const mayIntrospectAll = options.mayIntrospectAll ?? NOBODY
  const resourcesOf = options.resourcesOf ?? OWN_RESOURCES
  return clientEndpoint('introspection', context, async ({ params, services, authenticate }) => {
    const client = await authenticate()
    // RFC 7662 section 2.1: the endpoint MUST require some form of authorization; a bare client_id is none.
    if (isPublicClient(client)) throw new InvalidClient('Public clients cannot use the introspection endpoint.')
    const token = params.values.get('token')
    if (token === undefined || token.length === 0) throw new InvalidRequest('The token parameter is missing.')
    const found = await findToken(services.accessTokenStore, token, params.values.get('token_type_hint'))
    const now = services.now()
    if (found === undefined || found.record.expiresAt <= now) return Response.json(200, INACTIVE)
    if (found.record.clientId !== client.clientId && !(mayIntrospectAll(client) && meantFor(found, resourcesOf(client))))
      return Response.json(200, INACTIVE)
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
    const audience = found.kind === 'access_token' ? record.context?.resources : undefined
    // RFC 7662 section 2.2: aud, a string or an array of strings.
    if (audience !== undefined && audience.length > 0) body.aud = audience.length === 1 ? audience[0] : audience
    if (found.kind === 'access_token') body.token_type = 'Bearer'
    return Response.json(200, body)
  })
}

/**
 * RFC 7662 section 4: a resource server learns nothing about tokens not meant for it. An access token with
 * an audience is meant for the resource servers it names; one without, and refresh tokens, for any.
 */
function meantFor(found: FoundToken, resources: readonly string[] | undefined): boolean {
  const audience = found.kind === 'access_token' ? found.record.context?.resources : undefined
  if (audience === undefined || audience.length === 0) return true
  return resources !== undefined && audience.some((resource) => resources.includes(resource))
}
