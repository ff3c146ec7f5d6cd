/**
 * A MySQL / MariaDB store for clients, codes and tokens, through `mysql2` (an optional peer dependency,
 * version 3), shared by every process of a deployment. Tested on MariaDB 10.11; needs InnoDB.
 *
 * @example
 * ```ts
 * import mysql from 'mysql2/promise'
 * import { AuthorizationController } from 'oauth2-stack'
 * import { MysqlStore } from 'oauth2-stack/store/mysql'
 *
 * const store = new MysqlStore({ pool: mysql.createPool(process.env.DATABASE_URL ?? 'mysql://localhost/oauth2') })
 * await store.migrate() // at start-up or from a deploy script, never at request time
 * const controller = new AuthorizationController({ issuer, siteAdapter, clientStore: store, accessTokenStore: store, authCodeStore: store })
 * ```
 *
 * @module oauth2-stack/store/mysql
 */
import { ConfigurationError } from '../errors.ts'
import { createHash } from 'node:crypto'
import mysql from 'mysql2/promise'
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { DEFAULT_TABLE_PREFIX } from './sql/dialect.ts'
import { mysqlDialect } from './sql/dialects.ts'
import { readProperty } from './sql/errors.ts'
import { poolEngine, type PooledClient } from './sql/pool.ts'
import type { SqlRow, SqlValue } from './sql/rows.ts'
import { checkStatementTimeout, flavourOf, limitMysqlStatement, type MysqlFlavour } from './sql/statement-timeout.ts'
import type { SqlConnection } from './sql/steps.ts'
import { SqlStore } from './sql/store.ts'

/** Options every {@link MysqlStore} takes. */
export interface MysqlStoreCommonOptions {
  /**
   * Prefix of every table name (letters, digits, `_`), so the tables sit beside an application's own and
   * several stores (or test files) can share one database. Default `oauth2_`.
   */
  readonly tablePrefix?: string
  /** Clock in milliseconds since the epoch; defaults to `Date.now`. Decides expiry on reads and purges. */
  readonly clock?: () => number
  /** How long `connect()` and `migrate()` wait for a first connection, in ms. Default 5000. */
  readonly connectTimeoutMs?: number
  /**
   * How long one statement of a store call may run in the database before the server stops it (and the
   * call rejects with `StoreUnavailableError`), in ms; 0 for no limit. Default 1900, just under the
   * controller's `storeTimeoutMs` default (2000). MariaDB: every statement of a call runs under
   * `SET STATEMENT max_statement_time=… FOR`; MySQL: `SELECT`s carry the `MAX_EXECUTION_TIME` hint (MySQL
   * has no per-statement limit for writes). The flavour is read once (`VERSION()`). Never a session setting.
   */
  readonly statementTimeoutMs?: number
}

/** A store over a `mysql2/promise` pool the host already has. The store never ends it. */
export interface MysqlStorePoolOptions extends MysqlStoreCommonOptions {
  /**
   * The `mysql2/promise` pool to use. Make it with `trace: false` where you can, as the store does with its
   * own: otherwise mysql2 captures a stack trace for every statement, a large share of the CPU time of
   * each token request.
   */
  readonly pool: Pool
  readonly uri?: never
}

/** A store that makes (and owns) its own pool. */
export interface MysqlStoreUriOptions extends MysqlStoreCommonOptions {
  /** A connection URI, e.g. `mysql://user:password@127.0.0.1:3306/database`. */
  readonly uri: string
  readonly pool?: never
  /** Most connections the store's pool opens. Default 10. */
  readonly maxConnections?: number
}

/** Options of {@link MysqlStore}: an existing pool, or a URI. */
export type MysqlStoreOptions = MysqlStorePoolOptions | MysqlStoreUriOptions

/** ER_LOCK_DEADLOCK: InnoDB rolled this transaction back to break a deadlock; it is safe to run again. */
const DEADLOCK = 1213
/** ER_DUP_FIELDNAME, ER_DUP_KEYNAME: a migration step that an interrupted run had already applied. */
const ALREADY_APPLIED = new Set([1060, 1061])
/** ER_NO_SUCH_TABLE, ER_BAD_DB_ERROR. */
const MISSING = new Set([1146, 1049])

/**
 * Clients, authorization codes, tokens and records in MySQL or MariaDB (InnoDB), keyed by the SHA-256
 * hashes the core passes: the database holds no usable code or token.
 *
 * Identifiers are `VARBINARY(2048)` (512 characters of UTF-8, enough for URL client ids): compared byte
 * for byte, so neither a case-insensitive collation nor MariaDB's trailing-space padding can make two
 * hashes or client ids equal.
 *
 * Atomic steps, across every process sharing the database (the SQL is written once for every SQL store;
 * see `stores/sql/token-steps.ts` for the lock order):
 * - `consumeCode` is one `UPDATE … SET consumed = 1 WHERE … AND consumed = 0`; the affected-row count
 *   tells the one winner (InnoDB re-reads the row under its lock).
 * - Every write to a token family (`saveToken`, `rotateRefreshToken`, `revokeFamily`) runs in a
 *   READ COMMITTED transaction that first upserts and so row-locks the family's row in `families`; they
 *   serialize per family, and a revocation can never miss a token saved or rotated beside it.
 *   `rotateRefreshToken` then reads the token `FOR UPDATE` and applies `decideRotation`.
 * - A deadlock victim (error 1213) is run again, up to 8 times.
 *
 * - `statementTimeoutMs` (default 1900) is enforced by the server, per statement of a store call (see the
 *   option); a statement stopped there (MariaDB error 1969, MySQL 3024) rejects the call with
 *   `StoreUnavailableError`. The migration runs without the limit.
 *
 * Call {@link MysqlStore.migrate} once at start-up (under a named lock, `GET_LOCK`, so processes starting
 * together migrate once; MySQL commits DDL at once, so every step is idempotent and an interrupted
 * migration is completed by the next run). Nothing creates tables implicitly. Failures during a request
 * reject with `StoreUnavailableError` (answered 503).
 */
export class MysqlStore extends SqlStore {
  readonly #pool: Pool

  /** Builds the store. Nothing connects until the first call; see {@link MysqlStore.connect}. */
  constructor(options: MysqlStoreOptions) {
    const { pool: given, uri } = options
    if ((given === undefined) === (uri === undefined)) throw new ConfigurationError('MysqlStore: give exactly one of pool or uri')
    const dialect = mysqlDialect({ prefix: options.tablePrefix ?? DEFAULT_TABLE_PREFIX })
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000
    const statementTimeoutMs = checkStatementTimeout('MysqlStore', options.statementTimeoutMs)
    const maxConnections = 'maxConnections' in options ? options.maxConnections : undefined
    // `trace: false`: mysql2's promise API otherwise captures a stack trace for every statement (for its
    // error messages) — measured at about 30% of the process's CPU per MySQL token request. The store's
    // errors name the store call instead (`StoreUnavailableError`).
    const pool =
      given ??
      mysql.createPool({
        uri,
        connectionLimit: maxConnections ?? 10,
        connectTimeout: connectTimeoutMs,
        enableKeepAlive: true,
        trace: false,
      })
    const address = given === undefined ? uriAddress(uri ?? '') : poolAddress(given)
    const owned = given === undefined
    // The store's own pool: READ COMMITTED is each connection's session default, set as it opens (before
    // any statement of the store), so a transaction begins in one round trip. A pool passed in keeps its
    // sessions as they are: each transaction sets its level then.
    if (owned) pool.on('connection', readCommittedSession)
    let closed = false
    const limit = statementTimeoutMs === 0 ? undefined : limiter(statementTimeoutMs)
    super({
      dialect,
      address,
      clock: options.clock ?? Date.now,
      engine: poolEngine({
        backend: 'MySQL',
        address,
        connectTimeoutMs,
        attempts: 8,
        ...statements(pool, limit),
        checkout: async (use) => new MysqlClient(await pool.getConnection(), use === 'call' ? limit : undefined, owned),
        retryable: (error) => readProperty(error, 'errno') === DEADLOCK,
        isMissingTable: (error) => MISSING.has(Number(readProperty(error, 'errno'))),
        transactionalDdl: false,
        lockMigrations: async (c) => {
          const [database] = await c.rows('SELECT DATABASE() AS name', [])
          // GET_LOCK names are at most 64 characters.
          const digest = createHash('sha256')
            .update(`${String(database?.['name'])}.${dialect.prefix}`)
            .digest('hex')
          const name = `oauth2-stack:${digest.slice(0, 40)}`
          const [lock] = await c.rows('SELECT GET_LOCK(?, ?) AS locked', [name, 30])
          if (Number(lock?.['locked']) !== 1) throw new Error(`MySQL: another process held the migration lock ${name} for 30 s`)
          return async () => void (await c.run('DO RELEASE_LOCK(?)', [name]))
        },
        alreadyApplied: (error) => ALREADY_APPLIED.has(Number(readProperty(error, 'errno'))),
        end: async () => {
          if (owned && !closed) {
            closed = true
            await pool.end()
          }
        },
      }),
    })
    this.#pool = pool
  }

  /**
   * The pool the store uses. Connections of a pool the store made run with READ COMMITTED as their
   * session's isolation level (set as each opens), so a host's own queries on it do too.
   */
  get pool(): Pool {
    return this.#pool
  }
}

/** Rewrites a statement to run under the store's statement timeout (see `statementTimeoutMs`). */
type Limit = (db: Pool | PoolConnection, sql: string) => Promise<string> | string

/**
 * The statement timeout's rewriting: the server's flavour is read once (on the connection at hand: a
 * transaction's connection may be the pool's last one), and each statement's text is made once and kept
 * (the store's statements are a fixed set), so a call costs a map lookup.
 */
function limiter(ms: number): Limit {
  let known: MysqlFlavour | undefined
  const texts = new Map<string, string>()
  const rewrite = (flavour: MysqlFlavour, sql: string): string => {
    let text = texts.get(sql)
    if (text === undefined) {
      text = limitMysqlStatement(flavour, sql, ms)
      texts.set(sql, text)
    }
    return text
  }
  const flavour = once(async (db: Pool | PoolConnection) => {
    const [rows] = await db.query<RowDataPacket[]>('SELECT VERSION() AS version')
    known = flavourOf(String(rows[0]?.['version']))
    return known
  })
  return (db, sql) => (known === undefined ? flavour(db).then((found) => rewrite(found, sql)) : rewrite(known, sql))
}

/**
 * Statements on a pool or a connection: prepared (`execute`) with values, plain (`query`) without (DDL,
 * locks); each rewritten by `limit` when given.
 */
function statements(db: Pool | PoolConnection, limit: Limit | undefined): SqlConnection {
  const limited = (sql: string): Promise<string> | string => (limit === undefined ? sql : limit(db, sql))
  return {
    rows: async (sql, values) => {
      const limitedText = limited(sql)
      const text = typeof limitedText === 'string' ? limitedText : await limitedText
      const [result] =
        values.length === 0 ? await db.query<RowDataPacket[]>(text) : await db.execute<RowDataPacket[]>(text, values as SqlValue[])
      return result
    },
    run: async (sql, values) => {
      const limitedText = limited(sql)
      const text = typeof limitedText === 'string' ? limitedText : await limitedText
      const [result] =
        values.length === 0 ? await db.query<ResultSetHeader>(text) : await db.execute<ResultSetHeader>(text, values as SqlValue[])
      return result.affectedRows
    },
  }
}

/** The result of `load`, asked once; a failure (the server unreachable) is asked again next time. */
function once<A, T>(load: (argument: A) => Promise<T>): (argument: A) => Promise<T> {
  let pending: Promise<T> | undefined
  return (argument) => {
    pending ??= load(argument).catch((error: unknown) => {
      pending = undefined
      throw error
    })
    return pending
  }
}

/** What the pool's `connection` event hands its listeners at run time: the callback connection under the promise one. */
interface OpenedConnection {
  query(sql: string, callback: (error: unknown) => void): unknown
  destroy(): void
}

/**
 * Makes READ COMMITTED the session's level of a connection of the store's own pool, as it opens: its
 * first command, queued before any of the store's. A connection where it fails is dropped.
 */
function readCommittedSession(connection: PoolConnection): void {
  const opened = connection as unknown as OpenedConnection
  opened.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (error) => {
    if (error !== null && error !== undefined) opened.destroy()
  })
}

/**
 * A checked-out connection; `readCommitted`: its session's level is READ COMMITTED already (the store's own
 * pool). A class, not an object of closures: one is made per transaction.
 */
class MysqlClient implements PooledClient {
  readonly #connection: PoolConnection
  readonly #statements: SqlConnection
  readonly #readCommitted: boolean

  constructor(connection: PoolConnection, limit: Limit | undefined, readCommitted: boolean) {
    this.#connection = connection
    this.#statements = statements(connection, limit)
    this.#readCommitted = readCommitted
  }

  rows(sql: string, values: readonly unknown[]): Promise<SqlRow[]> {
    return this.#statements.rows(sql, values as readonly SqlValue[])
  }

  run(sql: string, values: readonly unknown[]): Promise<number> {
    return this.#statements.run(sql, values as readonly SqlValue[])
  }

  async begin(): Promise<void> {
    // READ COMMITTED: no gap locks, so writers to neighbouring families do not block each other.
    if (!this.#readCommitted) await this.#connection.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED')
    await this.#connection.beginTransaction()
  }

  commit(): Promise<void> {
    return this.#connection.commit()
  }

  rollback(): Promise<void> {
    return this.#connection.rollback()
  }

  release(): void {
    this.#connection.release()
  }

  destroy(): void {
    this.#connection.destroy()
  }
}

/** `host:port` (or the socket path) of a URI, without credentials. */
function uriAddress(uri: string): string {
  try {
    const url = new URL(uri)
    const socket = url.searchParams.get('socketPath')
    if (socket !== null) return socket
    return `${url.hostname === '' ? 'localhost' : url.hostname}:${url.port === '' ? '3306' : url.port}`
  } catch {
    return 'an unparsable URI'
  }
}

/** `host:port` of a pool's configuration (mysql2 keeps it in `pool.pool.config.connectionConfig`). */
function poolAddress(pool: Pool): string {
  const config: unknown = pool.pool.config
  const connection = readProperty(config, 'connectionConfig') ?? config
  const socket = readProperty(connection, 'socketPath')
  if (typeof socket === 'string') return socket
  const host = readProperty(connection, 'host')
  const port = readProperty(connection, 'port')
  return `${typeof host === 'string' ? host : 'localhost'}:${typeof port === 'number' ? port : 3306}`
}
