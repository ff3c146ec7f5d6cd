/**
 * Every SQL statement a store sends, named once and built once per store (at construction) from its
 * dialect. The store code (`token-steps.ts`, `record-steps.ts`, `store.ts`) only names them. Internal.
 *
 * @module
 */
import { insertInto, type SqlDialect } from './dialect.ts'
import { ACCESS_COLUMNS, CLIENT_COLUMNS, CODE_COLUMNS, FAMILY_CONTEXT_COLUMNS, REFRESH_COLUMNS } from './rows.ts'
import { columnsOf, EXPIRING, type TableName } from './schema.ts'

/** The statements, by name (placeholders already in the driver's form); see {@link buildStatements}. */
export interface Statements {
  readonly upsertClient: string
  readonly deleteClient: string
  readonly listClients: string
  readonly selectClient: string
  readonly insertCode: string
  readonly selectUnconsumedCode: string
  readonly selectCode: string
  readonly consumeCode: string
  readonly insertAccess: string
  readonly insertRefresh: string
  readonly upsertUnique: string
  readonly selectAccess: string
  readonly selectRefresh: string
  readonly selectExisting: string
  readonly deleteAccess: string
  readonly lockFamily: string
  readonly selectFamily: string
  readonly revokeFamily: string
  readonly deleteFamilyAccess: string
  readonly deleteFamilyRefresh: string
  readonly selectForRotation: string
  readonly retireSiblingAccess: string
  readonly retireSiblings: string
  readonly markRotated: string
  readonly familiesBySession: FamilyStatements
  readonly onlineFamiliesBySession: FamilyStatements
  readonly familiesByGrant: FamilyStatements
  readonly selectRecord: string
  readonly deleteExpiredRecord: string
  readonly insertRecord: string
  readonly replaceRecord: string
  readonly putRecord: string
  readonly deleteRecord: string
  readonly increment: string
  readonly selectCounter: string
  readonly deleteCounter: string
  readonly purge: readonly string[]
  readonly selectVersion: string
  readonly insertVersion: string
}

/** `revokeFamilies` for one filter: mark the matching families revoked, then delete their tokens. */
export interface FamilyStatements {
  readonly revoke: string
  readonly deleteAccess: string
  readonly deleteRefresh: string
}

/** Builds every statement for one dialect (placeholders already in the driver's form). */
export function buildStatements(d: SqlDialect): Statements {
  const t = (name: TableName): string => d.table(name)
  const live = (column = 'expires_at'): string => `(${column} IS NULL OR ${column} > ?)`
  // Every column named, never `*`: a PostgreSQL prepared statement then keeps its result type when a later
  // migration adds a column (else: "cached plan must not change result type" on running processes).
  const all = (table: TableName, alias = ''): string =>
    columnsOf(table)
      .map((column) => `${alias}${column}`)
      .join(', ')
  const statements: Statements = {
    // ---- clients
    upsertClient: d.upsert('clients', CLIENT_COLUMNS, ['client_id'], (_, value) =>
      CLIENT_COLUMNS.slice(1)
        .map((column) => `${column} = ${value(column)}`)
        .join(', '),
    ),
    deleteClient: `DELETE FROM ${t('clients')} WHERE client_id = ?`,
    listClients: `SELECT ${all('clients')} FROM ${t('clients')} ORDER BY ${d.orderBytes('client_id')}`,
    selectClient: `SELECT ${all('clients')} FROM ${t('clients')} WHERE client_id = ?`,

    // ---- codes (RFC 6749 section 4.1.2: single use)
    insertCode: insertInto(t('codes'), CODE_COLUMNS),
    selectUnconsumedCode: `SELECT ${all('codes')} FROM ${t('codes')} WHERE code_hash = ? AND consumed = ${d.bool(false)} AND expires_at > ?`,
    selectCode: `SELECT ${all('codes')} FROM ${t('codes')} WHERE code_hash = ? AND expires_at > ?`,
    /** The one conditional write that decides who consumed a code; returning the row where the dialect can. */
    consumeCode: `UPDATE ${t('codes')} SET consumed = ${d.bool(true)}
      WHERE code_hash = ? AND consumed = ${d.bool(false)} AND expires_at > ?${d.returning ? ` RETURNING ${all('codes')}` : ''}`,

    // ---- tokens
    insertAccess: insertInto(t('access_tokens'), ACCESS_COLUMNS),
    insertRefresh: insertInto(t('refresh_tokens'), REFRESH_COLUMNS),
    upsertUnique: d.upsert(
      'unique_tokens',
      ['unique_key', 'token_hash', 'expires_at'],
      ['unique_key'],
      (_, value) => `token_hash = ${value('token_hash')}, expires_at = ${value('expires_at')}`,
    ),
    selectAccess: `SELECT ${all('access_tokens')} FROM ${t('access_tokens')} WHERE token_hash = ? AND expires_at > ?`,
    selectRefresh: `SELECT ${all('refresh_tokens')} FROM ${t('refresh_tokens')} WHERE token_hash = ? AND expires_at > ?`,
    selectExisting: `SELECT ${all('access_tokens', 'a.')} FROM ${t('unique_tokens')} u JOIN ${t('access_tokens')} a ON a.token_hash = u.token_hash
      WHERE u.unique_key = ? AND a.expires_at > ?`,
    deleteAccess: `DELETE FROM ${t('access_tokens')} WHERE token_hash = ?`,

    // ---- families: the row every family write locks first (see token-steps.ts for the lock order)
    /** Creates (with the grant's context) or extends (never past revocation) the family's row, locking it. */
    lockFamily: `${d.upsert(
      'families',
      ['family_id', 'revoked', 'expires_at', ...FAMILY_CONTEXT_COLUMNS],
      ['family_id'],
      (old, value) =>
        `expires_at = CASE WHEN ${old('revoked')} = ${d.bool(true)} THEN ${old('expires_at')} ELSE ${d.greatest(old('expires_at'), value('expires_at'))} END`,
    )}${d.returning ? ' RETURNING revoked' : ''}`,
    /** Where `lockFamily` cannot return the row (MySQL): read it under the lock the upsert took. */
    selectFamily: `SELECT revoked FROM ${t('families')} f WHERE family_id = ?${d.forUpdate('f')}`,
    revokeFamily: d.upsert(
      'families',
      ['family_id', 'revoked', 'expires_at'],
      ['family_id'],
      (old, value) =>
        `expires_at = CASE WHEN ${old('revoked')} = ${d.bool(true)} THEN ${old('expires_at')} ELSE ${value('expires_at')} END, revoked = ${d.bool(true)}`,
    ),
    deleteFamilyAccess: `DELETE FROM ${t('access_tokens')} WHERE family_id = ?`,
    deleteFamilyRefresh: `DELETE FROM ${t('refresh_tokens')} WHERE family_id = ?`,
    /**
     * The presented refresh token, locked, with its latest successor's state and the counts of concurrent
     * refresh: how many successors it has, and how many its parent has (RFC 9700 section 4.14.2).
     */
    selectForRotation: `SELECT ${all('refresh_tokens', 'r.')}, s.token_hash AS successor_token_hash, s.rotated_at AS successor_rotated_at,
        (SELECT COUNT(*) FROM ${t('refresh_tokens')} c WHERE c.parent_hash = r.token_hash) AS successor_count,
        (SELECT COUNT(*) FROM ${t('refresh_tokens')} b WHERE b.parent_hash = r.parent_hash) AS sibling_count
      FROM ${t('refresh_tokens')} r LEFT JOIN ${t('refresh_tokens')} s ON s.token_hash = r.successor_hash
      WHERE r.token_hash = ?${d.forUpdate('r')}`,
    /** Concurrent refresh, the first sibling used wins: the access tokens of the others (parent, used sibling). */
    retireSiblingAccess: `DELETE FROM ${t('access_tokens')} WHERE token_hash IN (SELECT access_token_hash FROM ${t('refresh_tokens')}
      WHERE parent_hash = ? AND token_hash <> ? AND rotated_at IS NULL AND access_token_hash IS NOT NULL)`,
    /** ... and the other siblings become rotated-out tombstones that may have no successor (now, parent, used sibling). */
    retireSiblings: `UPDATE ${t('refresh_tokens')} SET rotated_at = ?, grace_used = ${d.bool(true)}
      WHERE parent_hash = ? AND token_hash <> ? AND rotated_at IS NULL`,
    markRotated: `UPDATE ${t('refresh_tokens')} SET rotated_at = COALESCE(rotated_at, ?), successor_hash = ? WHERE token_hash = ?`,
    familiesBySession: familyStatements(d, 'session_id = ?'),
    // OpenID Connect Core 1.0 section 11: at logout, only the families without offline_access end.
    onlineFamiliesBySession: familyStatements(d, `session_id = ? AND offline = ${d.bool(false)}`),
    familiesByGrant: familyStatements(d, 'grant_id = ?'),

    // ---- records and counters (RecordStore)
    selectRecord: `SELECT value, version, expires_at FROM ${t('records')} WHERE kind = ? AND record_key = ? AND ${live()}`,
    deleteExpiredRecord: `DELETE FROM ${t('records')} WHERE kind = ? AND record_key = ? AND expires_at <= ?`,
    insertRecord: d.insertIfAbsent('records', ['kind', 'record_key', 'value', 'version', 'expires_at'], ['kind', 'record_key']),
    replaceRecord: `UPDATE ${t('records')} SET value = ?, version = version + 1, expires_at = ?
      WHERE kind = ? AND record_key = ? AND version = ? AND ${live()}`,
    putRecord: d.upsert(
      'records',
      ['kind', 'record_key', 'value', 'version', 'expires_at'],
      ['kind', 'record_key'],
      (old, value) => `value = ${value('value')}, version = ${old('version')} + 1, expires_at = ${value('expires_at')}`,
    ),
    deleteRecord: `DELETE FROM ${t('records')} WHERE kind = ? AND record_key = ? AND ${live()}`,
    /**
     * One more in the window, atomically: a window that ended starts again at 1. (MySQL reads the old
     * `reset_at` in `count`'s expression because `reset_at` is assigned after it.)
     */
    increment: `${d.upsert(
      'counters',
      ['kind', 'counter_key', 'count', 'reset_at'],
      ['kind', 'counter_key'],
      (old, value) =>
        `count = CASE WHEN ${old('reset_at')} <= ? THEN 1 ELSE ${old('count')} + 1 END, ` +
        `reset_at = CASE WHEN ${old('reset_at')} <= ? THEN ${value('reset_at')} ELSE ${old('reset_at')} END`,
    )}${d.returning ? ' RETURNING count, reset_at' : ''}`,
    selectCounter: `SELECT count, reset_at FROM ${t('counters')} WHERE kind = ? AND counter_key = ?`,
    deleteCounter: `DELETE FROM ${t('counters')} WHERE kind = ? AND counter_key = ?`,

    // ---- purge and migrations
    purge: EXPIRING.map(({ table, column }) => `DELETE FROM ${t(table)} WHERE ${column} <= ?`),
    selectVersion: `SELECT MAX(version) AS version FROM ${t('schema_migrations')}`,
    insertVersion: `INSERT INTO ${t('schema_migrations')} (version, applied_at) VALUES (?, ?)`,
  }
  return finish(d, statements)
}

/** The statements of `revokeFamilies` for the families matching `where` (one `?`, the session or grant). */
function familyStatements(d: SqlDialect, where: string): FamilyStatements {
  const families = `SELECT family_id FROM ${d.table('families')} WHERE ${where}`
  return {
    // Lock order step 1 (token-steps.ts): the families' rows first. Parameters: expires_at, then the filter.
    revoke: `UPDATE ${d.table('families')} SET revoked = ${d.bool(true)}, expires_at = ? WHERE ${where} AND revoked = ${d.bool(false)}`,
    deleteAccess: `DELETE FROM ${d.table('access_tokens')} WHERE family_id IN (${families})`,
    deleteRefresh: `DELETE FROM ${d.table('refresh_tokens')} WHERE family_id IN (${families})`,
  }
}

type StatementTree = string | readonly string[] | { readonly [name: string]: StatementTree }

function finish(d: SqlDialect, statements: Statements): Statements {
  const visit = (sql: StatementTree): StatementTree => {
    if (typeof sql === 'string') return d.finish(sql)
    if (Array.isArray(sql)) return sql.map((statement: string) => d.finish(statement))
    return Object.fromEntries(Object.entries(sql).map(([name, inner]) => [name, visit(inner)]))
  }
  return visit(statements as unknown as StatementTree) as unknown as Statements
}
