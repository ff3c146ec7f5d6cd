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
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.prepare !== 'function' ||
    typeof candidate.exec !== 'function'
  ) {
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

  /**
   * Runs `body` in `BEGIN IMMEDIATE … COMMIT`: SQLite's writer lock, so no other process writes in between.
   * The three statements are prepared once, like every other (`exec` would parse them on every write).
   */
  transaction<T>(body: () => T): T {
    this.#statement('BEGIN IMMEDIATE').run()
    try {
      const result = body()
      this.#statement('COMMIT').run()
      return result
    } catch (error) {
      try {
        this.#statement('ROLLBACK').run()
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
/** Why a driver is not usable: better-sqlite3 either is not installed or is installed and does not load. */
type Unusable = { readonly error: Error; readonly installed: boolean }
let betterSqlite: Opener | Unusable | undefined
let nodeSqlite: Opener | Error | undefined
let fallbackWarned = false

/** better-sqlite3, if installed and loadable in this runtime (its native module is built per Node version). */
function loadBetterSqlite(): Opener | Unusable {
  if (betterSqlite === undefined) {
    try {
      const Database = require('better-sqlite3') as new (path: string) => SqliteDatabaseLike
      new Database(':memory:').close()
      betterSqlite = (path) => new Database(path)
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught))
      const code = (error as { code?: unknown }).code
      // Not installed: the package itself is not found. Anything else (ERR_DLOPEN_FAILED for a native module
      // built for another Node, a missing build) means it is installed and broken.
      const installed = !(code === 'MODULE_NOT_FOUND' && error.message.includes("'better-sqlite3'"))
      betterSqlite = { error, installed }
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

/** The command that makes SQLite work on a Node without node:sqlite (better-sqlite3 13 needs Node 22). */
export const SQLITE_INSTALL = 'npm install better-sqlite3@12'

/** Why a load failed, on one line: the two ABI versions of a native module built for another Node, else the message. */
function reason(error: Error): string {
  const abi = /NODE_MODULE_VERSION (\d+)[\s\S]*?requires\s+NODE_MODULE_VERSION (\d+)/.exec(error.message)
  if (abi !== null) return `built for NODE_MODULE_VERSION ${abi[1] ?? '?'}, this Node needs ${abi[2] ?? '?'}`
  const text = error.message.replace(/\s+/g, ' ').trim()
  return text.length > 160 ? `${text.slice(0, 159)}…` : text
}

/** The driver to open files with, and (once per process) a one-line warning when better-sqlite3 is installed but broken. */
export interface SqliteOpener {
  readonly open: (path: string) => SqliteDatabaseLike
  readonly driver: SqliteDriverName
  /**
   * Set the first time in a process that better-sqlite3 is installed but does not load (for example
   * built for another Node version) and node:sqlite is used instead; the caller shows it.
   */
  readonly warning?: string
}

/**
 * The opener of `driver`, or (without one) better-sqlite3 when it is installed and loads, else
 * node:sqlite when the runtime has it. Throws an `Error` saying exactly what to run otherwise.
 */
export function sqliteOpener(driver: SqliteDriverName | undefined): SqliteOpener {
  const node = process.versions.node
  if (driver === 'node:sqlite') {
    const opener = loadNodeSqlite()
    if (opener instanceof Error) {
      throw new Error(
        `SQLite: node:sqlite needs Node 22.13 or later without flags (this is Node ${node}); on this Node, ${SQLITE_INSTALL} and leave the driver option out`,
        { cause: opener },
      )
    }
    return { open: opener, driver }
  }
  const better = loadBetterSqlite()
  if (typeof better === 'function') return { open: better, driver: 'better-sqlite3' }
  const broken = `better-sqlite3 is installed but does not load in Node ${node} (${reason(better.error)})`
  if (driver === 'better-sqlite3') {
    throw new Error(
      `SQLite: ${better.installed ? `${broken}: npm rebuild better-sqlite3` : `better-sqlite3 is not installed: ${SQLITE_INSTALL}`}`,
      { cause: better.error },
    )
  }
  const opener = loadNodeSqlite()
  if (!(opener instanceof Error)) {
    if (!better.installed || fallbackWarned) return { open: opener, driver: 'node:sqlite' }
    fallbackWarned = true
    return { open: opener, driver: 'node:sqlite', warning: `${broken}; using node:sqlite instead (npm rebuild better-sqlite3 to use it)` }
  }
  if (better.installed)
    throw new Error(`SQLite: ${broken} and Node ${node} has no node:sqlite: npm rebuild better-sqlite3`, { cause: better.error })
  throw new Error(`SQLite: no driver: ${SQLITE_INSTALL} (Node ${node} has no node:sqlite; Node 22.13 and later have it built in)`, {
    cause: better.error,
  })
}
