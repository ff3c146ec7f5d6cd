/**
 * How the client commands show a client: as JSON (`--json`) and as aligned `label  value` lines, never
 * with its secret (only the hash's kind). The optional OpenID Connect / RFC 7591 fields are shown only
 * when the client has them.
 *
 * @module
 */
import { storedUriProblems } from '../stores/client-registration.ts'
import type { Client } from '../types.ts'
import { escapeControlCharacters as printable } from './printable.ts'

/** Whether the client has no secret. */
export function isPublic(client: Client): boolean {
  return client.clientSecretHash === undefined
}

/** A list for people: `any` when unrestricted (`undefined` or `*`), `none` when empty. */
export function list(values: readonly string[] | undefined, any: string): string {
  if (values === undefined || values.includes('*')) return any
  return values.length === 0 ? 'none' : values.join(', ')
}

/** The optional fields: their registration metadata name (RFC 7591 section 2, OpenID Connect registration), their row label, their value. */
const OPTIONAL_FIELDS: readonly (readonly [string, string, (client: Client) => string | readonly string[] | undefined])[] = [
  ['post_logout_redirect_uris', 'post-logout', (client) => client.postLogoutRedirectUris],
  ['backchannel_logout_uri', 'back-channel', (client) => client.backchannelLogoutUri],
  ['id_token_signed_response_alg', 'ID token alg', (client) => client.idTokenSignedResponseAlg],
  ['allowed_cors_origins', 'CORS origins', (client) => client.allowedCorsOrigins],
  ['resources', 'resources', (client) => client.resources],
  ['logo_uri', 'logo URI', (client) => client.logoUri],
  ['client_uri', 'client URI', (client) => client.clientUri],
]

/** The optional fields the client has, by their registration metadata names. */
function optionalJson(client: Client): Record<string, unknown> {
  return Object.fromEntries(
    OPTIONAL_FIELDS.flatMap(([name, , of]) => {
      const value = of(client)
      return value === undefined ? [] : [[name, value]]
    }),
  )
}

/**
 * A client as JSON, without its secret hash; the optional fields only when set; `redirect_uri_problems`
 * only when a stored URI fails today's rule.
 */
export function clientJson(client: Client): Record<string, unknown> {
  const problems = storedUriProblems(client)
  return {
    client_id: client.clientId,
    client_name: client.name ?? null,
    type: isPublic(client) ? 'public' : 'confidential',
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes,
    response_types: client.responseTypes,
    scopes: client.scopes ?? null,
    token_endpoint_auth_methods: client.tokenEndpointAuthMethods,
    require_pkce: isPublic(client) || client.requirePkce,
    ...optionalJson(client),
    ...(problems.length === 0
      ? {}
      : { redirect_uri_problems: problems.map(({ uri, problem }) => ({ uri, code: problem.code, message: problem.message })) }),
  }
}

/** Several values, one per line, aligned under the first. */
function lines(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.map(printable).join('\n                ')
}

/** The optional fields' rows, only for those the client has. */
function optionalRows(client: Client): [string, string][] {
  return OPTIONAL_FIELDS.flatMap(([, label, of]) => {
    const value = of(client)
    return value === undefined ? [] : [[label, typeof value === 'string' ? printable(value) : lines(value)] as [string, string]]
  })
}

/** A client as `label  value` lines (the rows after `client_id`). */
export function describeClient(client: Client): string {
  const secret =
    client.clientSecretHash === undefined
      ? 'none (public client)'
      : `stored hashed (${printable(client.clientSecretHash.split('$')[0] ?? 'hash')})`
  const problems = new Map(storedUriProblems(client).map(({ uri, problem }) => [uri, problem]))
  const uris = client.redirectUris.map((uri) => {
    const problem = problems.get(uri)
    return `${printable(uri)}${problem === undefined ? '' : `  [refused by today's rule: ${problem.code}; register the client again]`}`
  })
  const rows: [string, string][] = [
    ['name', printable(client.name ?? '(none)')],
    ['type', isPublic(client) ? 'public' : 'confidential'],
    ['secret', secret],
    ['auth methods', printable(client.tokenEndpointAuthMethods.join(', '))],
    ['redirect URIs', uris.length === 0 ? 'none' : uris.join('\n                ')],
    ['grant types', printable(list(client.grantTypes, 'any the server offers'))],
    ['response types', printable(list(client.responseTypes, 'any the server offers'))],
    ['scopes', printable(list(client.scopes, 'any'))],
    ['PKCE', isPublic(client) || client.requirePkce ? 'required' : 'optional'],
    ...optionalRows(client),
  ]
  return rows.map(([label, value]) => `${label.padEnd(16)}${value}\n`).join('')
}
