/**
 * What differs between the SQL backends, as data and small functions: placeholders, quoting (prefix and
 * schema), upserts, booleans, row locks, `RETURNING`, column types and `CREATE TABLE` options. Everything
 * else (statements, DDL, the store) is written once against this interface. Internal.
 *
 * @module
 */
import { ConfigurationError } from '../../errors.ts'
import type { ColumnKind, TableName } from './schema.ts'

/** The backends, as named in messages. */
export type SqlBackendName = 'PostgreSQL' | 'MySQL' | 'SQLite'

/** Builds the parts of the SQL that differ between backends. */
export interface SqlDialect {
  /** The backend, for messages (`PostgreSQL store: … failed`). */
  readonly backend: SqlBackendName
  /** The table prefix (checked). */
  readonly prefix: string
  /** A table's quoted, prefixed (and, for PostgreSQL, schema-qualified) name. */
  table(name: TableName): string
  /** Turns the `?` placeholders of a statement into the driver's (`$1, $2…` for PostgreSQL). */
  finish(sql: string): string
  /** A boolean literal. */
  bool(value: boolean): string
  /**
   * `INSERT … VALUES (?…)` that updates the row with the same `key` instead: `set` gets the existing
   * row's column (`old`) and the inserted value (`value`) and returns the `SET` list.
   */
  upsert(
    table: TableName,
    columns: readonly string[],
    key: readonly string[],
    set: (old: (column: string) => string, value: (column: string) => string) => string,
  ): string
  /** `INSERT … VALUES (?…)` that does nothing (0 rows) when a row with the same key exists. */
  insertIfAbsent(table: TableName, columns: readonly string[], key: readonly string[]): string
  /** Whether `INSERT/UPDATE … RETURNING` works (PostgreSQL, SQLite 3.35+; not MySQL/MariaDB). */
  readonly returning: boolean
  /** The row-lock clause a `SELECT` of `alias` ends with inside a transaction (`''` where the transaction already excludes writers). */
  forUpdate(alias: string): string
  /** The larger of two expressions. */
  greatest(a: string, b: string): string
  /** `ORDER BY` a column bytewise. */
  orderBytes(column: string): string
  /** The column type of a kind, as of schema `version` (MySQL widened its identifiers in version 2). */
  columnType(kind: ColumnKind, version: number): string
  /** `CREATE TABLE IF NOT EXISTS name (body)` with the backend's table options. */
  createTable(name: string, body: string): string
  /** Whether indexes are declared inside `CREATE TABLE` (MySQL) rather than by `CREATE INDEX`. */
  readonly inlineIndexes: boolean
  /** An index's quoted name. */
  indexName(table: TableName, column: string): string
  /** Whether `CREATE INDEX … WHERE` is supported (PostgreSQL, SQLite; not MySQL or MariaDB). */
  readonly partialIndexes: boolean
  /**
   * How an upgrade turns the existing index of `column` into a partial one (`WHERE column IS NOT NULL`), where
   * {@link SqlDialect.partialIndexes}: `build` runs first for every index the upgrade changes, `swap` after
   * all of them (PostgreSQL builds each under a temporary name `n`, then swaps: the table's exclusive lock is
   * held from the swap to the commit only, and an index already partial, e.g. built `CONCURRENTLY` by a DBA,
   * is left as it is).
   */
  makePartial(table: TableName, column: string, n: number): { readonly build: readonly string[]; readonly swap: readonly string[] }
  /** Whether DDL runs inside the migration's transaction (PostgreSQL, SQLite) or commits at once (MySQL). */
  readonly transactionalDdl: boolean
  /** `ALTER TABLE … ADD` of a column definition (idempotent where the backend allows it). */
  addColumn(table: TableName, definition: string): string
  /** Changes a column's type (only MySQL needs it: its identifiers widened in version 2), or `undefined`. */
  widenColumn(table: TableName, definition: string): string | undefined
  /** Statements to run before the tables (PostgreSQL: create the schema). */
  readonly preamble: readonly string[]
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/
/** 63 is PostgreSQL's limit, 64 MySQL's; `schema_migrations` is the longest table name. */
const MAX_PREFIX = 63 - 'schema_migrations'.length

/** The default table prefix, so the tables never collide with an application's own `clients` or `codes`. */
export const DEFAULT_TABLE_PREFIX = 'oauth2_'

/** Checks a table prefix: letters, digits and `_`, starting with a letter or `_`; may be empty. Throws a TypeError. */
export function checkTablePrefix(prefix: string): string {
  if (typeof prefix !== 'string' || (prefix !== '' && !IDENTIFIER.test(prefix)) || prefix.length > MAX_PREFIX) {
    throw new ConfigurationError(
      `tablePrefix must be empty or letters, digits and _ (starting with a letter or _), at most ${MAX_PREFIX} characters`,
    )
  }
  return prefix
}

/** Checks a schema name (PostgreSQL): an unquoted identifier of at most 63 characters. Throws a TypeError. */
export function checkSchemaName(schema: string): string {
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema) || schema.length > 63) {
    throw new ConfigurationError('schema must be letters, digits and _ (starting with a letter or _), at most 63 characters')
  }
  return schema
}

/** `?, ?, ?` for `count` values. */
export function marks(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ')
}

/** `INSERT INTO table (columns) VALUES (?…)`. */
export function insertInto(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${marks(columns.length)})`
}
