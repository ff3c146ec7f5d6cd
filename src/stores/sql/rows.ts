/**
 * Records to rows and back, for every SQL store: the values bound for an insert, in the column order of
 * `schema.ts`, and the checked records read back (a row a driver returns is `unknown` until proven
 * otherwise). Internal.
 *
 * @module
 */
import type {
  AccessToken,
  AuthorizationCode,
  Client,
  ClientAuthMethod,
  CodeChallengeMethod,
  GrantContext,
  RefreshToken,
  UserData,
} from '../../types.ts'
import { clientMetadataFromText, clientMetadataValue } from './client-metadata.ts'
import { columnsOf } from './schema.ts'

/** A value bound to a SQL parameter. Booleans are bound as 0/1, absent values as NULL. */
export type SqlValue = string | number | null

/** A row as a driver returns it, before it is checked. */
export type SqlRow = Readonly<Record<string, unknown>>

// ---------------------------------------------------------------------------------------------------------
// Records to rows

/** Columns of `codes`, in the order of {@link codeValues}. `consumed` is set by the store. */
export const CODE_COLUMNS: readonly string[] = columnsOf('codes').filter((column) => column !== 'consumed')

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
    contextValue(code.context),
  ]
}

/** Columns of `access_tokens`, in the order of {@link accessValues}. */
export const ACCESS_COLUMNS: readonly string[] = columnsOf('access_tokens')

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
    contextValue(token.context),
  ]
}

/** Columns of `refresh_tokens`, in the order of {@link refreshValues}. */
export const REFRESH_COLUMNS: readonly string[] = columnsOf('refresh_tokens')

/**
 * The values of a refresh token's row, in the order of {@link REFRESH_COLUMNS}; `parentHash` is the token
 * it was rotated from (concurrent refresh: siblings share it).
 */
export function refreshValues(token: RefreshToken, parentHash?: string): SqlValue[] {
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
    contextValue(token.context),
    parentHash ?? null,
  ]
}

/** Columns of `clients`, in the order of {@link clientValues}. */
export const CLIENT_COLUMNS: readonly string[] = columnsOf('clients')

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
    clientMetadataValue(client),
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
    context: contextFromRow(row),
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
    context: contextFromRow(row),
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
    context: contextFromRow(row),
  }
}

/**
 * What the rotation query reads besides the presented token: its successor's state (a LEFT JOIN) and the
 * counts of concurrent refresh (columns `successor_token_hash`, `successor_rotated_at`, `successor_count`,
 * `sibling_count`).
 */
export interface SuccessorState {
  /** Whether the (latest) successor was itself rotated out already (then a retry is a replay, not a lost response). */
  readonly rotated: boolean
  /** How many successors the presented token was given (rows naming it as their parent). */
  readonly children: number
  /** How many successors the presented token's parent was given, the presented one included (0 without a parent). */
  readonly siblings: number
}

/** The successor columns of a rotation row. */
export function successorFromRow(row: SqlRow): SuccessorState {
  const exists = optionalText(row, 'successor_token_hash') !== undefined
  return {
    rotated: exists && optionalInteger(row, 'successor_rotated_at') !== undefined,
    children: integer(row, 'successor_count'),
    siblings: integer(row, 'sibling_count'),
  }
}

/**
 * A client from its row, frozen like the records `createClient` builds: the optional fields from the
 * `metadata` column, absent when it is NULL (rows written before schema version 4).
 */
export function clientFromRow(row: SqlRow): Client {
  const scopes = row['scopes'] === null || row['scopes'] === undefined ? undefined : Object.freeze(stringList(row, 'scopes'))
  return Object.freeze({
    ...clientMetadataFromText(optionalText(row, 'metadata')),
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

/** The last context {@link contextValue} wrote, and its text (most tokens share the issuer's frozen few). */
let lastContext: GrantContext | undefined
let lastContextText = ''

/** The `context` column: the grant context as JSON, NULL when there is none. */
function contextValue(context: GrantContext | undefined): string | null {
  if (context === undefined) return null
  // Only a frozen context may be remembered: its fields cannot change under the cached text.
  if (context === lastContext) return lastContextText
  const text = JSON.stringify(context)
  if (Object.isFrozen(context)) {
    lastContext = context
    lastContextText = text
  }
  return text
}

/** The family columns written from a grant context when the family's row is created, in schema order. */
export const FAMILY_CONTEXT_COLUMNS: readonly string[] = ['subject_type', 'auth_time', 'session_id', 'grant_id', 'resources', 'offline']

/** The values of {@link FAMILY_CONTEXT_COLUMNS}: the context, and whether the family is offline. */
export function familyContextValues(context: GrantContext | undefined, offline: boolean): SqlValue[] {
  return [
    context?.subjectType ?? null,
    context?.authTime ?? null,
    context?.sessionId ?? null,
    context?.grantId ?? null,
    context?.resources === undefined ? null : JSON.stringify(context.resources),
    offline ? 1 : 0,
  ]
}

/** The grant context of a row's `context` column, checked field by field. */
function contextFromRow(row: SqlRow): GrantContext | undefined {
  if (row['context'] === null || row['context'] === undefined) return undefined
  const value = json(row, 'context')
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('column context: expected a JSON object')
  const { subjectType, authTime, sessionId, grantId, resources } = value as Record<string, unknown>
  const ok =
    (subjectType === undefined || subjectType === 'user' || subjectType === 'client') &&
    (authTime === undefined || Number.isSafeInteger(authTime)) &&
    (sessionId === undefined || typeof sessionId === 'string') &&
    (grantId === undefined || typeof grantId === 'string') &&
    (resources === undefined || (Array.isArray(resources) && resources.every((item) => typeof item === 'string')))
  if (!ok) throw new TypeError('column context: not a grant context')
  return value
}

/** A record of the `records` table: value, version (as the opaque string callers pass back) and expiry. */
export function storedRecordFromRow(row: SqlRow): { value: string; version: string; expiresAt: number | undefined } {
  return { value: text(row, 'value'), version: String(integer(row, 'version')), expiresAt: optionalInteger(row, 'expires_at') }
}

/** A counter reading of the `counters` table. */
export function counterFromRow(row: SqlRow): { count: number; resetAt: number } {
  return { count: integer(row, 'count'), resetAt: integer(row, 'reset_at') }
}

/** The applied schema version from a `SELECT MAX(version) AS version` row (0 when none). */
export function versionFromRow(row: SqlRow | undefined): number {
  return row === undefined ? 0 : (optionalInteger(row, 'version') ?? 0)
}

/** A column read as text (MySQL returns VARBINARY columns as bytes). */
export function textColumn(row: SqlRow, column: string): string {
  return text(row, column)
}

/** A boolean column (BOOLEAN, or 0/1). */
export function booleanColumn(row: SqlRow, column: string): boolean {
  return boolean(row, column)
}
