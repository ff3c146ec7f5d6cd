/**
 * The embedded SQL store: clients, codes, tokens and records in one SQLite file, through `better-sqlite3`
 * (an optional peer dependency, version 12) or Node's built-in `node:sqlite` (Node 22.13 and later).
 *
 * @example
 * ```ts
 * import { AuthorizationController } from 'oauth2-stack'
 * import { SqliteStore } from 'oauth2-stack/store/sqlite'
 *
 * const store = new SqliteStore({ path: './oauth2.db' })
 * await store.migrate() // at start-up, never at request time
 * const controller = new AuthorizationController({ issuer, siteAdapter, clientStore: store, accessTokenStore: store, authCodeStore: store })
 * ```
 *
 * @module oauth2-stack/store/sqlite
 */
import { ConfigurationError } from '../errors.ts'
import type BetterSqlite3 from 'better-sqlite3'
import { describeError } from './errors.ts'
import { DEFAULT_TABLE_PREFIX } from './sql/dialect.ts'
import { sqliteDialect } from './sql/dialects.ts'
import { SqliteConnection, driverOf, sqliteOpener, type SqliteDatabaseLike, type SqliteDriverName } from './sql/sqlite-driver.ts'
import { driveSync } from './sql/steps.ts'
import { SqlStore } from './sql/store.ts'

export type { SqliteDatabaseLike, SqliteDriverName, StatementLike } from './sql/sqlite-driver.ts'
export type { SqlValue } from './sql/rows.ts'

/**
 * An open SQLite database the store can use: a `better-sqlite3` `Database`, or a `node:sqlite`
 * `DatabaseSync` (described by the methods the store calls, so no Node 22 types are needed).
 */
export type SqliteDatabase = BetterSqlite3.Database | SqliteDatabaseLike

/** Options of {@link SqliteStore}: give `path` or `database`. */
export interface SqliteStoreOptions {
  /**
   * The database file, created if missing (its directory must exist); `':memory:'` for a private
   * in-memory database. The store opens it (in WAL mode) and `close()` closes it.
   */
  readonly path?: string
  /**
   * An already open database: a `better-sqlite3` `Database` or a `node:sqlite` `DatabaseSync` (told apart
   * by shape). The store leaves its settings alone and never closes it.
   */
  readonly database?: SqliteDatabase
  /**
   * Which driver opens `path`. Default: `better-sqlite3` when it is installed and loads in this runtime,
   * else `node:sqlite` when the runtime has it (Node 22.13 and later; a better-sqlite3 that is installed
   * but does not load, e.g. built for another Node, gets one process warning, code
   * `OAUTH2_STACK_SQLITE_FALLBACK`); without either the constructor throws an `Error` saying what to
   * run (`npm install better-sqlite3@12`, or `npm rebuild better-sqlite3`).
   */
  readonly driver?: SqliteDriverName
  /**
   * Prefix of every table name (letters, digits, `_`), so the tables sit beside an application's own.
   * Default `oauth2_`.
   */
  readonly tablePrefix?: string
  /** How long a write waits for another process's write lock before failing, in ms. Default 5000. Only with `path`. */
  readonly busyTimeoutMs?: number
  /** Clock in milliseconds since the epoch; defaults to `Date.now`. Decides expiry on reads and purges. */
  readonly clock?: () => number
}

/**
 * Clients, authorization codes, tokens and records in SQLite, keyed by the SHA-256 hashes the core
 * passes: the file holds no usable code or token.
 *
 * Both drivers are synchronous, so every method runs to completion without yielding: consuming a code
 * and rotating a refresh token are atomic within the process by construction, and across processes
 * sharing the file because each write runs in a `BEGIN IMMEDIATE` transaction (SQLite's single writer
 * lock). The SQL and the steps are the same as the other SQL stores'. Call {@link SqliteStore.migrate}
 * once at start-up; nothing creates tables implicitly.
 */
export class SqliteStore extends SqlStore {
  readonly #db: SqliteDatabase
  readonly #driver: SqliteDriverName

  /**
   * Opens the store. With `path`, opens (or creates) the file and throws an `Error` naming it when that
   * fails; with `database`, uses the open database as it is.
   */
  constructor(options: SqliteStoreOptions) {
    const { path, database } = options
    if ((path === undefined) === (database === undefined)) {
      throw new ConfigurationError('SqliteStore: give exactly one of path or database')
    }
    const dialect = sqliteDialect({ prefix: options.tablePrefix ?? DEFAULT_TABLE_PREFIX })
    const opened =
      database === undefined ? open(path ?? '', options) : { db: database, driver: driverOf(database), address: nameOf(database) }
    const { db, address } = opened
    const connection = new SqliteConnection(db as SqliteDatabaseLike)
    let closed = false
    const connect = async (): Promise<void> => {
      try {
        connection.rows('SELECT 1', [])
      } catch (error) {
        throw new Error(`SQLite database at ${address} is unreachable: ${describeError(error)}`, { cause: error })
      }
    }
    super({
      dialect,
      address,
      clock: options.clock ?? Date.now,
      engine: {
        // Driven synchronously: nothing else runs on the one connection in between.
        run: async (steps) => driveSync(steps(), connection),
        transaction: async (steps) => connection.transaction(() => driveSync(steps(), connection)),
        migrate: async (steps) => {
          await connect()
          connection.transaction(() => driveSync(steps(), connection))
          connection.forget()
        },
        connect,
        isMissingTable: (error) => error instanceof Error && /no such table/i.test(error.message),
        close: async () => {
          if (database === undefined && !closed) {
            closed = true
            ;(db as SqliteDatabaseLike).close()
          }
        },
      },
    })
    this.#db = db
    this.#driver = opened.driver
  }

  /** The open database (for the host's own queries and backups): a better-sqlite3 `Database` or a node:sqlite `DatabaseSync`. */
  get database(): SqliteDatabase {
    return this.#db
  }

  /** The driver in use. */
  get driver(): SqliteDriverName {
    return this.#driver
  }
}

function open(path: string, options: SqliteStoreOptions): { db: SqliteDatabase; driver: SqliteDriverName; address: string } {
  const { open: openFile, driver, warning } = sqliteOpener(options.driver)
  // better-sqlite3 installed but built for another Node: node:sqlite serves instead, said once per process.
  if (warning !== undefined) process.emitWarning(warning, { code: 'OAUTH2_STACK_SQLITE_FALLBACK' })
  try {
    const db = openFile(path)
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`)
    // WAL: readers never wait for the writer, and other processes can share the file.
    if (path !== ':memory:' && path !== '') db.exec('PRAGMA journal_mode = WAL')
    return { db, driver, address: path }
  } catch (error) {
    throw new Error(`SQLite database at ${path} cannot be opened: ${describeError(error)}`, { cause: error })
  }
}

/** A given database's file name, for messages. */
function nameOf(database: SqliteDatabase): string {
  const { name, location } = database as { name?: unknown; location?: unknown }
  if (typeof name === 'string') return name
  const where: unknown = typeof location === 'function' ? (location as () => unknown).call(database) : undefined
  return typeof where === 'string' ? where : ':memory:'
}
