/**
 * The `clients.metadata` column (schema version 4): a client's optional OpenID Connect and RFC 7591
 * fields as one JSON object, keyed by their `Client` property names — `{"postLogoutRedirectUris":
 * ["https://app.example/bye"],"idTokenSignedResponseAlg":"ES256"}`. Only the fields the client has are
 * written, and NULL when it has none, so a row written before version 4 (NULL) and a client registered
 * without them read back the same: every field absent. Internal.
 *
 * @module
 */
import type { Client } from '../../types.ts'

/** How a field is kept in the JSON object. */
type FieldKind = 'list' | 'string' | 'alg'

/** The names of the fields the column keeps. */
type MetadataKey =
  | 'postLogoutRedirectUris'
  | 'backchannelLogoutUri'
  | 'idTokenSignedResponseAlg'
  | 'allowedCorsOrigins'
  | 'resources'
  | 'logoUri'
  | 'clientUri'

/**
 * The optional fields `createClient` sets and the column keeps, with their kinds. `metadataVersion` and
 * `source` are not here: they belong to self-registered and metadata-document clients, which are not
 * kept in this table.
 */
const FIELDS: Readonly<Record<MetadataKey, FieldKind>> = {
  postLogoutRedirectUris: 'list',
  backchannelLogoutUri: 'string',
  idTokenSignedResponseAlg: 'alg',
  allowedCorsOrigins: 'list',
  resources: 'list',
  logoUri: 'string',
  clientUri: 'string',
}

/** The optional fields the column holds. */
export type ClientMetadata = Pick<Client, MetadataKey>

const ALGS: ReadonlySet<unknown> = new Set(['RS256', 'ES256', 'EdDSA'])

/** The column's value for `client`: its optional fields as JSON, or NULL when it has none. */
export function clientMetadataValue(client: Client): string | null {
  const present = Object.keys(FIELDS).filter((key) => client[key as MetadataKey] !== undefined)
  if (present.length === 0) return null
  return JSON.stringify(Object.fromEntries(present.map((key) => [key, client[key as MetadataKey]])))
}

/**
 * The optional fields from the column's text (`undefined` for NULL): each checked for its kind, lists
 * frozen, absent ones left out. A `TypeError` for a value that is not what this release writes; keys it
 * does not know are passed over.
 */
export function clientMetadataFromText(text: string | undefined): ClientMetadata {
  if (text === undefined) return {}
  const value = JSON.parse(text) as unknown
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('column metadata: expected a JSON object')
  const stored = value as Record<string, unknown>
  const fields: Record<string, unknown> = {}
  for (const [key, kind] of Object.entries(FIELDS)) {
    const field = stored[key]
    if (field === undefined) continue
    if (kind === 'list') {
      if (!Array.isArray(field) || !field.every((item) => typeof item === 'string'))
        throw new TypeError(`column metadata: ${key} must be a list of strings`)
      fields[key] = Object.freeze([...field])
    } else if (kind === 'alg' ? ALGS.has(field) : typeof field === 'string') {
      fields[key] = field
    } else {
      throw new TypeError(`column metadata: ${key} holds ${JSON.stringify(field)}`)
    }
  }
  return fields
}
