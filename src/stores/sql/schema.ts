/**
 * The SQL stores' tables as data: every column with its kind, the primary key, the indexes, and the
 * schema version each appeared in. The DDL of every dialect (`ddl.ts`) and the upgrade of an older
 * database are generated from this one description, so adding a table is one entry here plus its
 * statements. Internal: not exported by the package.
 *
 * | table | key | what |
 * | --- | --- | --- |
 * | `clients` | `client_id` | registered clients; list columns as JSON text; `metadata` (v4) the optional fields as one JSON object |
 * | `codes` | `code_hash` | authorization codes; `consumed` flips once (RFC 6749 section 4.1.2) |
 * | `access_tokens` | `token_hash` | access tokens, by family |
 * | `refresh_tokens` | `token_hash` | refresh tokens, rotated-out ones kept until they expire; `parent_hash` links siblings (v3) |
 * | `families` | `family_id` | one row per token family: locked first by every write to the family; revoked or not; the grant's context; offline or not (v3) |
 * | `unique_tokens` | `unique_key` | the newest access token saved under each `uniqueKey` |
 * | `records` | `kind`, `key` | the `RecordStore` records (sessions, consent, keys, single-use marks) |
 * | `counters` | `kind`, `key` | the `RecordStore` windowed counters |
 * | `schema_migrations` | `version` | the migrations applied |
 *
 * Times are whole seconds since the epoch (BIGINT); `data`, `context` and the lists are JSON text.
 * Version 5 made the indexes of mostly-NULL columns partial where the backend can (see `Index.sparseSince`).
 *
 * @module
 */

/** The latest schema version; `migrate()` brings every database to it. */
export const SCHEMA_VERSION = 5

/**
 * What a column holds; each dialect maps a kind to its own type.
 * - `id`: an identifier or hash compared byte for byte: a client id (an https URL for Client ID
 *   Metadata Documents), a token hash, a record key. Up to 512 characters.
 * - `name`: a short fixed name (a record kind, a PKCE method, a subject type).
 * - `text`: free text of modest size; `json`: JSON text of any size.
 * - `time`: epoch seconds or another 64-bit integer; `int`: a small integer; `bool`: true or false.
 */
export type ColumnKind = 'id' | 'name' | 'text' | 'json' | 'time' | 'int' | 'bool'

/** One column. */
export interface Column {
  readonly name: string
  readonly kind: ColumnKind
  /** Whether NULL is allowed. */
  readonly nullable?: boolean
  /** A default, as a boolean (the only defaults the tables use). */
  readonly defaultFalse?: boolean
  /** The schema version that added the column (1 when absent). */
  readonly since?: number
}

/** The table names, without prefix. */
export type TableName =
  'clients' | 'codes' | 'access_tokens' | 'refresh_tokens' | 'families' | 'unique_tokens' | 'records' | 'counters' | 'schema_migrations'

/** A single-column index. */
export interface Index {
  readonly column: string
  /** The schema version that added the index (1 when absent). */
  readonly since?: number
  /**
   * From this schema version on, where the backend has partial indexes (PostgreSQL, SQLite), the index
   * leaves out the rows whose column is NULL (`WHERE column IS NOT NULL`): most rows of these columns are
   * NULL (a token without a family, a family without a login session), and a write of such a row then
   * touches no page of the index. Every query on the column compares it (`=`, `IN`), which implies it is
   * not NULL, so the index still serves them.
   */
  readonly sparseSince?: number
}

/** One table. */
export interface Table {
  readonly name: TableName
  readonly columns: readonly Column[]
  readonly primaryKey: readonly string[]
  /** Single-column indexes, each named `<prefix><table>_<column>`. */
  readonly indexes: readonly Index[]
  /** The schema version that added the table (1 when absent). */
  readonly since?: number
}

const id = (name: string, nullable = false): Column => ({ name, kind: 'id', nullable })
const text = (name: string, nullable = false): Column => ({ name, kind: 'text', nullable })
const json = (name: string, nullable = false): Column => ({ name, kind: 'json', nullable })
const time = (name: string, nullable = false): Column => ({ name, kind: 'time', nullable })
/** The grant context (src/types.ts `GrantContext`) as JSON, added in version 2. */
const context: Column = { name: 'context', kind: 'json', nullable: true, since: 2 }

/** Every table but `schema_migrations`, in the order the migrations create them. */
export const TABLES: readonly Table[] = [
  {
    name: 'clients',
    columns: [
      id('client_id'),
      text('client_secret_hash', true),
      json('redirect_uris'),
      text('grant_types'),
      text('response_types'),
      text('token_endpoint_auth_methods'),
      json('scopes', true),
      { name: 'require_pkce', kind: 'bool' },
      text('name', true),
      // Version 4: the client's optional OpenID Connect / RFC 7591 fields as one JSON object (see
      // client-metadata.ts); NULL when it has none, as every row written before version 4 has.
      { name: 'metadata', kind: 'json', nullable: true, since: 4 },
    ],
    primaryKey: ['client_id'],
    indexes: [],
  },
  {
    name: 'codes',
    columns: [
      id('code_hash'),
      id('client_id'),
      text('redirect_uri', true),
      text('effective_redirect_uri'),
      json('scopes'),
      text('user_id'),
      json('data'),
      text('code_challenge', true),
      { name: 'code_challenge_method', kind: 'name', nullable: true },
      id('family_id'),
      time('issued_at'),
      time('expires_at'),
      { name: 'consumed', kind: 'bool', defaultFalse: true },
      context,
    ],
    primaryKey: ['code_hash'],
    indexes: [{ column: 'expires_at' }],
  },
  {
    name: 'access_tokens',
    columns: [
      id('token_hash'),
      id('client_id'),
      text('grant_type'),
      text('user_id', true),
      json('data'),
      json('scopes'),
      id('family_id', true),
      time('issued_at'),
      time('expires_at'),
      text('sealed', true),
      id('unique_key', true),
      id('refresh_token_hash', true),
      context,
    ],
    primaryKey: ['token_hash'],
    indexes: [{ column: 'family_id', sparseSince: 5 }, { column: 'expires_at' }],
  },
  {
    name: 'refresh_tokens',
    columns: [
      id('token_hash'),
      id('client_id'),
      text('user_id', true),
      json('data'),
      json('scopes'),
      id('family_id'),
      time('issued_at'),
      time('expires_at'),
      time('rotated_at', true),
      { name: 'grace_used', kind: 'bool', defaultFalse: true },
      id('successor_hash', true),
      id('access_token_hash', true),
      context,
      // Concurrent refresh (version 3): the token this one was rotated from; siblings share it.
      { name: 'parent_hash', kind: 'id', nullable: true, since: 3 },
    ],
    primaryKey: ['token_hash'],
    indexes: [{ column: 'family_id' }, { column: 'expires_at' }, { column: 'parent_hash', since: 3, sparseSince: 5 }],
  },
  {
    name: 'families',
    columns: [
      id('family_id'),
      { name: 'revoked', kind: 'bool', defaultFalse: true },
      time('expires_at'),
      // Room for what is coming (logout by session, consent revocation by grant, audience binding),
      // written from the tokens' context when the family's row is created.
      { name: 'subject_type', kind: 'name', nullable: true, since: 2 },
      { name: 'auth_time', kind: 'time', nullable: true, since: 2 },
      { name: 'session_id', kind: 'id', nullable: true, since: 2 },
      { name: 'grant_id', kind: 'id', nullable: true, since: 2 },
      { name: 'resources', kind: 'json', nullable: true, since: 2 },
      // OpenID Connect Core 1.0 section 11 (version 3): created with offline_access, so logout spares it.
      { name: 'offline', kind: 'bool', defaultFalse: true, since: 3 },
    ],
    primaryKey: ['family_id'],
    indexes: [
      { column: 'expires_at' },
      { column: 'session_id', since: 2, sparseSince: 5 },
      { column: 'grant_id', since: 2, sparseSince: 5 },
    ],
  },
  {
    name: 'unique_tokens',
    columns: [id('unique_key'), id('token_hash'), time('expires_at')],
    primaryKey: ['unique_key'],
    indexes: [{ column: 'expires_at' }],
  },
  {
    name: 'records',
    since: 2,
    columns: [{ name: 'kind', kind: 'name' }, id('record_key'), json('value'), time('version'), time('expires_at', true)],
    primaryKey: ['kind', 'record_key'],
    indexes: [{ column: 'expires_at' }],
  },
  {
    name: 'counters',
    since: 2,
    columns: [{ name: 'kind', kind: 'name' }, id('counter_key'), time('count'), time('reset_at')],
    primaryKey: ['kind', 'counter_key'],
    indexes: [{ column: 'reset_at' }],
  },
]

/** `schema_migrations`: created before anything else, so the applied version can be read. */
export const MIGRATIONS_TABLE: Table = {
  name: 'schema_migrations',
  columns: [{ name: 'version', kind: 'int' }, time('applied_at')],
  primaryKey: ['version'],
  indexes: [],
}

/** Every table name, `schema_migrations` last. */
export const TABLE_NAMES: readonly TableName[] = [...TABLES.map((table) => table.name), 'schema_migrations']

/** The tables whose rows expire, with the column that says when: what `purgeExpired()` visits. */
export const EXPIRING: readonly { readonly table: TableName; readonly column: string }[] = [
  { table: 'codes', column: 'expires_at' },
  { table: 'access_tokens', column: 'expires_at' },
  { table: 'refresh_tokens', column: 'expires_at' },
  { table: 'families', column: 'expires_at' },
  { table: 'unique_tokens', column: 'expires_at' },
  { table: 'records', column: 'expires_at' },
  { table: 'counters', column: 'reset_at' },
]

/** The columns of a table (as of `version`), in order. */
export function columnsOf(name: TableName, version: number = SCHEMA_VERSION): string[] {
  const table = TABLES.find((t) => t.name === name)
  if (table === undefined) throw new Error(`no table ${name}`)
  return table.columns.filter((column) => (column.since ?? 1) <= version).map((column) => column.name)
}
