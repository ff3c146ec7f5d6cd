/**
 * The DDL of every dialect, generated from the tables in `schema.ts`: the whole schema as of a version
 * (a new database is created at the latest at once), and the steps from one version to the next (an
 * older database is upgraded in place). Internal.
 *
 * @module
 */
import type { SqlDialect } from './dialect.ts'
import { type Column, type Index, MIGRATIONS_TABLE, SCHEMA_VERSION, type Table, TABLES } from './schema.ts'

function since(item: { readonly since?: number }): number {
  return item.since ?? 1
}

function columnDefinition(dialect: SqlDialect, column: Column, version: number): string {
  const nullability = column.nullable === true ? 'NULL' : 'NOT NULL'
  const fallback = column.defaultFalse === true ? ` DEFAULT ${dialect.bool(false)}` : ''
  return `${column.name} ${dialect.columnType(column.kind, version)} ${nullability}${fallback}`
}

/** Whether `index` leaves out NULL rows as of `version` on this backend (see `Index.sparseSince`). */
function sparse(dialect: SqlDialect, index: Index, version: number): boolean {
  return dialect.partialIndexes && index.sparseSince !== undefined && index.sparseSince <= version
}

function createIndex(dialect: SqlDialect, table: Table, index: Index, version: number): string {
  const name = dialect.indexName(table.name, index.column)
  // MySQL knows no IF NOT EXISTS here; its pool takes "duplicate key name" as done.
  const ifMissing = dialect.inlineIndexes ? '' : 'IF NOT EXISTS '
  const where = sparse(dialect, index, version) ? ` WHERE ${index.column} IS NOT NULL` : ''
  return `CREATE INDEX ${ifMissing}${name} ON ${dialect.table(table.name)} (${index.column})${where}`
}

/** `CREATE TABLE IF NOT EXISTS` of a table as of `version`, and its separate index statements. */
function createTable(dialect: SqlDialect, table: Table, version: number): string[] {
  const columns = table.columns.filter((column) => since(column) <= version)
  const indexes = table.indexes.filter((index) => since(index) <= version)
  const body = [
    ...columns.map((column) => columnDefinition(dialect, column, version)),
    `PRIMARY KEY (${table.primaryKey.join(', ')})`,
    ...(dialect.inlineIndexes ? indexes.map((index) => `KEY ${dialect.indexName(table.name, index.column)} (${index.column})`) : []),
  ]
  const create = dialect.createTable(dialect.table(table.name), body.join(',\n  '))
  return [create, ...(dialect.inlineIndexes ? [] : indexes.map((index) => createIndex(dialect, table, index, version)))]
}

/** `schema_migrations`, created first so the applied version can be read. */
export function migrationsTableStatement(dialect: SqlDialect): string {
  return createTable(dialect, MIGRATIONS_TABLE, SCHEMA_VERSION)[0] as string
}

/** The whole schema as of `version` (default: the latest), for a new database. */
export function schemaStatements(dialect: SqlDialect, version: number = SCHEMA_VERSION): string[] {
  return TABLES.filter((table) => since(table) <= version).flatMap((table) => createTable(dialect, table, version))
}

/** What takes a database from `version - 1` to `version`: new tables, new columns, new or partial indexes, wider identifiers. */
export function upgradeStatements(dialect: SqlDialect, version: number): string[] {
  const statements: string[] = []
  // Indexes made partial: every one built before any is swapped in (see SqlDialect.makePartial).
  const builds: string[] = []
  const swaps: string[] = []
  let partials = 0
  for (const table of TABLES) {
    if (since(table) === version) {
      statements.push(...createTable(dialect, table, version))
      continue
    }
    if (since(table) > version) continue
    for (const column of table.columns) {
      if (since(column) === version) statements.push(dialect.addColumn(table.name, columnDefinition(dialect, column, version)))
      else if (since(column) < version && dialect.columnType(column.kind, version) !== dialect.columnType(column.kind, version - 1)) {
        const widen = dialect.widenColumn(table.name, columnDefinition(dialect, column, version))
        if (widen !== undefined) statements.push(widen)
      }
    }
    for (const index of table.indexes) {
      if (since(index) === version) statements.push(createIndex(dialect, table, index, version))
      else if (since(index) < version && index.sparseSince === version && dialect.partialIndexes) {
        const { build, swap } = dialect.makePartial(table.name, index.column, ++partials)
        builds.push(...build)
        swaps.push(...swap)
      }
    }
  }
  return [...statements, ...builds, ...swaps]
}

/** Everything a DBA runs to create the latest schema by hand (`oauth2-stack migrate --print-sql`). */
export function printableSchema(dialect: SqlDialect): string {
  const statements = [...dialect.preamble, migrationsTableStatement(dialect), ...schemaStatements(dialect)]
  const record = `INSERT INTO ${dialect.table('schema_migrations')} (version, applied_at) VALUES (${SCHEMA_VERSION}, 0)`
  return `${[...statements, record].map((statement) => `${statement};`).join('\n\n')}\n`
}
