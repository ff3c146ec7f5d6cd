/**
 * Every SQL statement a store sends, named once and built once per store (at construction) from its
 * dialect. The store code (`token-steps.ts`, `record-steps.ts`, `store.ts`) only names them. Internal.
 *
 * @module
 */
import { insertInto, type SqlDialect } from './dialect.ts'
import { ACCESS_COLUMNS, CLIENT_COLUMNS, CODE_COLUMNS, FAMILY_CONTEXT_COLUMNS, REFRESH_COLUMNS } from './rows.ts'
import { EXPIRING, type TableName } from './schema.ts'

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
  readonly selectFamilyOfToken: string
  readonly lockFamily: string
  readonly selectFamily: string
  readonly revokeFamily: string
  readonly deleteFamilyAccess: string
  readonly deleteFamilyRefresh: string
  readonly selectForRotation: string
  readonly markTombstone: string
  readonly markRotated: string
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

/** Builds every statement for one dialect (placeholders already in the driver's form). */
export function buildStatements(d: SqlDialect): Statements {
  const t = (name: TableName): string => d.table(name)
  const live = (column = 'expires_at'): string => `(${column} IS NULL OR ${column} > ?)`
  const statements: Statements = {
    // ---- clients
    upsertClient: d.upsert('clients', CLIENT_COLUMNS, ['client_id'], (_, value) =>
      CLIENT_COLUMNS.slice(1)
        .map((column) => `${column} = ${value(column)}`)
        .join(', '),
    ),
    deleteClient: `DELETE FROM ${t('clients')} WHERE client_id = ?`,
    listClients: `SELECT * FROM ${t('clients')} ORDER BY ${d.orderBytes('client_id')}`,
    selectClient: `SELECT * FROM ${t('clients')} WHERE client_id = ?`,

    // ---- codes (RFC 6749 section 4.1.2: single use)
    insertCode: insertInto(t('codes'), CODE_COLUMNS),
    selectUnconsumedCode: `SELECT * FROM ${t('codes')} WHERE code_hash = ? AND consumed = ${d.bool(false)} AND expires_at > ?`,
    selectCode: `SELECT * FROM ${t('codes')} WHERE code_hash = ? AND expires_at > ?`,
    /** The one conditional write that decides who consumed a code; with `RETURNING *` where the dialect has it. */
    consumeCode: `UPDATE ${t('codes')} SET consumed = ${d.bool(true)}
      WHERE code_hash = ? AND consumed = ${d.bool(false)} AND expires_at > ?${d.returning ? ' RETURNING *' : ''}`,

    // ---- tokens
    insertAccess: insertInto(t('access_tokens'), ACCESS_COLUMNS),
    insertRefresh: insertInto(t('refresh_tokens'), REFRESH_COLUMNS),
    upsertUnique: d.upsert(
      'unique_tokens',
      ['unique_key', 'token_hash', 'expires_at'],
      ['unique_key'],
      (_, value) => `token_hash = ${value('token_hash')}, expires_at = ${value('expires_at')}`,
    ),
    selectAccess: `SELECT * FROM ${t('access_tokens')} WHERE token_hash = ? AND expires_at > ?`,
    selectRefresh: `SELECT * FROM ${t('refresh_tokens')} WHERE token_hash = ? AND expires_at > ?`,
    selectExisting: `SELECT a.* FROM ${t('unique_tokens')} u JOIN ${t('access_tokens')} a ON a.token_hash = u.token_hash
      WHERE u.unique_key = ? AND a.expires_at > ?`,
    deleteAccess: `DELETE FROM ${t('access_tokens')} WHERE token_hash = ?`,

    // ---- families: the row every family write locks first (see token-steps.ts for the lock order)
    selectFamilyOfToken: `SELECT family_id FROM ${t('refresh_tokens')} WHERE token_hash = ?`,
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
    /** The presented refresh token with its successor's state, locked (RFC 9700 section 4.14.2). */
    selectForRotation: `SELECT r.*, s.token_hash AS successor_token_hash, s.rotated_at AS successor_rotated_at,
        s.access_token_hash AS successor_access_token_hash
      FROM ${t('refresh_tokens')} r LEFT JOIN ${t('refresh_tokens')} s ON s.token_hash = r.successor_hash
      WHERE r.token_hash = ?${d.forUpdate('r')}`,
    /** A grace retry: the successor the client lost becomes a rotated-out tombstone. */
    markTombstone: `UPDATE ${t('refresh_tokens')} SET rotated_at = ?, grace_used = ${d.bool(true)} WHERE token_hash = ?`,
    markRotated: `UPDATE ${t('refresh_tokens')} SET rotated_at = COALESCE(rotated_at, ?), grace_used = ?, successor_hash = ?
      WHERE token_hash = ?`,

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

function finish(d: SqlDialect, statements: Statements): Statements {
  const out: Record<string, string | readonly string[]> = {}
  for (const [name, sql] of Object.entries(statements) as [string, string | readonly string[]][]) {
    out[name] = typeof sql === 'string' ? d.finish(sql) : sql.map((statement) => d.finish(statement))
  }
  return out as unknown as Statements
}
