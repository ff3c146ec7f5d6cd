/**
 * `oauth2-stack migrate --print-sql`: the full DDL of a SQL backend at the latest schema version, for
 * DBAs who create the tables themselves. Prints without connecting and without loading a driver.
 *
 * @module
 */
import { DEFAULT_TABLE_PREFIX, type SqlDialect } from '../stores/sql/dialect.ts'
import { mysqlDialect, postgresDialect, sqliteDialect } from '../stores/sql/dialects.ts'
import { printableSchema } from '../stores/sql/ddl.ts'
import { UsageError } from './args.ts'

/** The backends by name (`--store postgres`) and by URL scheme (`--store postgres://…`). */
const DIALECTS: Readonly<Record<string, () => SqlDialect>> = {
  postgres: () => postgresDialect({ schema: 'public', prefix: DEFAULT_TABLE_PREFIX }),
  postgresql: () => postgresDialect({ schema: 'public', prefix: DEFAULT_TABLE_PREFIX }),
  mysql: () => mysqlDialect({ prefix: DEFAULT_TABLE_PREFIX }),
  mariadb: () => mysqlDialect({ prefix: DEFAULT_TABLE_PREFIX }),
  sqlite: () => sqliteDialect({ prefix: DEFAULT_TABLE_PREFIX }),
}

/**
 * The DDL for a store URL or a backend name (`postgres`, `mysql`, `mariadb`, `sqlite`), with the default
 * table prefix (and PostgreSQL schema `public`). Throws a {@link UsageError} for a store that has no SQL
 * schema (Redis, memcached, memory).
 */
export function schemaSql(store: string): string {
  const colon = store.indexOf(':')
  const name = (colon === -1 ? store : store.slice(0, colon)).toLowerCase()
  const dialect = DIALECTS[name]
  if (dialect === undefined) {
    throw new UsageError(
      `--print-sql needs a SQL store (postgres, mysql, mariadb, sqlite or one of their URLs), not ${name === '' ? 'this one' : `"${name}"`}`,
    )
  }
  const d = dialect()
  return `-- oauth2-stack schema for ${d.backend} (table prefix ${d.prefix}); oauth2-stack migrate applies the same.\n${printableSchema(d)}`
}
