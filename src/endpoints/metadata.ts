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

/** A metadata field's value, as on the wire. */
export type MetadataValue = string | boolean | readonly string[]

/** What {@link buildMetadata} reads off a controller's configuration. */
export interface MetadataInput {
  readonly issuer: string
  readonly paths: { readonly token: string; readonly authorize: string; readonly revocation: string; readonly introspection: string }
  readonly jwksPath: string | undefined
  readonly grantTypes: readonly string[]
  readonly responseTypes: readonly string[]
  readonly codeChallengeMethods: readonly string[]
  /** Metadata fields naming an endpoint added by a grant or feature, with its path. */
  readonly endpointFields: ReadonlyMap<string, string>
  readonly scopes: readonly string[] | undefined
  /** Fields added by grants and features (`GrantRegistry.addMetadata`); they win over the built-in ones. */
  readonly extra: ReadonlyMap<string, MetadataValue>
}

/**
 * Authorization server metadata (RFC 8414 section 2) from what the controller really serves: its endpoints,
 * grant and response types, authentication and PKCE methods, scopes, and the fields its features added.
 */
export function buildMetadata(input: MetadataInput): AuthorizationServerMetadata {
  const base = input.issuer.replace(/\/$/, '')
  const authMethods = ['client_secret_basic', 'client_secret_post', 'none']
  const metadata: Record<string, MetadataValue> = {
    issuer: input.issuer,
    token_endpoint: `${base}${input.paths.token}`,
    token_endpoint_auth_methods_supported: authMethods,
    grant_types_supported: input.grantTypes,
    revocation_endpoint: `${base}${input.paths.revocation}`,
    revocation_endpoint_auth_methods_supported: authMethods,
    introspection_endpoint: `${base}${input.paths.introspection}`,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  }
  const responseTypes = input.responseTypes
  if (responseTypes.length > 0) {
    metadata.authorization_endpoint = `${base}${input.paths.authorize}`
    metadata.response_types_supported = responseTypes
    metadata.response_modes_supported = responseTypes.includes('token') ? ['query', 'fragment'] : ['query']
    // RFC 9207 section 3: iss is sent on every authorization response.
    metadata.authorization_response_iss_parameter_supported = true
  }
  if (input.codeChallengeMethods.length > 0) metadata.code_challenge_methods_supported = [...new Set(input.codeChallengeMethods)]
  if (input.jwksPath !== undefined) metadata.jwks_uri = `${base}${input.jwksPath}`
  for (const [field, path] of input.endpointFields) metadata[field] = `${base}${path}`
  if (input.scopes !== undefined) metadata.scopes_supported = input.scopes
  for (const [field, value] of input.extra) metadata[field] = value
  return Object.freeze(metadata)
}
