/**
 * The {@link RecordStore} primitives over the `records` and `counters` tables, written once for every
 * SQL backend as {@link Steps}. Each is one conditional statement (or two in one transaction), so it is
 * atomic across every process sharing the database:
 *
 * - create-if-absent: delete the key's expired row, then an insert that does nothing on a live one
 *   (`ON CONFLICT DO NOTHING` / `INSERT IGNORE`); the inserted-row count says who created it;
 * - compare-and-set: `UPDATE … WHERE version = ?` on a live row; the version grows by one per write;
 * - consume-once: create-if-absent of an empty value;
 * - increment: one upsert whose `CASE` restarts an ended window, so concurrent increments are all
 *   counted; read back with `RETURNING`, or (MySQL) in the same transaction.
 *
 * The store runs the argument checks of `record-rules.ts` before any of these steps.
 *
 * @module
 */
import type { CounterReading, StoredRecord } from '../types.ts'
import { counterFromRow, storedRecordFromRow } from './rows.ts'
import type { Statements } from './statements.ts'
import { first, run, type Steps } from './steps.ts'

/** What the record steps need. */
export interface RecordSql {
  readonly statements: Statements
  readonly returning: boolean
}

/** The live record (expiry NULL or in the future), or `undefined`. */
export function* getRecord(sql: RecordSql, kind: string, key: string, now: number): Steps<StoredRecord | undefined> {
  const row = yield* first(sql.statements.selectRecord, [kind, key, now])
  return row === undefined ? undefined : storedRecordFromRow(row)
}

/** Create-if-absent: `true` when this call created the record (or it was born expired with nothing live there). */
export function* createRecord(
  sql: RecordSql,
  kind: string,
  key: string,
  value: string,
  expiresAt: number | undefined,
  now: number,
): Steps<boolean> {
  // An expired row counts as absent: remove it first (only if expired, so a live one is never touched).
  yield* run(sql.statements.deleteExpiredRecord, [kind, key, now])
  // Created already expired: nothing to keep, as in the reference store.
  if (expiresAt !== undefined && expiresAt <= now) return (yield* first(sql.statements.selectRecord, [kind, key, now])) === undefined
  return (yield* run(sql.statements.insertRecord, [kind, key, value, 1, expiresAt ?? null])) === 1
}

/** Compare-and-set on `version`, of a live record only. */
export function* replaceRecord(
  sql: RecordSql,
  kind: string,
  key: string,
  version: string,
  value: string,
  expiresAt: number | undefined,
  now: number,
): Steps<boolean> {
  if (!/^\d{1,15}$/.test(version)) return false
  return (yield* run(sql.statements.replaceRecord, [value, expiresAt ?? null, kind, key, Number(version), now])) === 1
}

/** Writes the record whatever was there; the version grows by one. */
export function* putRecord(sql: RecordSql, kind: string, key: string, value: string, expiresAt: number | undefined): Steps<void> {
  yield* run(sql.statements.putRecord, [kind, key, value, 1, expiresAt ?? null])
}

/** Deletes the record; `true` when a live one was there. */
export function* deleteRecord(sql: RecordSql, kind: string, key: string, now: number): Steps<boolean> {
  return (yield* run(sql.statements.deleteRecord, [kind, key, now])) > 0
}

/** One more in the window (a window that ended starts again at 1), and the reading after it. */
export function* increment(sql: RecordSql, kind: string, key: string, windowSeconds: number, now: number): Steps<CounterReading> {
  const values = [kind, key, 1, now + windowSeconds, now, now]
  const row = sql.returning
    ? yield* first(sql.statements.increment, values)
    : (yield* run(sql.statements.increment, values), yield* first(sql.statements.selectCounter, [kind, key]))
  if (row === undefined) throw new Error('the counter row vanished inside its transaction')
  return counterFromRow(row)
}

/** Forgets a counter. */
export function* resetCounter(sql: RecordSql, kind: string, key: string): Steps<void> {
  yield* run(sql.statements.deleteCounter, [kind, key])
}
