/**
 * The SQLite driver seam: `better-sqlite3` (12) or Node's built-in `node:sqlite` (`DatabaseSync`, Node
 * 22.13 and later), told apart by shape, behind one small synchronous connection, so the store is
 * written once. Both are synchronous: a transaction runs to its end without yielding. Internal.
 *
 * @module
 */
import { ConfigurationError } from '../../errors.ts'
import { createRequire } from 'node:module'
import type { SqlRow, SqlValue } from './rows.ts'
import type { SyncSqlConnection } from './steps.ts'

/** The SQLite drivers the store can use. */
export type SqliteDriverName = 'better-sqlite3' | 'node:sqlite'

/** What both drivers' prepared statements offer (the part the store uses). */
export interface StatementLike {
  all(...values: SqlValue[]): unknown[]
  run(...values: SqlValue[]): { readonly changes: number | bigint }
}

/** What both drivers' databases offer (the part the store uses): better-sqlite3's `Database`, node:sqlite's `DatabaseSync`. */
export interface SqliteDatabaseLike {
  prepare(sql: string): StatementLike
  exec(sql: string): unknown
  close(): unknown
}

/** Which driver made `database`: better-sqlite3's `Database` has `pragma()`, node:sqlite's `DatabaseSync` does not. */
export function driverOf(database: unknown): SqliteDriverName {
  const candidate = database as Partial<Record<'prepare' | 'exec' | 'pragma', unknown>> | null
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.prepare !== 'function' || typeof candidate.exec !== 'function') {
    throw new ConfigurationError('SqliteStore: database must be an open better-sqlite3 Database or a node:sqlite DatabaseSync')
  }
  return typeof candidate.pragma === 'function' ? 'better-sqlite3' : 'node:sqlite'
}

/** SQLite's single connection, with every statement prepared once. */
export class SqliteConnection implements SyncSqlConnection {
  readonly #db: SqliteDatabaseLike
  readonly #prepared = new Map<string, StatementLike>()

  constructor(database: SqliteDatabaseLike) {
    this.#db = database
  }

  rows(sql: string, values: readonly SqlValue[]): SqlRow[] {
    return this.#statement(sql).all(...values) as SqlRow[]
  }

  run(sql: string, values: readonly SqlValue[]): number {
    return Number(this.#statement(sql).run(...values).changes)
  }

  /** Runs `body` in `BEGIN IMMEDIATE … COMMIT`: SQLite's writer lock, so no other process writes in between. */
  transaction<T>(body: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE')
    try {
      const result = body()
      this.#db.exec('COMMIT')
      return result
    } catch (error) {
      try {
        this.#db.exec('ROLLBACK')
      } catch {
        // Already rolled back by SQLite (or the database is gone): the original error is what matters.
      }
      throw error
    }
  }

  /** Forgets the prepared statements (after a migration changed the tables). */
  forget(): void {
    this.#prepared.clear()
  }

  #statement(sql: string): StatementLike {
    let statement = this.#prepared.get(sql)
    if (statement === undefined) {
      // Preparing needs the tables: a statement is prepared on first use, after migrate().
      statement = this.#db.prepare(sql)
      this.#prepared.set(sql, statement)
    }
    return statement
  }
}

const require = createRequire(import.meta.url)

type Opener = (path: string) => SqliteDatabaseLike
let betterSqlite: Opener | Error | undefined
let nodeSqlite: Opener | Error | undefined

/** better-sqlite3, if installed and loadable in this runtime (its native module is built per Node version). */
function loadBetterSqlite(): Opener | Error {
  if (betterSqlite === undefined) {
    try {
      const Database = require('better-sqlite3') as new (path: string) => SqliteDatabaseLike
      new Database(':memory:').close()
      betterSqlite = (path) => new Database(path)
    } catch (error) {
      betterSqlite = error instanceof Error ? error : new Error(String(error))
    }
  }
  return betterSqlite
}

/** node:sqlite, if this runtime has it without a flag (Node 22.13 and later). */
function loadNodeSqlite(): Opener | Error {
  if (nodeSqlite === undefined) {
    try {
      const { DatabaseSync } = require('node:sqlite') as { DatabaseSync: new (path: string) => SqliteDatabaseLike }
      nodeSqlite = (path) => new DatabaseSync(path)
    } catch (error) {
      nodeSqlite = error instanceof Error ? error : new Error(String(error))
    }
  }
  return nodeSqlite
}

const INSTALL = 'npm install better-sqlite3@12'

/**
 * The opener of `driver`, or (without one) better-sqlite3 when it is installed and loads, else
 * node:sqlite when the runtime has it. Throws an `Error` saying exactly what to install otherwise.
 */
export function sqliteOpener(driver: SqliteDriverName | undefined): { open: (path: string) => SqliteDatabaseLike; driver: SqliteDriverName } {
  const node = process.versions.node
  if (driver === 'node:sqlite') {
    const opener = loadNodeSqlite()
    if (opener instanceof Error) {
      throw new Error(
        `SQLite: node:sqlite needs Node 22.13 or later without flags (this is Node ${node}); on this Node, ${INSTALL} and leave the driver option out`,
        { cause: opener },
      )
    }
    return { open: opener, driver }
  }
  const better = loadBetterSqlite()
  if (!(better instanceof Error)) return { open: better, driver: 'better-sqlite3' }
  if (driver === 'better-sqlite3') throw new Error(`SQLite: better-sqlite3 cannot be loaded (${better.message}); ${INSTALL}`, { cause: better })
  const opener = loadNodeSqlite()
  if (!(opener instanceof Error)) return { open: opener, driver: 'node:sqlite' }
  throw new Error(`SQLite: no driver: ${INSTALL} (Node ${node} has no node:sqlite; Node 22.13 and later have it built in)`, { cause: better })
}
