/**
 * What the SQL stores (`sqlite.ts`, `postgres.ts`, `mysql.ts`) share: the mapping between records and
 * rows, option checks, error wrapping and the purge schedule. Internal: not exported by the package.
 *
 * Every store keeps the same tables (names after a configurable prefix):
 *
 * | table | key | what |
 * | --- | --- | --- |
 * | `clients` | `client_id` | registered clients; list columns as JSON text |
 * | `codes` | `code_hash` | authorization codes; `consumed` flips once (RFC 6749 section 4.1.2) |
 * | `access_tokens` | `token_hash` | access tokens, by family |
 * | `refresh_tokens` | `token_hash` | refresh tokens, rotated-out ones kept until they expire |
 * | `families` | `family_id` | one row per token family: the row every write to the family locks first, and whether it was revoked |
 * | `unique_tokens` | `unique_key` | the newest access token saved under each `uniqueKey` |
 * | `schema_migrations` | `version` | the migrations applied |
 *
 * Times are whole seconds since the epoch (BIGINT); `data` and the scope lists are JSON text.
 *
 * @module
 */
export { familiesOf, familyExpiry, REVOKED_FAMILY_SECONDS } from './family.ts'
export { describeError, unreachableError } from './errors.ts'
import { describeError, unreachableError } from './errors.ts'
import { StoreUnavailableError } from '../errors.ts'
import type {
  AccessToken,
  AuthorizationCode,
  Client,
  ClientAuthMethod,
  CodeChallengeMethod,
  RefreshToken,
  UserData,
} from '../types.ts'

/** A value bound to a SQL parameter. Booleans are bound as 0/1, absent values as NULL. */
export type SqlValue = string | number | null

/** A row as a driver returns it, before it is checked. */
export type SqlRow = Readonly<Record<string, unknown>>

/** The latest schema version the SQL stores know (see each store's migrations). */
export const SCHEMA_VERSION = 1


/** The opportunistic purge runs at most this often (seconds). */
export const PURGE_INTERVAL_SECONDS = 60

/** The default table prefix, so the tables never collide with an application's own `clients` or `codes`. */
export const DEFAULT_TABLE_PREFIX = 'oauth2_'

/** Table names (without prefix). */
export type TableName =
  | 'clients'
  | 'codes'
  | 'access_tokens'
  | 'refresh_tokens'
  | 'families'
  | 'unique_tokens'
  | 'schema_migrations'

/** Every table, in the order the migrations create them. */
export const TABLE_NAMES: readonly TableName[] = [
  'clients',
  'codes',
  'access_tokens',
  'refresh_tokens',
  'families',
  'unique_tokens',
  'schema_migrations',
]

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/
/** 63 is PostgreSQL's limit, 64 MySQL's; `schema_migrations` is the longest table name. */
const MAX_PREFIX = 63 - 'schema_migrations'.length

/** Checks a table prefix: letters, digits and `_`, starting with a letter or `_`; may be empty. Throws a TypeError. */
export function checkTablePrefix(prefix: string): string {
  if (typeof prefix !== 'string' || (prefix !== '' && !IDENTIFIER.test(prefix)) || prefix.length > MAX_PREFIX) {
    throw new TypeError(
      `tablePrefix must be empty or letters, digits and _ (starting with a letter or _), at most ${MAX_PREFIX} characters`,
    )
  }
  return prefix
}

/** Checks a schema name (PostgreSQL): an unquoted identifier of at most 63 characters. Throws a TypeError. */
export function checkSchemaName(schema: string): string {
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema) || schema.length > 63) {
    throw new TypeError('schema must be letters, digits and _ (starting with a letter or _), at most 63 characters')
  }
  return schema
}

/** The store's clock (milliseconds, as `Date.now`) as whole epoch seconds. */
export function epochSeconds(clock: () => number): number {
  return Math.floor(clock() / 1000)
}

// ---------------------------------------------------------------------------------------------------------
// Records to rows

/** Columns of `codes`, in the order of {@link codeValues}. `consumed` is set by the store. */
export const CODE_COLUMNS: readonly string[] = [
  'code_hash',
  'client_id',
  'redirect_uri',
  'effective_redirect_uri',
  'scopes',
  'user_id',
  'data',
  'code_challenge',
  'code_challenge_method',
  'family_id',
  'issued_at',
  'expires_at',
]

/** The values of a code's row, in the order of {@link CODE_COLUMNS}. */
export function codeValues(code: AuthorizationCode): SqlValue[] {
  return [
    code.codeHash,
    code.clientId,
    code.redirectUri ?? null,
    code.effectiveRedirectUri,
    JSON.stringify(code.scopes),
    code.userId,
    JSON.stringify(code.data),
    code.codeChallenge ?? null,
    code.codeChallengeMethod ?? null,
    code.familyId,
    code.issuedAt,
    code.expiresAt,
  ]
}

/** Columns of `access_tokens`, in the order of {@link accessValues}. */
export const ACCESS_COLUMNS: readonly string[] = [
  'token_hash',
  'client_id',
  'grant_type',
  'user_id',
  'data',
  'scopes',
  'family_id',
  'issued_at',
  'expires_at',
  'sealed',
  'unique_key',
  'refresh_token_hash',
]

/** The values of an access token's row, in the order of {@link ACCESS_COLUMNS}. */
export function accessValues(token: AccessToken): SqlValue[] {
  return [
    token.tokenHash,
    token.clientId,
    token.grantType,
    token.userId ?? null,
    JSON.stringify(token.data),
    JSON.stringify(token.scopes),
    token.familyId ?? null,
    token.issuedAt,
    token.expiresAt,
    token.sealed ?? null,
    token.uniqueKey ?? null,
    token.refreshTokenHash ?? null,
  ]
}

/** Columns of `refresh_tokens`, in the order of {@link refreshValues}. */
export const REFRESH_COLUMNS: readonly string[] = [
  'token_hash',
  'client_id',
  'user_id',
  'data',
  'scopes',
  'family_id',
  'issued_at',
  'expires_at',
  'rotated_at',
  'grace_used',
  'successor_hash',
  'access_token_hash',
]

/** The values of a refresh token's row, in the order of {@link REFRESH_COLUMNS}. */
export function refreshValues(token: RefreshToken): SqlValue[] {
  return [
    token.tokenHash,
    token.clientId,
    token.userId ?? null,
    JSON.stringify(token.data),
    JSON.stringify(token.scopes),
    token.familyId,
    token.issuedAt,
    token.expiresAt,
    token.rotatedAt ?? null,
    token.graceUsed ? 1 : 0,
    token.successorHash ?? null,
    token.accessTokenHash ?? null,
  ]
}

/** Columns of `clients`, in the order of {@link clientValues}. */
export const CLIENT_COLUMNS: readonly string[] = [
  'client_id',
  'client_secret_hash',
  'redirect_uris',
  'grant_types',
  'response_types',
  'token_endpoint_auth_methods',
  'scopes',
  'require_pkce',
  'name',
]

/** The values of a client's row, in the order of {@link CLIENT_COLUMNS}. */
export function clientValues(client: Client): SqlValue[] {
  return [
    client.clientId,
    client.clientSecretHash ?? null,
    JSON.stringify(client.redirectUris),
    JSON.stringify(client.grantTypes),
    JSON.stringify(client.responseTypes),
    JSON.stringify(client.tokenEndpointAuthMethods),
    client.scopes === undefined ? null : JSON.stringify(client.scopes),
    client.requirePkce ? 1 : 0,
    client.name ?? null,
  ]
}


// ---------------------------------------------------------------------------------------------------------
// Rows to records (checked: a row a driver returns is `unknown` until proven otherwise)

const decoder = new TextDecoder()

function text(row: SqlRow, column: string): string {
  const value = row[column]
  if (typeof value === 'string') return value
  // MySQL returns VARBINARY columns as Buffers.
  if (value instanceof Uint8Array) return decoder.decode(value)
  throw new TypeError(`column ${column}: expected text, got ${value === null ? 'NULL' : typeof value}`)
}

function optionalText(row: SqlRow, column: string): string | undefined {
  return row[column] === null || row[column] === undefined ? undefined : text(row, column)
}

function integer(row: SqlRow, column: string): number {
  const value = row[column]
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value
  // pg returns BIGINT as a string; drivers set up for big numbers return bigint or strings.
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value)
  throw new TypeError(`column ${column}: expected an integer`)
}

function optionalInteger(row: SqlRow, column: string): number | undefined {
  return row[column] === null || row[column] === undefined ? undefined : integer(row, column)
}

function boolean(row: SqlRow, column: string): boolean {
  const value = row[column]
  if (typeof value === 'boolean') return value
  if (value === 0 || value === 1) return value === 1
  if (value === 0n || value === 1n) return value === 1n
  if (value === '0' || value === '1') return value === '1'
  throw new TypeError(`column ${column}: expected a boolean`)
}

function json(row: SqlRow, column: string): unknown {
  return JSON.parse(text(row, column)) as unknown
}

function stringList(row: SqlRow, column: string): string[] {
  const value = json(row, column)
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new TypeError(`column ${column}: expected a JSON list of strings`)
  }
  return value
}

function userData(row: SqlRow, column: string): UserData {
  const value = json(row, column)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`column ${column}: expected a JSON object`)
  }
  return value as UserData
}

const AUTH_METHODS: ReadonlySet<string> = new Set<ClientAuthMethod>(['client_secret_basic', 'client_secret_post', 'none'])

function authMethods(row: SqlRow, column: string): ClientAuthMethod[] {
  const methods = stringList(row, column)
  if (!methods.every((method) => AUTH_METHODS.has(method))) throw new TypeError(`column ${column}: unknown method`)
  return methods as ClientAuthMethod[]
}

function challengeMethod(row: SqlRow, column: string): CodeChallengeMethod | undefined {
  const value = optionalText(row, column)
  if (value === undefined || value === 'S256' || value === 'plain') return value
  throw new TypeError(`column ${column}: unknown PKCE method`)
}

/** A code from its row. */
export function codeFromRow(row: SqlRow): AuthorizationCode {
  return {
    codeHash: text(row, 'code_hash'),
    clientId: text(row, 'client_id'),
    redirectUri: optionalText(row, 'redirect_uri'),
    effectiveRedirectUri: text(row, 'effective_redirect_uri'),
    scopes: stringList(row, 'scopes'),
    userId: text(row, 'user_id'),
    data: userData(row, 'data'),
    codeChallenge: optionalText(row, 'code_challenge'),
    codeChallengeMethod: challengeMethod(row, 'code_challenge_method'),
    familyId: text(row, 'family_id'),
    issuedAt: integer(row, 'issued_at'),
    expiresAt: integer(row, 'expires_at'),
  }
}

/** Whether a code's row says it was consumed. */
export function isConsumed(row: SqlRow): boolean {
  return boolean(row, 'consumed')
}

/** An access token from its row. */
export function accessFromRow(row: SqlRow): AccessToken {
  return {
    tokenHash: text(row, 'token_hash'),
    clientId: text(row, 'client_id'),
    grantType: text(row, 'grant_type'),
    userId: optionalText(row, 'user_id'),
    data: userData(row, 'data'),
    scopes: stringList(row, 'scopes'),
    familyId: optionalText(row, 'family_id'),
    issuedAt: integer(row, 'issued_at'),
    expiresAt: integer(row, 'expires_at'),
    sealed: optionalText(row, 'sealed'),
    uniqueKey: optionalText(row, 'unique_key'),
    refreshTokenHash: optionalText(row, 'refresh_token_hash'),
  }
}

/** A refresh token from its row. */
export function refreshFromRow(row: SqlRow): RefreshToken {
  return {
    tokenHash: text(row, 'token_hash'),
    clientId: text(row, 'client_id'),
    userId: optionalText(row, 'user_id'),
    data: userData(row, 'data'),
    scopes: stringList(row, 'scopes'),
    familyId: text(row, 'family_id'),
    issuedAt: integer(row, 'issued_at'),
    expiresAt: integer(row, 'expires_at'),
    rotatedAt: optionalInteger(row, 'rotated_at'),
    graceUsed: boolean(row, 'grace_used'),
    successorHash: optionalText(row, 'successor_hash'),
    accessTokenHash: optionalText(row, 'access_token_hash'),
  }
}

/**
 * What the rotation query reads besides the presented token: its successor's state (columns
 * `successor_token_hash`, `successor_rotated_at`, `successor_access_token_hash` of a LEFT JOIN).
 */
export interface SuccessorState {
  /** Whether the successor row still exists. */
  readonly exists: boolean
  /** Whether the successor was itself rotated out already (then a retry is a replay, not a lost response). */
  readonly rotated: boolean
  /** The access token issued with the successor, deleted when a grace retry replaces it. */
  readonly accessTokenHash: string | undefined
}

/** The successor columns of a rotation row. */
export function successorFromRow(row: SqlRow): SuccessorState {
  const exists = optionalText(row, 'successor_token_hash') !== undefined
  return {
    exists,
    rotated: exists && optionalInteger(row, 'successor_rotated_at') !== undefined,
    accessTokenHash: optionalText(row, 'successor_access_token_hash'),
  }
}

/** A client from its row, frozen like the records `createClient` builds. */
export function clientFromRow(row: SqlRow): Client {
  const scopes = row['scopes'] === null || row['scopes'] === undefined ? undefined : Object.freeze(stringList(row, 'scopes'))
  return Object.freeze({
    clientId: text(row, 'client_id'),
    clientSecretHash: optionalText(row, 'client_secret_hash'),
    redirectUris: Object.freeze(stringList(row, 'redirect_uris')),
    grantTypes: Object.freeze(stringList(row, 'grant_types')),
    responseTypes: Object.freeze(stringList(row, 'response_types')),
    tokenEndpointAuthMethods: Object.freeze(authMethods(row, 'token_endpoint_auth_methods')),
    scopes,
    requirePkce: boolean(row, 'require_pkce'),
    name: optionalText(row, 'name'),
  })
}

/** The applied schema version from a `SELECT MAX(version) AS version` row (0 when none). */
export function versionFromRow(row: SqlRow | undefined): number {
  return row === undefined ? 0 : (optionalInteger(row, 'version') ?? 0)
}

/** The error `migrate()` throws when the database was migrated by a newer release. */
export function newerSchemaError(backend: string, version: number): Error {
  return new Error(
    `${backend}: the schema is at version ${version}, newer than the ${SCHEMA_VERSION} this oauth2-stack knows; upgrade oauth2-stack`,
  )
}

// ---------------------------------------------------------------------------------------------------------
// Errors


/**
 * A pooled connection for start-up (`connect()`, `migrate()`) within `timeoutMs`, or an
 * {@link unreachableError} naming the backend and its address. A connection that arrives after the
 * deadline goes straight back to the pool.
 */
export async function connectWithin<C extends { release(): void }>(
  connect: () => Promise<C>,
  timeoutMs: number,
  backend: string,
  address: string,
): Promise<C> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs)
  })
  const connecting = connect()
  try {
    return await Promise.race([connecting, timeout])
  } catch (error) {
    connecting.then(
      (late) => late.release(),
      () => {},
    )
    throw unreachableError(backend, address, error)
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Wraps a failure during a request as {@link StoreUnavailableError} (the controller answers 503
 * `temporarily_unavailable`, RFC 6749 section 4.1.2.1). When the tables are missing the message says
 * so: `migrate()` is never run implicitly.
 */
export function storeFailure(
  backend: string,
  operation: string,
  error: unknown,
  isMissingTable: (error: unknown) => boolean,
): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error
  const hint = isMissingTable(error) ? ': its tables are missing (run migrate() at start-up)' : `: ${describeError(error)}`
  return new StoreUnavailableError(`${backend} store: ${operation} failed${hint}`, { cause: error })
}

/** Reads a property of a value (an error, a driver's config) without trusting its type. */
export function readProperty(error: unknown, key: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[key] : undefined
}

/** Runs `attempt`, once more (up to `times` in all) when it fails with an error `retryable` accepts. */
export async function withRetries<T>(times: number, retryable: (error: unknown) => boolean, attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt()
    } catch (error) {
      if (i >= times || !retryable(error)) throw error
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Purging

/**
 * Runs a store's `purgeExpired` in the background, at most once per {@link PURGE_INTERVAL_SECONDS}, when
 * a write pokes it, after the write has answered. A failed opportunistic purge is ignored (the next one retries); `settle()` waits for a
 * running one, so `close()` never ends a pool under it.
 */
export class PurgeSchedule {
  readonly #clock: () => number
  readonly #purge: () => Promise<unknown>
  #next = 0
  #running: Promise<void> | undefined

  constructor(clock: () => number, purge: () => Promise<unknown>) {
    this.#clock = clock
    this.#purge = purge
  }

  /** Starts a purge if none ran in the last minute and none is running. */
  poke(): void {
    const now = epochSeconds(this.#clock)
    if (now < this.#next || this.#running !== undefined) return
    this.#next = now + PURGE_INTERVAL_SECONDS
    // On a later turn of the event loop, never inside the write that poked it (SQLite runs synchronously).
    this.#running = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#purge()).then(
      () => {
        this.#running = undefined
      },
      () => {
        this.#running = undefined
      },
    )
  }

  /** Waits for a running purge, if any. */
  async settle(): Promise<void> {
    await this.#running
  }
}
