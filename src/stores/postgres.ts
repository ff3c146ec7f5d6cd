/**
 * A PostgreSQL store for clients, codes and tokens, through `pg` (an optional peer dependency,
 * version 8), shared by every process of a deployment.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * import { AuthorizationController } from 'oauth2-stack'
 * import { PostgresStore } from 'oauth2-stack/store/postgres'
 *
 * const store = new PostgresStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) })
 * await store.migrate() // at start-up or from a deploy script, never at request time
 * const controller = new AuthorizationController({ issuer, siteAdapter, clientStore: store, accessTokenStore: store, authCodeStore: store })
 * ```
 *
 * @module oauth2-stack/store/postgres
 */
import { createHash } from 'node:crypto'
import { ConfigurationError } from '../errors.ts'
import pg from 'pg'
import type { Pool, PoolClient, QueryConfig } from 'pg'
import { DEFAULT_TABLE_PREFIX } from './sql/dialect.ts'
import { postgresDialect } from './sql/dialects.ts'
import { readProperty } from './sql/errors.ts'
import { inTransaction, poolEngine, type PooledClient } from './sql/pool.ts'
import { checkStatementTimeout, postgresBegin } from './sql/statement-timeout.ts'
import type { SqlConnection } from './sql/steps.ts'
import type { SqlRow, SqlValue } from './sql/rows.ts'
import { SqlStore } from './sql/store.ts'

/** Options every {@link PostgresStore} takes. */
export interface PostgresStoreCommonOptions {
  /**
   * The schema holding the tables; `migrate()` creates it when missing. Default `public`. Give each
   * application (or test file) its own to keep them apart.
   */
  readonly schema?: string
  /** Prefix of every table name (letters, digits, `_`). Default `oauth2_`. */
  readonly tablePrefix?: string
  /** Clock in milliseconds since the epoch; defaults to `Date.now`. Decides expiry on reads and purges. */
  readonly clock?: () => number
  /** How long `connect()` and `migrate()` wait for a first connection, in ms. Default 5000. */
  readonly connectTimeoutMs?: number
  /**
   * How long one statement of a store call may run in PostgreSQL before the server cancels it (and the
   * call rejects with `StoreUnavailableError`), in ms; 0 for no limit. Default 1900, just under the
   * controller's `storeTimeoutMs` default (2000): a call the controller gave up on does not keep running
   * (or keep waiting for a row lock) in the database. A connection setting of the pool the store makes;
   * on a pool passed in, set inside the store's own transactions with `SET LOCAL statement_timeout`, never
   * for a session; see {@link PostgresStore}.
   */
  readonly statementTimeoutMs?: number
  /**
   * Whether the store's statements run as named prepared statements: parsed and planned once per
   * connection, then only bound and executed. Default `true` (in process, token requests took 16–19%
   * less wall time than with the unnamed statements of the release before; `docs/performance.md`). Set `false` behind a pooler that does not keep
   * prepared statements per client (PgBouncer in transaction mode before 1.21, or with
   * `max_prepared_statements` 0), or when the host runs `DISCARD ALL` on the pool's connections.
   */
  readonly preparedStatements?: boolean
}

/**
 * A store over a `pg` pool the host already has. The store never ends it. When the pool has no `error`
 * listener the store adds one, so an idle connection the server drops does not crash the process.
 */
export interface PostgresStorePoolOptions extends PostgresStoreCommonOptions {
  /** The `pg` pool to use. */
  readonly pool: Pool
  readonly connectionString?: never
}

/** A store that makes (and owns) its own pool. */
export interface PostgresStoreUrlOptions extends PostgresStoreCommonOptions {
  /** A connection string, e.g. `postgres://user:password@127.0.0.1:5432/database`. */
  readonly connectionString: string
  readonly pool?: never
  /** Most connections the store's pool opens. Default 10. */
  readonly maxConnections?: number
}

/** Options of {@link PostgresStore}: an existing pool, or a connection string. */
export type PostgresStoreOptions = PostgresStorePoolOptions | PostgresStoreUrlOptions

/** SQLSTATEs worth running a transaction again for: serialization failure and deadlock (PostgreSQL's victim). */
const RETRYABLE = new Set(['40001', '40P01'])

/**
 * Clients, authorization codes, tokens and records in PostgreSQL, keyed by the SHA-256 hashes the core
 * passes: the database holds no usable code or token.
 *
 * Atomic steps, across every process sharing the database (the SQL is written once for every SQL store;
 * see `stores/sql/token-steps.ts` for the lock order):
 * - `consumeCode` is one `UPDATE … SET consumed = TRUE WHERE … AND consumed = FALSE RETURNING …` (the row):
 *   PostgreSQL re-checks the condition after a concurrent update commits, so exactly one caller gets the row.
 * - Every write to a token family (`saveToken`, `rotateRefreshToken`, `revokeFamily`) runs in a
 *   transaction that first upserts and so row-locks the family's row in `families`; they serialize per
 *   family, and a revocation can never miss a token saved or rotated beside it. `rotateRefreshToken`
 *   then reads the token `FOR UPDATE` and applies `decideRotation`.
 * - A deadlock victim (for instance against the purge) is run again, up to 5 times.
 *
 * - `statementTimeoutMs` (default 1900) is enforced by the server. On a pool the store made, it is the
 *   pool's `statement_timeout` connection setting (the store's own connections only): every statement,
 *   in a transaction or not, runs under it at no extra cost. On a pool passed in, every transaction of a
 *   store call begins with `SET LOCAL statement_timeout` (in the same round trip as `BEGIN`), and a
 *   statement outside a transaction runs in a short transaction of its own with the same `SET LOCAL` (two
 *   more round trips), because a session setting would also cut the host's own queries. A cancelled statement (SQLSTATE 57014) rejects the call with
 *   `StoreUnavailableError`. The migration runs without the limit.
 * - Statements are named prepared statements (`preparedStatements`, default on), each named by a digest
 *   of its text (`oauth2_stack_…`), and name their columns (never `*`), so a later migration that adds a
 *   column does not break the plans of processes already running.
 *
 * Call {@link PostgresStore.migrate} once at start-up (it takes an advisory lock, so processes starting
 * together migrate once); nothing creates tables implicitly. Failures during a request reject with
 * `StoreUnavailableError` (answered 503).
 */
export class PostgresStore extends SqlStore {
  readonly #pool: Pool

  /** Builds the store. Nothing connects until the first call; see {@link PostgresStore.connect}. */
  constructor(options: PostgresStoreOptions) {
    const { pool: given, connectionString } = options
    if ((given === undefined) === (connectionString === undefined)) {
      throw new ConfigurationError('PostgresStore: give exactly one of pool or connectionString')
    }
    const schema = options.schema ?? 'public'
    const dialect = postgresDialect({ schema, prefix: options.tablePrefix ?? DEFAULT_TABLE_PREFIX })
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000
    const statementTimeoutMs = checkStatementTimeout('PostgresStore', options.statementTimeoutMs)
    const owned = given === undefined
    const named = options.preparedStatements === false ? unnamed : preparedQueries()
    const maxConnections = 'maxConnections' in options ? options.maxConnections : undefined
    // The store's own pool: the limit is a connection setting, so a single statement costs no extra round trip.
    const pool =
      given ??
      new pg.Pool({
        connectionString,
        max: maxConnections ?? 10,
        connectionTimeoutMillis: connectTimeoutMs,
        ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
      })
    const address =
      given === undefined
        ? addressOf(connectionString, undefined, undefined)
        : addressOf(given.options.connectionString, given.options.host, given.options.port)
    // pg: an idle client's error is emitted on the pool, and an unhandled 'error' event ends the process.
    // A pool passed in gets the listener only when it has none (the host's own listener wins), and keeps it.
    if (owned || pool.listenerCount('error') === 0) pool.on('error', ignore)
    super({
      dialect,
      address,
      clock: options.clock ?? Date.now,
      engine: poolEngine({
        backend: 'PostgreSQL',
        address,
        connectTimeoutMs,
        attempts: 5,
        ...(owned || statementTimeoutMs === 0 ? statements(pool, named) : limitedStatements(pool, statementTimeoutMs, named)),
        // The store's own connections already run under the limit (a connection setting): their transactions
        // begin with a plain BEGIN. A pool passed in gets `SET LOCAL` in each transaction of the store.
        // The migration's connection runs its DDL unprepared (and without the limit).
        checkout: async (use) =>
          use === 'call'
            ? new PgClient(await pool.connect(), owned ? 0 : statementTimeoutMs, named)
            : new PgClient(await pool.connect(), 'none', unnamed),
        retryable: (error) => RETRYABLE.has(String(readProperty(error, 'code'))),
        // 42P01 undefined_table, 3F000 invalid_schema_name.
        isMissingTable: (error) => ['42P01', '3F000'].includes(String(readProperty(error, 'code'))),
        transactionalDdl: true,
        lockMigrations: async (c) => {
          await c.run('SELECT pg_advisory_xact_lock(hashtext($1))', [`oauth2-stack:${schema}.${dialect.prefix}`])
          return async () => {} // released with the transaction
        },
        alreadyApplied: () => false,
        end: async () => {
          if (owned && !pool.ended) await pool.end()
        },
      }),
    })
    this.#pool = pool
  }

  /** The pool the store uses. */
  get pool(): Pool {
    return this.#pool
  }
}

/** Statements on a pool or one of its connections. */
function statements(db: Pool | PoolClient, query: Query): SqlConnection {
  return {
    rows: async (sql, values) => (await db.query<SqlRow>(query(sql, values))).rows,
    run: async (sql, values) => (await db.query(query(sql, values))).rowCount ?? 0,
  }
}

/** A statement and its values as `pg` takes them: named (prepared) or not. */
type Query = (sql: string, values: readonly unknown[]) => QueryConfig<SqlValue[]>

/** Unprepared: parsed and planned by the server each time. */
const unnamed: Query = (text, values) => ({ text, values: values as SqlValue[] })

/**
 * Named prepared statements, the name a digest of the text (made once per text: the store's statements
 * are a fixed set), so two stores on one pool (other schemas or prefixes) never share a name.
 */
function preparedQueries(): Query {
  const names = new Map<string, string>()
  return (text, values) => {
    let name = names.get(text)
    if (name === undefined) {
      name = `oauth2_stack_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`
      names.set(text, name)
    }
    return { name, text, values: values as SqlValue[] }
  }
}

/**
 * Statements on a pool passed in, each in a transaction of its own limited to `ms` by `SET LOCAL`
 * (a session-level `statement_timeout` would outlive the statement and cut the host's own queries).
 */
function limitedStatements(pool: Pool, ms: number, named: Query): SqlConnection {
  const once = async <T>(query: (connection: SqlConnection) => Promise<T>): Promise<T> =>
    inTransaction(new PgClient(await pool.connect(), ms, named), query)
  return {
    rows: (sql, values) => once((c) => c.rows(sql, values)),
    run: (sql, values) => once((c) => c.run(sql, values)),
  }
}

/**
 * A checked-out connection whose transactions begin with `statement_timeout` set to `limit` (`none`:
 * lifted; 0: the session's own), its statements sent as `query` makes them (prepared or not). A class,
 * not an object of closures: one is made per transaction.
 */
class PgClient implements PooledClient {
  readonly #connection: PoolClient
  readonly #begin: string
  readonly #query: Query

  constructor(connection: PoolClient, limit: number | 'none', query: Query) {
    this.#connection = connection
    this.#begin = postgresBegin(limit)
    this.#query = query
  }

  async rows(sql: string, values: readonly unknown[]): Promise<SqlRow[]> {
    return (await this.#connection.query<SqlRow>(this.#query(sql, values))).rows
  }

  async run(sql: string, values: readonly unknown[]): Promise<number> {
    return (await this.#connection.query(this.#query(sql, values))).rowCount ?? 0
  }

  async begin(): Promise<void> {
    await this.#connection.query(this.#begin)
  }

  async commit(): Promise<void> {
    await this.#connection.query('COMMIT')
  }

  async rollback(): Promise<void> {
    await this.#connection.query('ROLLBACK')
  }

  release(): void {
    this.#connection.release()
  }

  destroy(): void {
    this.#connection.release(true)
  }
}

function ignore(): void {
  // An idle connection's error: the pool drops the connection, the next query opens a new one.
}

/** `host:port` (or the socket directory) of a connection string or pool options, without credentials. */
function addressOf(connectionString: string | undefined, host: string | undefined, port: number | undefined): string {
  let resolvedHost = host
  let resolvedPort = port === undefined ? undefined : String(port)
  if (connectionString !== undefined) {
    try {
      const url = new URL(connectionString)
      resolvedHost = url.searchParams.get('host') ?? (url.hostname === '' ? undefined : decodeURIComponent(url.hostname))
      resolvedPort = url.port === '' ? undefined : url.port
    } catch {
      // Not a URL (a libpq key=value string): fall back to the environment's defaults.
    }
  }
  resolvedHost ??= process.env['PGHOST'] ?? 'localhost'
  resolvedPort ??= process.env['PGPORT'] ?? '5432'
  return resolvedHost.startsWith('/') ? resolvedHost : `${resolvedHost}:${resolvedPort}`
}
