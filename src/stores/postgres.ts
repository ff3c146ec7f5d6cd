/**
 * A PostgreSQL store for clients, codes and tokens, through `pg` (an optional peer dependency,
 * version 8), shared by every process of a deployment.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * import { PostgresStore } from 'oauth2-stack/store/postgres'
 *
 * const store = new PostgresStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) })
 * await store.migrate() // at start-up or from a deploy script, never at request time
 * const controller = new AuthorizationController({ clientStore: store, tokenStore: store, ... })
 * ```
 *
 * @module
 */
import pg from 'pg'
import type { Pool, PoolClient, QueryResultRow } from 'pg'
import type { AccessToken, AuthorizationCode, Client, RefreshToken } from '../types.ts'
import { createClient, type ClientRegistration } from './memory-client-store.ts'
import { decideRotation } from './family.ts'
import {
  ACCESS_COLUMNS,
  accessFromRow,
  accessValues,
  checkSchemaName,
  checkTablePrefix,
  CLIENT_COLUMNS,
  clientFromRow,
  clientValues,
  CODE_COLUMNS,
  codeFromRow,
  codeValues,
  DEFAULT_TABLE_PREFIX,
  epochSeconds,
  readProperty,
  familiesOf,
  familyExpiry,
  isConsumed,
  newerSchemaError,
  PurgeSchedule,
  REFRESH_COLUMNS,
  refreshFromRow,
  refreshValues,
  REVOKED_FAMILY_SECONDS,
  SCHEMA_VERSION,
  storeFailure,
  successorFromRow,
  type SqlRow,
  type SqlValue,
  type TableName,
  TABLE_NAMES,
  connectWithin,
  versionFromRow,
  withRetries,
} from './sql-common.ts'
import type {
  AccessTokenStore,
  AuthCodeStore,
  ClientStore,
  CodeConsumption,
  RotationOutcome,
  RotationRequest,
} from './types.ts'

const BACKEND = 'PostgreSQL'

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

/** What both a pool and a checked-out client can run. */
interface Queryable {
  query<R extends QueryResultRow>(text: string, values?: SqlValue[]): Promise<{ rows: R[]; rowCount: number | null }>
}

/** SQLSTATEs worth running a transaction again for: serialization failure and deadlock (PostgreSQL's victim). */
const RETRYABLE = new Set(['40001', '40P01'])
const ATTEMPTS = 5

/**
 * Clients, authorization codes and tokens in PostgreSQL, keyed by the SHA-256 hashes the core passes:
 * the database holds no usable code or token.
 *
 * Atomic steps, across every process sharing the database:
 * - `consumeCode` is one `UPDATE … SET consumed = TRUE WHERE … AND NOT consumed RETURNING *`: PostgreSQL
 *   re-checks the condition after a concurrent update commits, so exactly one caller gets the row.
 * - Every write to a token family (`saveToken`, `rotateRefreshToken`, `revokeFamily`) runs in a
 *   transaction that first upserts and so row-locks the family's row in `families`; they serialize per
 *   family, and a revocation can never miss a token saved or rotated beside it. `rotateRefreshToken`
 *   then reads the token `FOR UPDATE` and applies `decideRotation`.
 * - A deadlock victim (for instance against the purge) is run again, up to 5 times.
 *
 * Call {@link PostgresStore.migrate} once at start-up; nothing creates tables implicitly. Failures during
 * a request reject with `StoreUnavailableError` (answered 503).
 */
export class PostgresStore implements ClientStore, AuthCodeStore, AccessTokenStore {
  readonly #pool: Pool
  readonly #ownsPool: boolean
  readonly #address: string
  readonly #schema: string
  readonly #tables: Readonly<Record<TableName, string>>
  readonly #prefix: string
  readonly #clock: () => number
  readonly #connectTimeoutMs: number
  readonly #purge: PurgeSchedule
  readonly #sql: Readonly<Record<string, string>>

  /** Builds the store. Nothing connects until the first call; see {@link PostgresStore.connect}. */
  constructor(options: PostgresStoreOptions) {
    const { pool, connectionString } = options
    if ((pool === undefined) === (connectionString === undefined)) {
      throw new TypeError('PostgresStore: give exactly one of pool or connectionString')
    }
    this.#schema = checkSchemaName(options.schema ?? 'public')
    this.#prefix = checkTablePrefix(options.tablePrefix ?? DEFAULT_TABLE_PREFIX)
    const tables: Partial<Record<TableName, string>> = {}
    for (const name of TABLE_NAMES) tables[name] = `"${this.#schema}"."${this.#prefix}${name}"`
    this.#tables = tables as Record<TableName, string>
    this.#clock = options.clock ?? Date.now
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000
    if (pool !== undefined) {
      this.#pool = pool
      this.#ownsPool = false
      this.#address = addressOf(pool.options.connectionString, pool.options.host, pool.options.port)
    } else {
      const maxConnections = 'maxConnections' in options ? options.maxConnections : undefined
      this.#pool = new pg.Pool({
        connectionString,
        max: maxConnections ?? 10,
        connectionTimeoutMillis: this.#connectTimeoutMs,
      })
      this.#ownsPool = true
      this.#address = addressOf(connectionString, undefined, undefined)
    }
    // pg: an idle client's error is emitted on the pool, and an unhandled 'error' event ends the process.
    // A pool passed in gets the listener only when it has none (the host's own listener wins), and keeps it.
    if (this.#ownsPool || this.#pool.listenerCount('error') === 0) this.#pool.on('error', ignore)
    this.#sql = this.#statements()
    this.#purge = new PurgeSchedule(this.#clock, () => this.purgeExpired())
  }

  /** The pool the store uses. */
  get pool(): Pool {
    return this.#pool
  }

  /** Where the server is, for messages: `host:port` or the socket directory (never a password). */
  get address(): string {
    return this.#address
  }

  /**
   * Resolves once a connection answers. Rejects with an `Error` naming `PostgreSQL at host:port` when the
   * server cannot be reached within `connectTimeoutMs`, so a server can refuse to start without its store.
   */
  async connect(): Promise<void> {
    const client = await connectWithin(() => this.#pool.connect(), this.#connectTimeoutMs, BACKEND, this.#address)
    client.release()
  }

  /**
   * Creates or upgrades the schema and tables in one transaction, under an advisory lock so that
   * processes starting together migrate once, recording the version applied in `schema_migrations`.
   * Idempotent; run it at start-up (or from a deploy script), never per request.
   */
  async migrate(): Promise<void> {
    const client = await connectWithin(() => this.#pool.connect(), this.#connectTimeoutMs, BACKEND, this.#address)
    const t = this.#tables
    try {
      await client.query('BEGIN')
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`oauth2-stack:${this.#schema}.${this.#prefix}`])
      // Only when missing: CREATE SCHEMA needs the CREATE privilege on the database even with IF NOT EXISTS.
      const schemas = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.#schema])
      if (schemas.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.#schema}"`)
      await client.query(`CREATE TABLE IF NOT EXISTS ${t.schema_migrations} (
        version INTEGER PRIMARY KEY,
        applied_at BIGINT NOT NULL
      )`)
      const current = await client.query<SqlRow>(`SELECT MAX(version) AS version FROM ${t.schema_migrations}`)
      const applied = versionFromRow(current.rows[0])
      if (applied > SCHEMA_VERSION) throw newerSchemaError(BACKEND, applied)
      for (const migration of this.#migrations()) {
        if (migration.version <= applied) continue
        for (const statement of migration.statements) await client.query(statement)
        await client.query(`INSERT INTO ${t.schema_migrations} (version, applied_at) VALUES ($1, $2)`, [
          migration.version,
          epochSeconds(this.#clock),
        ])
      }
      await client.query('COMMIT')
      client.release()
    } catch (error) {
      await client.query('ROLLBACK').then(
        () => client.release(),
        () => client.release(true),
      )
      throw error
    }
  }

  /**
   * Deletes expired codes, tokens, families and `uniqueToken` entries; resolves how many rows went. Also
   * run in the background after a write, at most once a minute.
   */
  async purgeExpired(): Promise<number> {
    return this.#run('purgeExpired', async () => {
      const now = this.#now()
      const t = this.#tables
      let deleted = 0
      for (const table of [t.codes, t.access_tokens, t.refresh_tokens, t.families, t.unique_tokens]) {
        deleted += (await this.#pool.query(`DELETE FROM ${table} WHERE expires_at <= $1`, [now])).rowCount ?? 0
      }
      return deleted
    })
  }

  /** Ends the pool if the store made it (after any running purge); a pool passed in is left to its owner. */
  async close(): Promise<void> {
    await this.#purge.settle()
    if (this.#ownsPool && !this.#pool.ended) await this.#pool.end()
  }

  // ---- ClientStore ------------------------------------------------------------------------------------

  /** Registers (or replaces) a client, validated and its secret hashed by `createClient`. */
  async addClient(registration: ClientRegistration): Promise<Client> {
    const client = await createClient(registration)
    return this.#run('addClient', async () => {
      await this.#pool.query(this.#text('upsertClient'), clientValues(client))
      return client
    })
  }

  /** Removes a client; resolves whether it existed. */
  async removeClient(clientId: string): Promise<boolean> {
    return this.#run('removeClient', async () => {
      const result = await this.#pool.query(`DELETE FROM ${this.#tables.clients} WHERE client_id = $1`, [clientId])
      return (result.rowCount ?? 0) > 0
    })
  }

  /** Every registered client, ordered by `client_id` (bytewise). */
  async listClients(): Promise<Client[]> {
    return this.#run('listClients', async () => {
      const result = await this.#pool.query<SqlRow>(`SELECT * FROM ${this.#tables.clients} ORDER BY client_id COLLATE "C"`)
      return result.rows.map(clientFromRow)
    })
  }

  async fetchByClientId(clientId: string): Promise<Client | undefined> {
    return this.#run('fetchByClientId', async () => {
      const row = await first(this.#pool, `SELECT * FROM ${this.#tables.clients} WHERE client_id = $1`, [clientId])
      return row === undefined ? undefined : clientFromRow(row)
    })
  }

  // ---- AuthCodeStore ----------------------------------------------------------------------------------

  async saveCode(code: AuthorizationCode): Promise<void> {
    await this.#run('saveCode', async () => {
      await this.#pool.query(this.#text('insertCode'), codeValues(code))
    })
    this.#purge.poke()
  }

  async fetchByCode(codeHash: string): Promise<AuthorizationCode | undefined> {
    return this.#run('fetchByCode', async () => {
      const row = await first(
        this.#pool,
        `SELECT * FROM ${this.#tables.codes} WHERE code_hash = $1 AND NOT consumed AND expires_at > $2`,
        [codeHash, this.#now()],
      )
      return row === undefined ? undefined : codeFromRow(row)
    })
  }

  /** RFC 6749 section 4.1.2 (single use): one conditional `UPDATE … WHERE NOT consumed RETURNING *`. */
  async consumeCode(codeHash: string, now: number): Promise<CodeConsumption | undefined> {
    return this.#run('consumeCode', async () => {
      const t = this.#tables
      const won = await first(
        this.#pool,
        `UPDATE ${t.codes} SET consumed = TRUE WHERE code_hash = $1 AND NOT consumed AND expires_at > $2 RETURNING *`,
        [codeHash, now],
      )
      if (won !== undefined) return { outcome: 'consumed', code: codeFromRow(won) }
      const row = await first(this.#pool, `SELECT * FROM ${t.codes} WHERE code_hash = $1 AND expires_at > $2`, [codeHash, now])
      return row === undefined || !isConsumed(row) ? undefined : { outcome: 'reused', code: codeFromRow(row) }
    })
  }

  // ---- AccessTokenStore -------------------------------------------------------------------------------

  /** Saves the pair in one transaction holding the family's lock; resolves `false` into a revoked family. */
  async saveToken(accessToken: AccessToken, refreshToken?: RefreshToken): Promise<boolean> {
    if (refreshToken === undefined && accessToken.familyId === undefined && accessToken.uniqueKey === undefined) {
      // No family to check and one row (client_credentials): no transaction needed.
      await this.#run('saveToken', () => this.#pool.query(this.#text('insertAccess'), accessValues(accessToken)))
      this.#purge.poke()
      return true
    }
    const saved = await this.#run('saveToken', () =>
      this.#transaction(async (client) => {
        const expiresAt = familyExpiry(accessToken, refreshToken)
        for (const familyId of familiesOf(accessToken, refreshToken)) {
          if (await this.#lockFamily(client, familyId, expiresAt)) return false
        }
        await this.#insertAccess(client, accessToken)
        if (refreshToken !== undefined) await client.query(this.#text('insertRefresh'), refreshValues(refreshToken))
        return true
      }),
    )
    this.#purge.poke()
    return saved
  }

  async fetchByToken(tokenHash: string): Promise<AccessToken | undefined> {
    return this.#run('fetchByToken', async () => {
      const row = await first(this.#pool, `SELECT * FROM ${this.#tables.access_tokens} WHERE token_hash = $1 AND expires_at > $2`, [
        tokenHash,
        this.#now(),
      ])
      return row === undefined ? undefined : accessFromRow(row)
    })
  }

  async fetchByRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    return this.#run('fetchByRefreshToken', async () => {
      const row = await first(this.#pool, `SELECT * FROM ${this.#tables.refresh_tokens} WHERE token_hash = $1 AND expires_at > $2`, [
        tokenHash,
        this.#now(),
      ])
      return row === undefined ? undefined : refreshFromRow(row)
    })
  }

  /**
   * RFC 9700 section 4.14.2, in one transaction: lock the family's row, read the presented token
   * `FOR UPDATE` with its successor, decide with `decideRotation`, and apply the outcome.
   */
  async rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome> {
    const outcome = await this.#run('rotateRefreshToken', () =>
      this.#transaction(async (client): Promise<RotationOutcome> => {
        const t = this.#tables
        // Lock the family first (every family write does), found through the presented token.
        const family = await first(client, this.#text('lockFamilyOfToken'), [
          request.presentedHash,
          familyExpiry(request.accessToken, request.refreshToken),
        ])
        if (family === undefined) return 'invalid'
        const row = await first(client, this.#text('selectForRotation'), [request.presentedHash])
        if (row === undefined) return 'invalid'
        const current = refreshFromRow(row)
        const successor = successorFromRow(row)
        const decided = decideRotation(current, request, successor.rotated)
        if (decided === 'invalid') return decided
        if (decided === 'reused') {
          await this.#revoke(client, current.familyId)
          return decided
        }
        if (family['revoked'] === true) return 'invalid'
        if (decided === 'grace' && successor.exists && current.successorHash !== undefined) {
          // The successor the client lost stays as a rotated-out tombstone: presenting it later is reuse
          // (RFC 9700 section 4.14.2). The access token issued with it is deleted.
          await client.query(`UPDATE ${t.refresh_tokens} SET rotated_at = $2, grace_used = TRUE WHERE token_hash = $1`, [
            current.successorHash,
            request.now,
          ])
          if (successor.accessTokenHash !== undefined) {
            await client.query(`DELETE FROM ${t.access_tokens} WHERE token_hash = $1`, [successor.accessTokenHash])
          }
        }
        await client.query(
          `UPDATE ${t.refresh_tokens} SET rotated_at = COALESCE(rotated_at, $2), grace_used = $3, successor_hash = $4
           WHERE token_hash = $1`,
          [current.tokenHash, request.now, decided === 'grace' ? 1 : 0, request.refreshToken.tokenHash],
        )
        await this.#insertAccess(client, request.accessToken)
        await client.query(this.#text('insertRefresh'), refreshValues(request.refreshToken))
        return decided
      }),
    )
    this.#purge.poke()
    return outcome
  }

  /** Deletes the family's tokens and remembers it as revoked for a day, in one transaction holding its lock. */
  async revokeFamily(familyId: string): Promise<void> {
    await this.#run('revokeFamily', () => this.#transaction((client) => this.#revoke(client, familyId)))
    this.#purge.poke()
  }

  /** Deletes one access token (RFC 7009); nothing happens when it is unknown. */
  async revokeAccessToken(tokenHash: string): Promise<void> {
    await this.#run('revokeAccessToken', async () => {
      await this.#pool.query(`DELETE FROM ${this.#tables.access_tokens} WHERE token_hash = $1`, [tokenHash])
    })
  }

  async fetchExistingToken(uniqueKey: string): Promise<AccessToken | undefined> {
    return this.#run('fetchExistingToken', async () => {
      const row = await first(
        this.#pool,
        `SELECT a.* FROM ${this.#tables.unique_tokens} u JOIN ${this.#tables.access_tokens} a ON a.token_hash = u.token_hash
         WHERE u.unique_key = $1 AND a.expires_at > $2`,
        [uniqueKey, this.#now()],
      )
      return row === undefined ? undefined : accessFromRow(row)
    })
  }

  // ---- internals --------------------------------------------------------------------------------------

  #now(): number {
    return epochSeconds(this.#clock)
  }

  async #run<T>(operation: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body()
    } catch (error) {
      throw storeFailure(BACKEND, operation, error, isMissingTable)
    }
  }

  #text(name: string): string {
    const text = this.#sql[name]
    if (text === undefined) throw new Error(`no statement ${name}`)
    return text
  }

  /** Runs `body` in a transaction on one connection; a deadlock victim is run again. */
  async #transaction<T>(body: (client: PoolClient) => Promise<T>): Promise<T> {
    return withRetries(ATTEMPTS, isRetryable, async () => {
      const client = await this.#pool.connect()
      try {
        await client.query('BEGIN')
        const result = await body(client)
        await client.query('COMMIT')
        client.release()
        return result
      } catch (error) {
        await client.query('ROLLBACK').then(
          () => client.release(),
          () => client.release(true),
        )
        throw error
      }
    })
  }

  /** Creates or extends the family's row, locking it until the transaction ends; returns whether it is revoked. */
  async #lockFamily(client: PoolClient, familyId: string, expiresAt: number): Promise<boolean> {
    const row = await first(client, this.#text('lockFamily'), [familyId, expiresAt])
    return row?.['revoked'] === true
  }

  async #revoke(client: PoolClient, familyId: string): Promise<void> {
    const t = this.#tables
    await client.query(this.#text('revokeFamily'), [familyId, this.#now() + REVOKED_FAMILY_SECONDS])
    await client.query(`DELETE FROM ${t.access_tokens} WHERE family_id = $1`, [familyId])
    await client.query(`DELETE FROM ${t.refresh_tokens} WHERE family_id = $1`, [familyId])
  }

  async #insertAccess(client: PoolClient, token: AccessToken): Promise<void> {
    await client.query(this.#text('insertAccess'), accessValues(token))
    if (token.uniqueKey !== undefined) {
      await client.query(this.#text('upsertUnique'), [token.uniqueKey, token.tokenHash, token.expiresAt])
    }
  }

  /** The statements built once, at construction. */
  #statements(): Record<string, string> {
    const t = this.#tables
    const insert = (table: string, columns: readonly string[]): string =>
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`
    // A family's row: created or extended (never past revocation), and locked until the transaction ends.
    const lockFamily = `ON CONFLICT (family_id) DO UPDATE SET
        expires_at = CASE WHEN f.revoked THEN f.expires_at ELSE GREATEST(f.expires_at, EXCLUDED.expires_at) END
      RETURNING f.family_id, f.revoked`
    return {
      upsertClient: `${insert(t.clients, CLIENT_COLUMNS)}
        ON CONFLICT (client_id) DO UPDATE SET ${CLIENT_COLUMNS.slice(1)
          .map((column) => `${column} = EXCLUDED.${column}`)
          .join(', ')}`,
      insertCode: insert(t.codes, CODE_COLUMNS),
      insertAccess: insert(t.access_tokens, ACCESS_COLUMNS),
      insertRefresh: insert(t.refresh_tokens, REFRESH_COLUMNS),
      upsertUnique: `INSERT INTO ${t.unique_tokens} (unique_key, token_hash, expires_at) VALUES ($1, $2, $3)
        ON CONFLICT (unique_key) DO UPDATE SET token_hash = EXCLUDED.token_hash, expires_at = EXCLUDED.expires_at`,
      lockFamily: `INSERT INTO ${t.families} AS f (family_id, revoked, expires_at) VALUES ($1, FALSE, $2) ${lockFamily}`,
      lockFamilyOfToken: `INSERT INTO ${t.families} AS f (family_id, revoked, expires_at)
        SELECT family_id, FALSE, GREATEST(expires_at, $2) FROM ${t.refresh_tokens} WHERE token_hash = $1 ${lockFamily}`,
      revokeFamily: `INSERT INTO ${t.families} AS f (family_id, revoked, expires_at) VALUES ($1, TRUE, $2)
        ON CONFLICT (family_id) DO UPDATE SET
          expires_at = CASE WHEN f.revoked THEN f.expires_at ELSE EXCLUDED.expires_at END, revoked = TRUE`,
      selectForRotation: `SELECT r.*, s.token_hash AS successor_token_hash, s.rotated_at AS successor_rotated_at,
          s.access_token_hash AS successor_access_token_hash
        FROM ${t.refresh_tokens} r LEFT JOIN ${t.refresh_tokens} s ON s.token_hash = r.successor_hash
        WHERE r.token_hash = $1 FOR UPDATE OF r`,
    }
  }

  #migrations(): { readonly version: number; readonly statements: readonly string[] }[] {
    const t = this.#tables
    const index = (table: TableName, column: string): string =>
      `CREATE INDEX IF NOT EXISTS "${this.#prefix}${table}_${column}" ON ${t[table]} (${column})`
    return [
      {
        version: 1,
        statements: [
          `CREATE TABLE IF NOT EXISTS ${t.clients} (
            client_id TEXT PRIMARY KEY,
            client_secret_hash TEXT,
            redirect_uris TEXT NOT NULL,
            grant_types TEXT NOT NULL,
            response_types TEXT NOT NULL,
            token_endpoint_auth_methods TEXT NOT NULL,
            scopes TEXT,
            require_pkce BOOLEAN NOT NULL,
            name TEXT
          )`,
          `CREATE TABLE IF NOT EXISTS ${t.codes} (
            code_hash TEXT PRIMARY KEY,
            client_id TEXT NOT NULL,
            redirect_uri TEXT,
            effective_redirect_uri TEXT NOT NULL,
            scopes TEXT NOT NULL,
            user_id TEXT NOT NULL,
            data TEXT NOT NULL,
            code_challenge TEXT,
            code_challenge_method TEXT,
            family_id TEXT NOT NULL,
            issued_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            consumed BOOLEAN NOT NULL DEFAULT FALSE
          )`,
          index('codes', 'expires_at'),
          `CREATE TABLE IF NOT EXISTS ${t.access_tokens} (
            token_hash TEXT PRIMARY KEY,
            client_id TEXT NOT NULL,
            grant_type TEXT NOT NULL,
            user_id TEXT,
            data TEXT NOT NULL,
            scopes TEXT NOT NULL,
            family_id TEXT,
            issued_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            sealed TEXT,
            unique_key TEXT,
            refresh_token_hash TEXT
          )`,
          index('access_tokens', 'family_id'),
          index('access_tokens', 'expires_at'),
          `CREATE TABLE IF NOT EXISTS ${t.refresh_tokens} (
            token_hash TEXT PRIMARY KEY,
            client_id TEXT NOT NULL,
            user_id TEXT,
            data TEXT NOT NULL,
            scopes TEXT NOT NULL,
            family_id TEXT NOT NULL,
            issued_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            rotated_at BIGINT,
            grace_used BOOLEAN NOT NULL DEFAULT FALSE,
            successor_hash TEXT,
            access_token_hash TEXT
          )`,
          index('refresh_tokens', 'family_id'),
          index('refresh_tokens', 'expires_at'),
          `CREATE TABLE IF NOT EXISTS ${t.families} (
            family_id TEXT PRIMARY KEY,
            revoked BOOLEAN NOT NULL DEFAULT FALSE,
            expires_at BIGINT NOT NULL
          )`,
          index('families', 'expires_at'),
          `CREATE TABLE IF NOT EXISTS ${t.unique_tokens} (
            unique_key TEXT PRIMARY KEY,
            token_hash TEXT NOT NULL,
            expires_at BIGINT NOT NULL
          )`,
          index('unique_tokens', 'expires_at'),
        ],
      },
    ]
  }
}

async function first(queryable: Queryable, text: string, values: SqlValue[]): Promise<SqlRow | undefined> {
  const result = await queryable.query<SqlRow>(text, values)
  return result.rows[0]
}

function ignore(): void {
  // An idle connection's error: the pool drops the connection, the next query opens a new one.
}

function isRetryable(error: unknown): boolean {
  const code = readProperty(error, 'code')
  return typeof code === 'string' && RETRYABLE.has(code)
}

function isMissingTable(error: unknown): boolean {
  const code = readProperty(error, 'code')
  // 42P01 undefined_table, 3F000 invalid_schema_name.
  return code === '42P01' || code === '3F000'
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
