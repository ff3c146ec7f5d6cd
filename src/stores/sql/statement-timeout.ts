/**
 * How a store call cut by its timeout also stops in the database: PostgreSQL's `SET LOCAL
 * statement_timeout` (inside the store's own transactions, never for the session: a pool the host
 * passed in runs the host's queries too), MariaDB's `SET STATEMENT max_statement_time=… FOR`, MySQL's
 * `MAX_EXECUTION_TIME` optimizer hint (read-only `SELECT`s only). Internal.
 *
 * @module
 */
import { ConfigurationError } from '../../errors.ts'

/**
 * The default `statementTimeoutMs` of the PostgreSQL and MySQL stores: slightly under the controller's
 * `storeTimeoutMs` default (2000), so the database gives up before the request is answered 503.
 */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 1900

/** Checks a `statementTimeoutMs` option: a whole number of milliseconds, 0 for none. */
export function checkStatementTimeout(backend: string, ms: number | undefined): number {
  const value = ms ?? DEFAULT_STATEMENT_TIMEOUT_MS
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ConfigurationError(`${backend}: statementTimeoutMs must be a whole number of milliseconds (0 for none)`)
  }
  return value
}

/**
 * What a PostgreSQL transaction of the store begins with: `BEGIN` and, in the same round trip (one
 * simple query), `SET LOCAL statement_timeout`, which ends with the transaction. `ms` 0 lifts a limit
 * the session may have (the migration: its lock may be held by another process for long).
 */
export function postgresBegin(ms: number | 'none'): string {
  return ms === 'none' ? 'BEGIN; SET LOCAL statement_timeout = 0' : ms > 0 ? `BEGIN; SET LOCAL statement_timeout = ${ms}` : 'BEGIN'
}

/** The MySQL-protocol server a store talks to. */
export type MysqlFlavour = 'MariaDB' | 'MySQL'

/** The flavour of a server from its `VERSION()` (MariaDB says so: `10.11.6-MariaDB-0+deb12u1`). */
export function flavourOf(version: string): MysqlFlavour {
  return /mariadb/i.test(version) ? 'MariaDB' : 'MySQL'
}

const SELECT = /^\s*SELECT\b/i

/**
 * A statement limited to `ms` in the database: MariaDB runs any statement under `SET STATEMENT
 * max_statement_time=<seconds> FOR`; MySQL takes the `MAX_EXECUTION_TIME` hint on `SELECT` only (other
 * statements run unchanged there: MySQL has no per-statement limit for them). `ms` 0: unchanged.
 */
export function limitMysqlStatement(flavour: MysqlFlavour, sql: string, ms: number): string {
  if (ms <= 0) return sql
  if (flavour === 'MariaDB') return `SET STATEMENT max_statement_time=${(ms / 1000).toFixed(3)} FOR ${sql}`
  return SELECT.test(sql) ? sql.replace(SELECT, `SELECT /*+ MAX_EXECUTION_TIME(${ms}) */`) : sql
}
