/**
 * The embedded SQL store: clients, codes and tokens in one SQLite file, through `better-sqlite3` (an
 * optional peer dependency, version 12).
 *
 * @example
 * ```ts
 * import { SqliteStore } from 'oauth2-stack/store/sqlite'
 *
 * const store = new SqliteStore({ path: './oauth2.db' })
 * await store.migrate() // at start-up, never at request time
 * const controller = new AuthorizationController({ clientStore: store, tokenStore: store, ... })
 * ```
 *
 * @module
 */
import Database from 'better-sqlite3'
import type { AccessToken, AuthorizationCode, Client, RefreshToken } from '../types.ts'
import { createClient, type ClientRegistration } from './memory-client-store.ts'
import { decideRotation } from './family.ts'
import {
  ACCESS_COLUMNS,
  accessFromRow,
  accessValues,
  CLIENT_COLUMNS,
  clientFromRow,
  clientValues,
  checkTablePrefix,
  CODE_COLUMNS,
  codeFromRow,
  codeValues,
  DEFAULT_TABLE_PREFIX,
  describeError,
  epochSeconds,
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
  versionFromRow,
} from './sql-common.ts'
import type {
  AccessTokenStore,
  AuthCodeStore,
  ClientStore,
  CodeConsumption,
  RotationOutcome,
  RotationRequest,
} from './types.ts'

const BACKEND = 'SQLite'

/** Options of {@link SqliteStore}: give `path` or `database`. */
export interface SqliteStoreOptions {
  /**
   * The database file, created if missing (its directory must exist); `':memory:'` for a private
   * in-memory database. The store opens it (in WAL mode) and `close()` closes it.
   */
  readonly path?: string
  /** An already open `better-sqlite3` database. The store leaves its settings alone and never closes it. */
  readonly database?: Database.Database
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

type Statement = Database.Statement<SqlValue[], SqlRow>

/**
 * Clients, authorization codes and tokens in SQLite (`better-sqlite3`), keyed by the SHA-256 hashes the
 * core passes: the file holds no usable code or token.
 *
 * `better-sqlite3` is synchronous, so every method runs to completion without yielding: consuming a
 * code and rotating a refresh token are atomic within the process by construction, and across
 * processes sharing the file because each write runs in a `BEGIN IMMEDIATE` transaction (SQLite's
 * single writer lock). Call {@link SqliteStore.migrate} once at start-up; nothing creates tables
 * implicitly.
 */
export class SqliteStore implements ClientStore, AuthCodeStore, AccessTokenStore {
  readonly #db: Database.Database
  readonly #ownsDatabase: boolean
  readonly #address: string
  readonly #clock: () => number
  readonly #tables: Readonly<Record<TableName, string>>
  readonly #statements = new Map<string, Statement>()
  readonly #purge: PurgeSchedule

  /**
   * Opens the store. With `path`, opens (or creates) the file and throws an `Error` naming it when that
   * fails; with `database`, uses the open database as it is.
   */
  constructor(options: SqliteStoreOptions) {
    const { path, database } = options
    if ((path === undefined) === (database === undefined)) {
      throw new TypeError('SqliteStore: give exactly one of path or database')
    }
    const prefix = checkTablePrefix(options.tablePrefix ?? DEFAULT_TABLE_PREFIX)
    this.#tables = {
      clients: quote(`${prefix}clients`),
      codes: quote(`${prefix}codes`),
      access_tokens: quote(`${prefix}access_tokens`),
      refresh_tokens: quote(`${prefix}refresh_tokens`),
      families: quote(`${prefix}families`),
      unique_tokens: quote(`${prefix}unique_tokens`),
      schema_migrations: quote(`${prefix}schema_migrations`),
    }
    this.#clock = options.clock ?? Date.now
    if (database !== undefined) {
      this.#db = database
      this.#ownsDatabase = false
      this.#address = database.name
    } else {
      const file = path ?? ''
      this.#address = file
      try {
        this.#db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 })
        // WAL: readers never wait for the writer, and other processes can share the file.
        if (!this.#db.memory) this.#db.pragma('journal_mode = WAL')
      } catch (error) {
        throw new Error(`${BACKEND} database at ${file} cannot be opened: ${describeError(error)}`, { cause: error })
      }
      this.#ownsDatabase = true
    }
    this.#purge = new PurgeSchedule(this.#clock, () => this.purgeExpired())
  }

  /** The open `better-sqlite3` database (for the host's own queries and backups). */
  get database(): Database.Database {
    return this.#db
  }

  /** Checks that the database answers; rejects with an `Error` naming the file otherwise. */
  async connect(): Promise<void> {
    try {
      this.#db.prepare('SELECT 1').get()
    } catch (error) {
      throw new Error(`${BACKEND} database at ${this.#address} is unreachable: ${describeError(error)}`, { cause: error })
    }
  }

  /**
   * Creates or upgrades the tables, in one transaction, recording the version applied in
   * `schema_migrations`. Idempotent; run it at start-up (or from a deploy script), never per request.
   */
  async migrate(): Promise<void> {
    await this.connect()
    const t = this.#tables
    this.#db
      .transaction(() => {
        this.#db.exec(`CREATE TABLE IF NOT EXISTS ${t.schema_migrations} (
          version INTEGER PRIMARY KEY NOT NULL,
          applied_at INTEGER NOT NULL
        ) STRICT`)
        const applied = versionFromRow(this.#db.prepare<[], SqlRow>(`SELECT MAX(version) AS version FROM ${t.schema_migrations}`).get())
        if (applied > SCHEMA_VERSION) throw newerSchemaError(BACKEND, applied)
        for (const migration of this.#migrations()) {
          if (migration.version <= applied) continue
          for (const statement of migration.statements) this.#db.exec(statement)
          this.#db
            .prepare(`INSERT INTO ${t.schema_migrations} (version, applied_at) VALUES (?, ?)`)
            .run(migration.version, epochSeconds(this.#clock))
        }
      })
      .immediate()
    this.#statements.clear()
  }

  /**
   * Deletes expired codes, tokens, families and `uniqueToken` entries; resolves how many rows went. Also
   * run in the background after a write, at most once a minute.
   */
  async purgeExpired(): Promise<number> {
    return this.#run('purgeExpired', () => {
      const now = this.#now()
      const t = this.#tables
      let deleted = 0
      for (const table of [t.codes, t.access_tokens, t.refresh_tokens, t.families, t.unique_tokens]) {
        deleted += this.#statement(`DELETE FROM ${table} WHERE expires_at <= ?`).run(now).changes
      }
      return deleted
    })
  }

  /** Closes the database if the store opened it (after any running purge). */
  async close(): Promise<void> {
    await this.#purge.settle()
    if (this.#ownsDatabase && this.#db.open) this.#db.close()
  }

  // ---- ClientStore ------------------------------------------------------------------------------------

  /** Registers (or replaces) a client, validated and its secret hashed by `createClient`. */
  async addClient(registration: ClientRegistration): Promise<Client> {
    const client = await createClient(registration)
    return this.#run('addClient', () => {
      const columns = CLIENT_COLUMNS.join(', ')
      const updates = CLIENT_COLUMNS.slice(1).map((column) => `${column} = excluded.${column}`).join(', ')
      this.#statement(
        `INSERT INTO ${this.#tables.clients} (${columns}) VALUES (${marks(CLIENT_COLUMNS.length)})
         ON CONFLICT (client_id) DO UPDATE SET ${updates}`,
      ).run(...clientValues(client))
      return client
    })
  }

  /** Removes a client; resolves whether it existed. */
  async removeClient(clientId: string): Promise<boolean> {
    return this.#run('removeClient', () => {
      return this.#statement(`DELETE FROM ${this.#tables.clients} WHERE client_id = ?`).run(clientId).changes > 0
    })
  }

  /** Every registered client, ordered by `client_id`. */
  async listClients(): Promise<Client[]> {
    return this.#run('listClients', () => {
      return this.#statement(`SELECT * FROM ${this.#tables.clients} ORDER BY client_id`).all().map(clientFromRow)
    })
  }

  async fetchByClientId(clientId: string): Promise<Client | undefined> {
    return this.#run('fetchByClientId', () => {
      const row = this.#statement(`SELECT * FROM ${this.#tables.clients} WHERE client_id = ?`).get(clientId)
      return row === undefined ? undefined : clientFromRow(row)
    })
  }

  // ---- AuthCodeStore ----------------------------------------------------------------------------------

  async saveCode(code: AuthorizationCode): Promise<void> {
    this.#run('saveCode', () => {
      this.#statement(`INSERT INTO ${this.#tables.codes} (${CODE_COLUMNS.join(', ')}) VALUES (${marks(CODE_COLUMNS.length)})`).run(
        ...codeValues(code),
      )
    })
    this.#purge.poke()
  }

  async fetchByCode(codeHash: string): Promise<AuthorizationCode | undefined> {
    return this.#run('fetchByCode', () => {
      const row = this.#statement(
        `SELECT * FROM ${this.#tables.codes} WHERE code_hash = ? AND consumed = 0 AND expires_at > ?`,
      ).get(codeHash, this.#now())
      return row === undefined ? undefined : codeFromRow(row)
    })
  }

  /** RFC 6749 section 4.1.2 (single use): one conditional `UPDATE … WHERE consumed = 0 RETURNING *`. */
  async consumeCode(codeHash: string, now: number): Promise<CodeConsumption | undefined> {
    return this.#run('consumeCode', () => {
      const won = this.#statement(
        `UPDATE ${this.#tables.codes} SET consumed = 1 WHERE code_hash = ? AND consumed = 0 AND expires_at > ? RETURNING *`,
      ).get(codeHash, now)
      if (won !== undefined) return { outcome: 'consumed', code: codeFromRow(won) }
      const row = this.#statement(`SELECT * FROM ${this.#tables.codes} WHERE code_hash = ? AND expires_at > ?`).get(codeHash, now)
      return row === undefined || !isConsumed(row) ? undefined : { outcome: 'reused', code: codeFromRow(row) }
    })
  }

  // ---- AccessTokenStore -------------------------------------------------------------------------------

  /** Saves the pair in one transaction; resolves `false` and saves nothing into a revoked family. */
  async saveToken(accessToken: AccessToken, refreshToken?: RefreshToken): Promise<boolean> {
    const saved = this.#run('saveToken', () =>
      this.#db
        .transaction(() => {
          const expiresAt = familyExpiry(accessToken, refreshToken)
          for (const familyId of familiesOf(accessToken, refreshToken)) {
            if (this.#lockFamily(familyId, expiresAt)) return false
          }
          this.#insertAccess(accessToken)
          if (refreshToken !== undefined) this.#insertRefresh(refreshToken)
          return true
        })
        .immediate(),
    )
    this.#purge.poke()
    return saved
  }

  async fetchByToken(tokenHash: string): Promise<AccessToken | undefined> {
    return this.#run('fetchByToken', () => {
      const row = this.#statement(`SELECT * FROM ${this.#tables.access_tokens} WHERE token_hash = ? AND expires_at > ?`).get(
        tokenHash,
        this.#now(),
      )
      return row === undefined ? undefined : accessFromRow(row)
    })
  }

  async fetchByRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    return this.#run('fetchByRefreshToken', () => {
      const row = this.#statement(`SELECT * FROM ${this.#tables.refresh_tokens} WHERE token_hash = ? AND expires_at > ?`).get(
        tokenHash,
        this.#now(),
      )
      return row === undefined ? undefined : refreshFromRow(row)
    })
  }

  /**
   * RFC 9700 section 4.14.2: decides with `decideRotation` and applies the outcome in one `BEGIN
   * IMMEDIATE` transaction, so no other writer (thread or process) sees a half-rotated family.
   */
  async rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome> {
    const t = this.#tables
    const outcome = this.#run('rotateRefreshToken', () =>
      this.#db
        .transaction((): RotationOutcome => {
          const row = this.#statement(
            `SELECT r.*, s.token_hash AS successor_token_hash, s.rotated_at AS successor_rotated_at,
                    s.access_token_hash AS successor_access_token_hash, f.revoked AS family_revoked
             FROM ${t.refresh_tokens} r
             LEFT JOIN ${t.refresh_tokens} s ON s.token_hash = r.successor_hash
             LEFT JOIN ${t.families} f ON f.family_id = r.family_id
             WHERE r.token_hash = ?`,
          ).get(request.presentedHash)
          if (row === undefined) return 'invalid'
          const current = refreshFromRow(row)
          const successor = successorFromRow(row)
          const decided = decideRotation(current, request, successor.rotated)
          if (decided === 'invalid') return decided
          if (decided === 'reused') {
            this.#revoke(current.familyId)
            return decided
          }
          if (row['family_revoked'] === 1) return 'invalid'
          this.#lockFamily(current.familyId, familyExpiry(request.accessToken, request.refreshToken))
          if (decided === 'grace' && successor.exists && current.successorHash !== undefined) {
            // The successor the client lost stays as a rotated-out tombstone: presenting it later is reuse
            // (RFC 9700 section 4.14.2). The access token issued with it is deleted.
            this.#statement(`UPDATE ${t.refresh_tokens} SET rotated_at = ?, grace_used = 1 WHERE token_hash = ?`).run(
              request.now,
              current.successorHash,
            )
            if (successor.accessTokenHash !== undefined) {
              this.#statement(`DELETE FROM ${t.access_tokens} WHERE token_hash = ?`).run(successor.accessTokenHash)
            }
          }
          this.#statement(
            `UPDATE ${t.refresh_tokens} SET rotated_at = COALESCE(rotated_at, ?), grace_used = ?, successor_hash = ?
             WHERE token_hash = ?`,
          ).run(request.now, decided === 'grace' ? 1 : 0, request.refreshToken.tokenHash, current.tokenHash)
          this.#insertAccess(request.accessToken)
          this.#insertRefresh(request.refreshToken)
          return decided
        })
        .immediate(),
    )
    this.#purge.poke()
    return outcome
  }

  /** Deletes the family's tokens and remembers it as revoked for a day, in one transaction. */
  async revokeFamily(familyId: string): Promise<void> {
    this.#run('revokeFamily', () => this.#db.transaction(() => this.#revoke(familyId)).immediate())
    this.#purge.poke()
  }

  /** Deletes one access token (RFC 7009); nothing happens when it is unknown. */
  async revokeAccessToken(tokenHash: string): Promise<void> {
    this.#run('revokeAccessToken', () => {
      this.#statement(`DELETE FROM ${this.#tables.access_tokens} WHERE token_hash = ?`).run(tokenHash)
    })
  }

  async fetchExistingToken(uniqueKey: string): Promise<AccessToken | undefined> {
    return this.#run('fetchExistingToken', () => {
      const row = this.#statement(
        `SELECT a.* FROM ${this.#tables.unique_tokens} u JOIN ${this.#tables.access_tokens} a ON a.token_hash = u.token_hash
         WHERE u.unique_key = ? AND a.expires_at > ?`,
      ).get(uniqueKey, this.#now())
      return row === undefined ? undefined : accessFromRow(row)
    })
  }

  // ---- internals --------------------------------------------------------------------------------------

  #now(): number {
    return epochSeconds(this.#clock)
  }

  #run<T>(operation: string, body: () => T): T {
    try {
      return body()
    } catch (error) {
      throw storeFailure(BACKEND, operation, error, isMissingTable)
    }
  }

  /** A prepared statement, prepared once (after `migrate()`, since preparing needs the tables). */
  #statement(sql: string): Statement {
    let statement = this.#statements.get(sql)
    if (statement === undefined) {
      statement = this.#db.prepare<SqlValue[], SqlRow>(sql)
      this.#statements.set(sql, statement)
    }
    return statement
  }

  /** Creates or extends the family's row; returns whether the family is revoked. */
  #lockFamily(familyId: string, expiresAt: number): boolean {
    const row = this.#statement(
      `INSERT INTO ${this.#tables.families} (family_id, revoked, expires_at) VALUES (?, 0, ?)
       ON CONFLICT (family_id) DO UPDATE SET
         expires_at = CASE WHEN revoked = 1 THEN expires_at ELSE MAX(expires_at, excluded.expires_at) END
       RETURNING revoked`,
    ).get(familyId, expiresAt)
    return row?.['revoked'] === 1
  }

  #revoke(familyId: string): void {
    const t = this.#tables
    this.#statement(
      `INSERT INTO ${t.families} (family_id, revoked, expires_at) VALUES (?, 1, ?)
       ON CONFLICT (family_id) DO UPDATE SET
         expires_at = CASE WHEN revoked = 1 THEN expires_at ELSE excluded.expires_at END, revoked = 1`,
    ).run(familyId, this.#now() + REVOKED_FAMILY_SECONDS)
    this.#statement(`DELETE FROM ${t.access_tokens} WHERE family_id = ?`).run(familyId)
    this.#statement(`DELETE FROM ${t.refresh_tokens} WHERE family_id = ?`).run(familyId)
  }

  #insertAccess(token: AccessToken): void {
    const t = this.#tables
    this.#statement(`INSERT INTO ${t.access_tokens} (${ACCESS_COLUMNS.join(', ')}) VALUES (${marks(ACCESS_COLUMNS.length)})`).run(
      ...accessValues(token),
    )
    if (token.uniqueKey !== undefined) {
      this.#statement(
        `INSERT INTO ${t.unique_tokens} (unique_key, token_hash, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (unique_key) DO UPDATE SET token_hash = excluded.token_hash, expires_at = excluded.expires_at`,
      ).run(token.uniqueKey, token.tokenHash, token.expiresAt)
    }
  }

  #insertRefresh(token: RefreshToken): void {
    this.#statement(
      `INSERT INTO ${this.#tables.refresh_tokens} (${REFRESH_COLUMNS.join(', ')}) VALUES (${marks(REFRESH_COLUMNS.length)})`,
    ).run(...refreshValues(token))
  }

  #migrations(): { readonly version: number; readonly statements: readonly string[] }[] {
    const t = this.#tables
    const index = (table: string, column: string): string =>
      `CREATE INDEX IF NOT EXISTS ${quote(`${unquote(table)}_${column}`)} ON ${table} (${column})`
    return [
      {
        version: 1,
        statements: [
          `CREATE TABLE IF NOT EXISTS ${t.clients} (
            client_id TEXT PRIMARY KEY NOT NULL,
            client_secret_hash TEXT,
            redirect_uris TEXT NOT NULL,
            grant_types TEXT NOT NULL,
            response_types TEXT NOT NULL,
            token_endpoint_auth_methods TEXT NOT NULL,
            scopes TEXT,
            require_pkce INTEGER NOT NULL,
            name TEXT
          ) STRICT`,
          `CREATE TABLE IF NOT EXISTS ${t.codes} (
            code_hash TEXT PRIMARY KEY NOT NULL,
            client_id TEXT NOT NULL,
            redirect_uri TEXT,
            effective_redirect_uri TEXT NOT NULL,
            scopes TEXT NOT NULL,
            user_id TEXT NOT NULL,
            data TEXT NOT NULL,
            code_challenge TEXT,
            code_challenge_method TEXT,
            family_id TEXT NOT NULL,
            issued_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            consumed INTEGER NOT NULL DEFAULT 0
          ) STRICT`,
          index(t.codes, 'expires_at'),
          `CREATE TABLE IF NOT EXISTS ${t.access_tokens} (
            token_hash TEXT PRIMARY KEY NOT NULL,
            client_id TEXT NOT NULL,
            grant_type TEXT NOT NULL,
            user_id TEXT,
            data TEXT NOT NULL,
            scopes TEXT NOT NULL,
            family_id TEXT,
            issued_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            sealed TEXT,
            unique_key TEXT,
            refresh_token_hash TEXT
          ) STRICT`,
          index(t.access_tokens, 'family_id'),
          index(t.access_tokens, 'expires_at'),
          `CREATE TABLE IF NOT EXISTS ${t.refresh_tokens} (
            token_hash TEXT PRIMARY KEY NOT NULL,
            client_id TEXT NOT NULL,
            user_id TEXT,
            data TEXT NOT NULL,
            scopes TEXT NOT NULL,
            family_id TEXT NOT NULL,
            issued_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            rotated_at INTEGER,
            grace_used INTEGER NOT NULL DEFAULT 0,
            successor_hash TEXT,
            access_token_hash TEXT
          ) STRICT`,
          index(t.refresh_tokens, 'family_id'),
          index(t.refresh_tokens, 'expires_at'),
          `CREATE TABLE IF NOT EXISTS ${t.families} (
            family_id TEXT PRIMARY KEY NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0,
            expires_at INTEGER NOT NULL
          ) STRICT`,
          index(t.families, 'expires_at'),
          `CREATE TABLE IF NOT EXISTS ${t.unique_tokens} (
            unique_key TEXT PRIMARY KEY NOT NULL,
            token_hash TEXT NOT NULL,
            expires_at INTEGER NOT NULL
          ) STRICT`,
          index(t.unique_tokens, 'expires_at'),
        ],
      },
    ]
  }
}

function quote(identifier: string): string {
  return `"${identifier}"`
}

function unquote(quoted: string): string {
  return quoted.slice(1, -1)
}

function marks(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ')
}

function isMissingTable(error: unknown): boolean {
  return error instanceof Error && /no such table/i.test(error.message)
}
