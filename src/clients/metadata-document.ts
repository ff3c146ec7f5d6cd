/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, the version MCP pins):
 * which `client_id`s are document URLs, and what a fetched document must say to become a client.
 *
 * @module
 */

import { checkRegisteredUri } from '../checks/registered-uri.ts'
import { sha256Base64url } from '../internal/crypto.ts'
import type { Client } from '../types.ts'

/** The grant types a metadata-document client may use; others it lists are ignored. */
const GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'])
/** Shared-secret methods: a client nobody registered has no secret shared with this server. */
const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt'])
// A dot segment, plain or percent-encoded (RFC 3986 section 3.3), between slashes or at the end.
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?=\/|$)/i

/**
 * What is wrong with `clientId` as the URL of a Client ID Metadata Document, or `undefined` when it is
 * one (draft section 3): an `https` URL with a path, without fragment, user name, password or dot
 * segments. The server also refuses a query (the draft: SHOULD NOT have one), so that one document has
 * one URL, and anything {@link checkRegisteredUri} refuses (non-canonical hosts, characters outside
 * RFC 3986).
 */
export function metadataDocumentUrlProblem(clientId: string): string | undefined {
  if (!clientId.startsWith('https://')) return 'is not an https URL'
  const problem = checkRegisteredUri(clientId, { kind: 'redirect' })
  if (problem !== undefined) return problem.message
  const afterScheme = clientId.slice('https://'.length)
  const slash = afterScheme.indexOf('/')
  const path = slash === -1 ? '' : afterScheme.slice(slash)
  if (path.includes('?')) return 'must not have a query'
  // Draft section 3: the URL MUST contain a path component and MUST NOT contain dot segments.
  if (path === '' || path === '/') return 'must have a path (e.g. https://client.example/oauth/metadata.json)'
  if (DOT_SEGMENT.test(path)) return 'must not contain "." or ".." path segments'
  return undefined
}

/** A metadata document that cannot become a client, with the reason in words for `error_description`. */
export class MetadataDocumentProblem extends Error {
  override get name(): string {
    return 'MetadataDocumentProblem'
  }
}

/**
 * The client a fetched metadata document describes, or a thrown {@link MetadataDocumentProblem}:
 * - the document is a JSON object whose `client_id` equals `url` exactly (draft section 4.1);
 * - it carries no `client_secret` and asks for no shared-secret method (draft section 4.1: the
 *   client has no secret shared with this server); the client is public (`none`), PKCE is required;
 * - `private_key_jwt` (not supported yet) is negotiated to `none` when the document's
 *   `token_endpoint_auth_methods_supported` lists `none` (ChatGPT publishes both), and refused otherwise;
 * - `redirect_uris` is a non-empty list, each URI passing {@link checkRegisteredUri} (draft section 4.2);
 * - `grant_types` keeps only `authorization_code`, `refresh_token` and the device grant (default
 *   `authorization_code`), `response_types` only `code`;
 * - `client_name` is kept as a name the consent page marks unverified; `logo_uri` and `client_uri` only
 *   when they are https URLs.
 */
export function clientFromMetadataDocument(url: string, body: string): Client {
  let document: unknown
  try {
    document = JSON.parse(body)
  } catch {
    throw new MetadataDocumentProblem('is not JSON')
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw new MetadataDocumentProblem('is not a JSON object')
  const fields = document as Record<string, unknown>
  // Draft section 4.1: the client_id property MUST match the URL of the document exactly.
  if (fields.client_id !== url) throw new MetadataDocumentProblem('has a client_id that is not its own URL')
  if (fields.client_secret !== undefined || fields.client_secret_expires_at !== undefined) {
    throw new MetadataDocumentProblem('carries a client_secret, which a metadata document must not')
  }
  const redirectUris = redirectUrisOf(fields.redirect_uris)
  const grantTypes = listOf(fields.grant_types, 'grant_types') ?? ['authorization_code']
  const responseTypes = listOf(fields.response_types, 'response_types') ?? ['code']
  const scope = fields.scope
  if (scope !== undefined && typeof scope !== 'string') throw new MetadataDocumentProblem('has a scope that is not a string')
  const name = fields.client_name
  if (name !== undefined && typeof name !== 'string') throw new MetadataDocumentProblem('has a client_name that is not a string')
  checkAuthMethod(fields.token_endpoint_auth_method, fields.token_endpoint_auth_methods_supported)
  return Object.freeze({
    clientId: url,
    clientSecretHash: undefined,
    redirectUris: Object.freeze(redirectUris),
    grantTypes: Object.freeze(grantTypes.filter((type) => GRANT_TYPES.has(type))),
    responseTypes: Object.freeze(responseTypes.filter((type) => type === 'code')),
    tokenEndpointAuthMethods: Object.freeze(['none'] as const),
    scopes: scope === undefined ? undefined : Object.freeze(scope.split(' ').filter((item) => item !== '')),
    requirePkce: true,
    name: typeof name === 'string' && name.trim() !== '' ? name.trim() : undefined,
    source: 'metadata-document',
    // Remembered consent is dropped when a refetched document says something else (issue 14).
    metadataVersion: sha256Base64url(body),
    logoUri: httpsUrlOf(fields.logo_uri),
    clientUri: httpsUrlOf(fields.client_uri),
  } satisfies Client)
}

function redirectUrisOf(value: unknown): string[] {
  const uris = listOf(value, 'redirect_uris')
  if (uris === undefined || uris.length === 0) throw new MetadataDocumentProblem('has no redirect_uris')
  for (const uri of uris) {
    const problem = checkRegisteredUri(uri, { kind: 'redirect' })
    if (problem !== undefined) throw new MetadataDocumentProblem(`has a redirect ${problem.message}`)
  }
  return uris
}

function listOf(value: unknown, name: string): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new MetadataDocumentProblem(`has a ${name} that is not a list of strings`)
  }
  return value
}

function checkAuthMethod(method: unknown, supported: unknown): void {
  if (method === undefined || method === 'none') return
  if (typeof method !== 'string') throw new MetadataDocumentProblem('has a token_endpoint_auth_method that is not a string')
  if (SECRET_METHODS.has(method)) {
    throw new MetadataDocumentProblem(`asks for ${method}, a shared-secret method, which a metadata-document client cannot use`)
  }
  // Negotiated down only when the document itself offers `none` as an alternative.
  if (method === 'private_key_jwt' && Array.isArray(supported) && supported.includes('none')) return
  throw new MetadataDocumentProblem(
    `asks for token_endpoint_auth_method ${method}, which this server does not support; a metadata-document client must use "none" with PKCE`,
  )
}

function httpsUrlOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith('https://') && checkRegisteredUri(value, { kind: 'redirect' }) === undefined
    ? value
    : undefined
}
