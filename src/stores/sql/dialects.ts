/**
 * The three dialects: PostgreSQL, MySQL/MariaDB and SQLite. No driver is imported here, so the DDL of
 * any backend can be printed (`oauth2-stack migrate --print-sql`) without its driver. Internal.
 *
 * @module
 */
import { checkSchemaName, checkTablePrefix, insertInto, type SqlDialect } from './dialect.ts'
import type { ColumnKind, TableName } from './schema.ts'

/** What every dialect is built from. */
export interface DialectOptions {
  /** Table prefix (checked); default `oauth2_` is applied by the stores. */
  readonly prefix: string
}

const POSTGRES_TYPES: Readonly<Record<ColumnKind, string>> = {
  id: 'TEXT',
  name: 'TEXT',
  text: 'TEXT',
  json: 'TEXT',
  time: 'BIGINT',
  int: 'INTEGER',
  bool: 'BOOLEAN',
}

/** PostgreSQL: `$n` placeholders, `"schema"."table"`, `ON CONFLICT`, `RETURNING`, transactional DDL. */
export function postgresDialect(options: DialectOptions & { readonly schema: string }): SqlDialect {
  const prefix = checkTablePrefix(options.prefix)
  const schema = checkSchemaName(options.schema)
  const table = (name: TableName): string => `"${schema}"."${prefix}${name}"`
  return {
    backend: 'PostgreSQL',
    prefix,
    table,
    finish: (sql) => {
      let n = 0
      return sql.replace(/\?/g, () => `$${++n}`)
    },
    bool: (value) => (value ? 'TRUE' : 'FALSE'),
    upsert: (name, columns, key, set) =>
      `${insertInto(`${table(name)} AS t`, columns)} ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${set(
        (column) => `t.${column}`,
        (column) => `EXCLUDED.${column}`,
      )}`,
    insertIfAbsent: (name, columns, key) => `${insertInto(table(name), columns)} ON CONFLICT (${key.join(', ')}) DO NOTHING`,
    returning: true,
    // The rotation read LEFT JOINs the successor: PostgreSQL locks only the presented token's row.
    forUpdate: (alias) => ` FOR UPDATE OF ${alias}`,
    greatest: (a, b) => `GREATEST(${a}, ${b})`,
    orderBytes: (column) => `${column} COLLATE "C"`,
    columnType: (kind) => POSTGRES_TYPES[kind],
    createTable: (name, body) => `CREATE TABLE IF NOT EXISTS ${name} (\n  ${body}\n)`,
    inlineIndexes: false,
    indexName: (name, column) => `"${prefix}${name}_${column}"`,
    partialIndexes: true,
    makePartial: (name, column, n) => {
      // An index lives in its table's schema: named with it (CREATE INDEX and RENAME TO take the bare name).
      const index = `"${prefix}${name}_${column}"`
      const temporary = `"${prefix}v5_${n}"`
      return {
        build: [
          `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('"${schema}".${index}') AND indpred IS NOT NULL) THEN CREATE INDEX ${temporary} ON ${table(name)} (${column}) WHERE ${column} IS NOT NULL; END IF; END $$`,
        ],
        swap: [
          `DO $$ BEGIN IF to_regclass('"${schema}".${temporary}') IS NOT NULL THEN DROP INDEX IF EXISTS "${schema}".${index}; ALTER INDEX "${schema}".${temporary} RENAME TO ${index}; END IF; END $$`,
        ],
      }
    },
    transactionalDdl: true,
    addColumn: (name, definition) => `ALTER TABLE ${table(name)} ADD COLUMN IF NOT EXISTS ${definition}`,
    widenColumn: () => undefined,
    // Only when missing: CREATE SCHEMA needs the CREATE privilege on the database even with IF NOT EXISTS.
    preamble: [
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '${schema}') THEN CREATE SCHEMA "${schema}"; END IF; END $$`,
    ],
  }
}

/**
 * Identifiers are `VARBINARY`: compared byte for byte, so neither a case-insensitive collation nor
 * MariaDB's trailing-space padding can make two hashes or client ids equal. Version 2 widened them from
 * 255 bytes to 2048 (512 characters of UTF-8), for URL client ids and record keys.
 */
function mysqlType(kind: ColumnKind, version: number): string {
  switch (kind) {
    case 'id':
      return version >= 2 ? 'VARBINARY(2048)' : 'VARBINARY(255)'
    case 'name':
      return 'VARCHAR(32)'
    case 'text':
      return 'TEXT'
    case 'json':
      return 'MEDIUMTEXT'
    case 'time':
      return 'BIGINT'
    case 'int':
      return 'INT'
    case 'bool':
      return 'TINYINT(1)'
  }
}

/** MySQL/MariaDB (InnoDB): `?`, backticks, `ON DUPLICATE KEY UPDATE`, no `RETURNING`, DDL commits at once. */
export function mysqlDialect(options: DialectOptions): SqlDialect {
  const prefix = checkTablePrefix(options.prefix)
  const table = (name: TableName): string => `\`${prefix}${name}\``
  return {
    backend: 'MySQL',
    prefix,
    table,
    finish: (sql) => sql,
    bool: (value) => (value ? '1' : '0'),
    // MySQL applies the assignments left to right: a `SET` list reads columns it has not assigned yet.
    upsert: (name, columns, _key, set) =>
      `${insertInto(table(name), columns)} ON DUPLICATE KEY UPDATE ${set(
        (column) => column,
        (column) => `VALUES(${column})`,
      )}`,
    insertIfAbsent: (name, columns) => insertInto(table(name), columns).replace(/^INSERT/, 'INSERT IGNORE'),
    returning: false,
    forUpdate: () => ' FOR UPDATE',
    greatest: (a, b) => `GREATEST(${a}, ${b})`,
    orderBytes: (column) => column,
    columnType: mysqlType,
    createTable: (name, body) =>
      `CREATE TABLE IF NOT EXISTS ${name} (\n  ${body}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    inlineIndexes: true,
    indexName: (name, column) => `\`${prefix}${name}_${column}\``,
    partialIndexes: false,
    makePartial: () => ({ build: [], swap: [] }),
    transactionalDdl: false,
    // DDL commits at once: the MySQL pool takes "duplicate column" and "duplicate key" as done, so a
    // migration interrupted half-way is completed by the next run.
    addColumn: (name, definition) => `ALTER TABLE ${table(name)} ADD COLUMN ${definition}`,
    widenColumn: (name, definition) => `ALTER TABLE ${table(name)} MODIFY ${definition}`,
    preamble: [],
  }
}

const SQLITE_TYPES: Readonly<Record<ColumnKind, string>> = {
  id: 'TEXT',
  name: 'TEXT',
  text: 'TEXT',
  json: 'TEXT',
  time: 'INTEGER',
  int: 'INTEGER',
  bool: 'INTEGER',
}

/** SQLite: `?`, `"table"`, `ON CONFLICT`, `RETURNING`, STRICT tables; one writer, so no row locks. */
export function sqliteDialect(options: DialectOptions): SqlDialect {
  const prefix = checkTablePrefix(options.prefix)
  const table = (name: TableName): string => `"${prefix}${name}"`
  return {
    backend: 'SQLite',
    prefix,
    table,
    finish: (sql) => sql,
    bool: (value) => (value ? '1' : '0'),
    upsert: (name, columns, key, set) =>
      `${insertInto(table(name), columns)} ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${set(
        (column) => column,
        (column) => `excluded.${column}`,
      )}`,
    insertIfAbsent: (name, columns, key) => `${insertInto(table(name), columns)} ON CONFLICT (${key.join(', ')}) DO NOTHING`,
    returning: true,
    // Every write runs in BEGIN IMMEDIATE: SQLite's single writer lock already excludes other writers.
    forUpdate: () => '',
    greatest: (a, b) => `MAX(${a}, ${b})`,
    orderBytes: (column) => column,
    columnType: (kind) => SQLITE_TYPES[kind],
    createTable: (name, body) => `CREATE TABLE IF NOT EXISTS ${name} (\n  ${body}\n) STRICT`,
    inlineIndexes: false,
    indexName: (name, column) => `"${prefix}${name}_${column}"`,
    partialIndexes: true,
    // One writer at a time in SQLite whatever the order: dropped and created again, in the migration's transaction.
    makePartial: (name, column) => ({
      build: [],
      swap: [
        `DROP INDEX IF EXISTS "${prefix}${name}_${column}"`,
        `CREATE INDEX IF NOT EXISTS "${prefix}${name}_${column}" ON ${table(name)} (${column}) WHERE ${column} IS NOT NULL`,
      ],
    }),
    transactionalDdl: true,
    addColumn: (name, definition) => `ALTER TABLE ${table(name)} ADD COLUMN ${definition}`,
    widenColumn: () => undefined,
    preamble: [],
  }
}
