/**
 * A MySQL / MariaDB store for clients, codes and tokens, through `mysql2` (an optional peer dependency,
 * version 3), shared by every process of a deployment. Tested on MariaDB 10.11; needs InnoDB.
 *
 * @example
 * ```ts
 * import mysql from 'mysql2/promise'
 * import { MysqlStore } from 'oauth2-stack/store/mysql'
 *
 * const store = new MysqlStore({ pool: mysql.createPool(process.env.DATABASE_URL) })
 * await store.migrate() // at start-up or from a deploy script, never at request time
 * const controller = new AuthorizationController({ clientStore: store, tokenStore: store, ... })
 * ```
 *
 * @module
 */
import { createHash } from 'node:crypto'
import mysql from 'mysql2/promise'
import type { Connection, Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import type { AccessToken, AuthorizationCode, Client, RefreshToken } from '../types.ts'
import { createClient, type ClientRegistration } from './memory-client-store.ts'
import { decideRotation } from './family.ts'
import {
  ACCESS_COLUMNS,
  accessFromRow,
  accessValues,
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

const BACKEND = 'MySQL'

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
}

/** A store over a `mysql2/promise` pool the host already has. The store never ends it. */
export interface MysqlStorePoolOptions extends MysqlStoreCommonOptions {
  /** The `mysql2/promise` pool to use. */
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
const ATTEMPTS = 8

/**
 * Clients, authorization codes and tokens in MySQL or MariaDB (InnoDB), keyed by the SHA-256 hashes
 * the core passes: the database holds no usable code or token.
 *
 * Keys are `VARBINARY`: compared byte for byte, so neither a case-insensitive collation nor MariaDB's
 * trailing-space padding can make two hashes or client ids equal. They are at most 255 bytes.
 *
 * Atomic steps, across every process sharing the database:
 * - `consumeCode` is one `UPDATE … SET consumed = 1 WHERE … AND consumed = 0`; the affected-row count
 *   tells the one winner (InnoDB re-reads the row under its lock).
 * - Every write to a token family (`saveToken`, `rotateRefreshToken`, `revokeFamily`) runs in a
 *   READ COMMITTED transaction that first upserts and so row-locks the family's row in `families`; they
 *   serialize per family, and a revocation can never miss a token saved or rotated beside it.
 *   `rotateRefreshToken` then reads the token `FOR UPDATE` and applies `decideRotation`.
 * - A deadlock victim (error 1213) is run again, up to 8 times.
 *
 * Call {@link MysqlStore.migrate} once at start-up; nothing creates tables implicitly. Failures during a
 * request reject with `StoreUnavailableError` (answered 503).
 */
export class MysqlStore implements ClientStore, AuthCodeStore, AccessTokenStore {
  readonly #pool: Pool
  readonly #ownsPool: boolean
  readonly #address: string
  readonly #prefix: string
  readonly #tables: Readonly<Record<TableName, string>>
  readonly #clock: () => number
  readonly #connectTimeoutMs: number
  readonly #purge: PurgeSchedule
  readonly #sql: Readonly<Record<string, string>>
  #closed = false

  /** Builds the store. Nothing connects until the first call; see {@link MysqlStore.connect}. */
  constructor(options: MysqlStoreOptions) {
    const { pool, uri } = options
    if ((pool === undefined) === (uri === undefined)) throw new TypeError('MysqlStore: give exactly one of pool or uri')
    this.#prefix = checkTablePrefix(options.tablePrefix ?? DEFAULT_TABLE_PREFIX)
    const tables: Partial<Record<TableName, string>> = {}
    for (const name of TABLE_NAMES) tables[name] = `\`${this.#prefix}${name}\``
    this.#tables = tables as Record<TableName, string>
    this.#clock = options.clock ?? Date.now
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000
    if (pool !== undefined) {
      this.#pool = pool
      this.#ownsPool = false
      this.#address = poolAddress(pool)
    } else {
      const maxConnections = 'maxConnections' in options ? options.maxConnections : undefined
      this.#pool = mysql.createPool({
        uri,
        connectionLimit: maxConnections ?? 10,
        connectTimeout: this.#connectTimeoutMs,
        enableKeepAlive: true,
      })
      this.#ownsPool = true
      this.#address = uriAddress(uri ?? '')
    }
    this.#sql = this.#statements()
    this.#purge = new PurgeSchedule(this.#clock, () => this.purgeExpired())
  }

  /** The pool the store uses. */
  get pool(): Pool {
    return this.#pool
  }

  /** Where the server is, for messages: `host:port` or the socket path (never a password). */
  get address(): string {
    return this.#address
  }

  /**
   * Resolves once a connection answers. Rejects with an `Error` naming `MySQL at host:port` when the
   * server cannot be reached within `connectTimeoutMs`, so a server can refuse to start without its store.
   */
  async connect(): Promise<void> {
    const connection = await connectWithin(() => this.#pool.getConnection(), this.#connectTimeoutMs, BACKEND, this.#address)
    connection.release()
  }

  /**
   * Creates or upgrades the tables under a named lock (`GET_LOCK`), so that processes starting together
   * migrate once, recording the version applied in `schema_migrations`. MySQL commits DDL at once, so
   * every statement is idempotent (`CREATE TABLE IF NOT EXISTS`, indexes inline): an interrupted
   * migration is completed by the next run. Run it at start-up (or from a deploy script), never per request.
   */
  async migrate(): Promise<void> {
    const connection = await connectWithin(() => this.#pool.getConnection(), this.#connectTimeoutMs, BACKEND, this.#address)
    const t = this.#tables
    let lockName: string | undefined
    try {
      const [database] = await connection.query<RowDataPacket[]>('SELECT DATABASE() AS name')
      // GET_LOCK names are at most 64 characters.
      const name = `oauth2-stack:${createHash('sha256').update(`${String(database[0]?.['name'])}.${this.#prefix}`).digest('hex').slice(0, 40)}`
      const [lock] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS locked', [name, 30])
      if (lock[0]?.['locked'] !== 1) throw new Error(`${BACKEND}: another process held the migration lock ${name} for 30 s`)
      lockName = name
      await connection.query(`CREATE TABLE IF NOT EXISTS ${t.schema_migrations} (
        version INT NOT NULL PRIMARY KEY,
        applied_at BIGINT NOT NULL
      ) ENGINE=InnoDB`)
      const [current] = await connection.query<RowDataPacket[]>(`SELECT MAX(version) AS version FROM ${t.schema_migrations}`)
      const applied = versionFromRow(current[0])
      if (applied > SCHEMA_VERSION) throw newerSchemaError(BACKEND, applied)
      for (const migration of this.#migrations()) {
        if (migration.version <= applied) continue
        for (const statement of migration.statements) await connection.query(statement)
        await connection.query(`INSERT INTO ${t.schema_migrations} (version, applied_at) VALUES (?, ?)`, [
          migration.version,
          epochSeconds(this.#clock),
        ])
      }
    } finally {
      if (lockName !== undefined) await connection.query('DO RELEASE_LOCK(?)', [lockName]).catch(ignore)
      connection.release()
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
        deleted += await affected(this.#pool, `DELETE FROM ${table} WHERE expires_at <= ?`, [now])
      }
      return deleted
    })
  }

  /** Ends the pool if the store made it (after any running purge); a pool passed in is left to its owner. */
  async close(): Promise<void> {
    await this.#purge.settle()
    if (this.#ownsPool && !this.#closed) {
      this.#closed = true
      await this.#pool.end()
    }
  }

  // ---- ClientStore ------------------------------------------------------------------------------------

  /** Registers (or replaces) a client, validated and its secret hashed by `createClient`. */
  async addClient(registration: ClientRegistration): Promise<Client> {
    const client = await createClient(registration)
    return this.#run('addClient', async () => {
      await this.#pool.execute(this.#text('upsertClient'), clientValues(client))
      return client
    })
  }

  /** Removes a client; resolves whether it existed. */
  async removeClient(clientId: string): Promise<boolean> {
    return this.#run('removeClient', async () => {
      return (await affected(this.#pool, `DELETE FROM ${this.#tables.clients} WHERE client_id = ?`, [clientId])) > 0
    })
  }

  /** Every registered client, ordered by `client_id` (bytewise). */
  async listClients(): Promise<Client[]> {
    return this.#run('listClients', async () => {
      return (await rows(this.#pool, `SELECT * FROM ${this.#tables.clients} ORDER BY client_id`, [])).map(clientFromRow)
    })
  }

  async fetchByClientId(clientId: string): Promise<Client | undefined> {
    return this.#run('fetchByClientId', async () => {
      const [row] = await rows(this.#pool, `SELECT * FROM ${this.#tables.clients} WHERE client_id = ?`, [clientId])
      return row === undefined ? undefined : clientFromRow(row)
    })
  }

  // ---- AuthCodeStore ----------------------------------------------------------------------------------

  async saveCode(code: AuthorizationCode): Promise<void> {
    await this.#run('saveCode', async () => {
      await this.#pool.execute(this.#text('insertCode'), codeValues(code))
    })
    this.#purge.poke()
  }

  async fetchByCode(codeHash: string): Promise<AuthorizationCode | undefined> {
    return this.#run('fetchByCode', async () => {
      const [row] = await rows(
        this.#pool,
        `SELECT * FROM ${this.#tables.codes} WHERE code_hash = ? AND consumed = 0 AND expires_at > ?`,
        [codeHash, this.#now()],
      )
      return row === undefined ? undefined : codeFromRow(row)
    })
  }

  /**
   * RFC 6749 section 4.1.2 (single use): the code is read, then one conditional
   * `UPDATE … WHERE consumed = 0` decides; its affected-row count says who won.
   */
  async consumeCode(codeHash: string, now: number): Promise<CodeConsumption | undefined> {
    return this.#run('consumeCode', async () => {
      const t = this.#tables
      const [row] = await rows(this.#pool, `SELECT * FROM ${t.codes} WHERE code_hash = ? AND expires_at > ?`, [codeHash, now])
      if (row === undefined) return undefined
      const code = codeFromRow(row)
      if (isConsumed(row)) return { outcome: 'reused', code }
      const won = await affected(
        this.#pool,
        `UPDATE ${t.codes} SET consumed = 1 WHERE code_hash = ? AND consumed = 0 AND expires_at > ?`,
        [codeHash, now],
      )
      return { outcome: won === 1 ? 'consumed' : 'reused', code }
    })
  }

  // ---- AccessTokenStore -------------------------------------------------------------------------------

  /** Saves the pair in one transaction holding the family's lock; resolves `false` into a revoked family. */
  async saveToken(accessToken: AccessToken, refreshToken?: RefreshToken): Promise<boolean> {
    if (refreshToken === undefined && accessToken.familyId === undefined && accessToken.uniqueKey === undefined) {
      // No family to check and one row (client_credentials): no transaction needed.
      await this.#run('saveToken', () => this.#pool.execute(this.#text('insertAccess'), accessValues(accessToken)))
      this.#purge.poke()
      return true
    }
    const saved = await this.#run('saveToken', () =>
      this.#transaction(async (connection) => {
        const expiresAt = familyExpiry(accessToken, refreshToken)
        for (const familyId of familiesOf(accessToken, refreshToken)) {
          if (await this.#lockFamily(connection, familyId, expiresAt)) return false
        }
        await this.#insertAccess(connection, accessToken)
        if (refreshToken !== undefined) await connection.execute(this.#text('insertRefresh'), refreshValues(refreshToken))
        return true
      }),
    )
    this.#purge.poke()
    return saved
  }

  async fetchByToken(tokenHash: string): Promise<AccessToken | undefined> {
    return this.#run('fetchByToken', async () => {
      const [row] = await rows(this.#pool, `SELECT * FROM ${this.#tables.access_tokens} WHERE token_hash = ? AND expires_at > ?`, [
        tokenHash,
        this.#now(),
      ])
      return row === undefined ? undefined : accessFromRow(row)
    })
  }

  async fetchByRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    return this.#run('fetchByRefreshToken', async () => {
      const [row] = await rows(this.#pool, `SELECT * FROM ${this.#tables.refresh_tokens} WHERE token_hash = ? AND expires_at > ?`, [
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
      this.#transaction(async (connection): Promise<RotationOutcome> => {
        const t = this.#tables
        // Lock the family first (every family write does), found through the presented token.
        const [owner] = await rows(connection, `SELECT family_id FROM ${t.refresh_tokens} WHERE token_hash = ?`, [
          request.presentedHash,
        ])
        if (owner === undefined) return 'invalid'
        const familyId = refreshFamily(owner)
        const revoked = await this.#lockFamily(connection, familyId, familyExpiry(request.accessToken, request.refreshToken))
        const [row] = await rows(connection, this.#text('selectForRotation'), [request.presentedHash])
        if (row === undefined) return 'invalid'
        const current = refreshFromRow(row)
        const successor = successorFromRow(row)
        const decided = decideRotation(current, request, successor.rotated)
        if (decided === 'invalid') return decided
        if (decided === 'reused') {
          await this.#revoke(connection, current.familyId)
          return decided
        }
        if (revoked) return 'invalid'
        if (decided === 'grace' && successor.exists && current.successorHash !== undefined) {
          // The successor the client lost stays as a rotated-out tombstone: presenting it later is reuse
          // (RFC 9700 section 4.14.2). The access token issued with it is deleted.
          await connection.execute(`UPDATE ${t.refresh_tokens} SET rotated_at = ?, grace_used = 1 WHERE token_hash = ?`, [
            request.now,
            current.successorHash,
          ])
          if (successor.accessTokenHash !== undefined) {
            await connection.execute(`DELETE FROM ${t.access_tokens} WHERE token_hash = ?`, [successor.accessTokenHash])
          }
        }
        await connection.execute(
          `UPDATE ${t.refresh_tokens} SET rotated_at = COALESCE(rotated_at, ?), grace_used = ?, successor_hash = ?
           WHERE token_hash = ?`,
          [request.now, decided === 'grace' ? 1 : 0, request.refreshToken.tokenHash, current.tokenHash],
        )
        await this.#insertAccess(connection, request.accessToken)
        await connection.execute(this.#text('insertRefresh'), refreshValues(request.refreshToken))
        return decided
      }),
    )
    this.#purge.poke()
    return outcome
  }

  /** Deletes the family's tokens and remembers it as revoked for a day, in one transaction holding its lock. */
  async revokeFamily(familyId: string): Promise<void> {
    await this.#run('revokeFamily', () => this.#transaction((connection) => this.#revoke(connection, familyId)))
    this.#purge.poke()
  }

  /** Deletes one access token (RFC 7009); nothing happens when it is unknown. */
  async revokeAccessToken(tokenHash: string): Promise<void> {
    await this.#run('revokeAccessToken', async () => {
      await this.#pool.execute(`DELETE FROM ${this.#tables.access_tokens} WHERE token_hash = ?`, [tokenHash])
    })
  }

  async fetchExistingToken(uniqueKey: string): Promise<AccessToken | undefined> {
    return this.#run('fetchExistingToken', async () => {
      const [row] = await rows(
        this.#pool,
        `SELECT a.* FROM ${this.#tables.unique_tokens} u JOIN ${this.#tables.access_tokens} a ON a.token_hash = u.token_hash
         WHERE u.unique_key = ? AND a.expires_at > ?`,
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

  /** Runs `body` in a READ COMMITTED transaction on one connection; a deadlock victim is run again. */
  async #transaction<T>(body: (connection: PoolConnection) => Promise<T>): Promise<T> {
    return withRetries(ATTEMPTS, isDeadlock, async () => {
      const connection = await this.#pool.getConnection()
      try {
        // READ COMMITTED: no gap locks, so writers to neighbouring families do not block each other.
        await connection.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED')
        await connection.beginTransaction()
        const result = await body(connection)
        await connection.commit()
        connection.release()
        return result
      } catch (error) {
        await connection.rollback().then(
          () => connection.release(),
          () => connection.destroy(),
        )
        throw error
      }
    })
  }

  /** Creates or extends the family's row, locking it until the transaction ends; returns whether it is revoked. */
  async #lockFamily(connection: PoolConnection, familyId: string, expiresAt: number): Promise<boolean> {
    await connection.execute(this.#text('lockFamily'), [familyId, expiresAt])
    const [row] = await rows(connection, `SELECT revoked FROM ${this.#tables.families} WHERE family_id = ? FOR UPDATE`, [familyId])
    return row !== undefined && Number(row['revoked']) === 1
  }

  async #revoke(connection: PoolConnection, familyId: string): Promise<void> {
    const t = this.#tables
    await connection.execute(this.#text('revokeFamily'), [familyId, this.#now() + REVOKED_FAMILY_SECONDS])
    await connection.execute(`DELETE FROM ${t.access_tokens} WHERE family_id = ?`, [familyId])
    await connection.execute(`DELETE FROM ${t.refresh_tokens} WHERE family_id = ?`, [familyId])
  }

  async #insertAccess(connection: PoolConnection, token: AccessToken): Promise<void> {
    await connection.execute(this.#text('insertAccess'), accessValues(token))
    if (token.uniqueKey !== undefined) {
      await connection.execute(this.#text('upsertUnique'), [token.uniqueKey, token.tokenHash, token.expiresAt])
    }
  }

  /** The statements built once, at construction. */
  #statements(): Record<string, string> {
    const t = this.#tables
    const insert = (table: string, columns: readonly string[]): string =>
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`
    return {
      upsertClient: `${insert(t.clients, CLIENT_COLUMNS)}
        ON DUPLICATE KEY UPDATE ${CLIENT_COLUMNS.slice(1)
          .map((column) => `${column} = VALUES(${column})`)
          .join(', ')}`,
      insertCode: insert(t.codes, CODE_COLUMNS),
      insertAccess: insert(t.access_tokens, ACCESS_COLUMNS),
      insertRefresh: insert(t.refresh_tokens, REFRESH_COLUMNS),
      upsertUnique: `INSERT INTO ${t.unique_tokens} (unique_key, token_hash, expires_at) VALUES (?, ?, ?)
        ON DUPLICATE KEY UPDATE token_hash = VALUES(token_hash), expires_at = VALUES(expires_at)`,
      // A family's row: created or extended (never past revocation), and locked until the transaction ends.
      lockFamily: `INSERT INTO ${t.families} (family_id, revoked, expires_at) VALUES (?, 0, ?)
        ON DUPLICATE KEY UPDATE expires_at = IF(revoked = 1, expires_at, GREATEST(expires_at, VALUES(expires_at)))`,
      revokeFamily: `INSERT INTO ${t.families} (family_id, revoked, expires_at) VALUES (?, 1, ?)
        ON DUPLICATE KEY UPDATE expires_at = IF(revoked = 1, expires_at, VALUES(expires_at)), revoked = 1`,
      selectForRotation: `SELECT r.*, s.token_hash AS successor_token_hash, s.rotated_at AS successor_rotated_at,
          s.access_token_hash AS successor_access_token_hash
        FROM ${t.refresh_tokens} r LEFT JOIN ${t.refresh_tokens} s ON s.token_hash = r.successor_hash
        WHERE r.token_hash = ? FOR UPDATE`,
    }
  }

  #migrations(): { readonly version: number; readonly statements: readonly string[] }[] {
    const t = this.#tables
    const key = 'VARBINARY(255)'
    const table = (name: string, body: string): string =>
      `CREATE TABLE IF NOT EXISTS ${name} (${body}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`
    return [
      {
        version: 1,
        statements: [
          table(
            t.clients,
            `client_id ${key} NOT NULL PRIMARY KEY,
            client_secret_hash TEXT NULL,
            redirect_uris MEDIUMTEXT NOT NULL,
            grant_types TEXT NOT NULL,
            response_types TEXT NOT NULL,
            token_endpoint_auth_methods TEXT NOT NULL,
            scopes MEDIUMTEXT NULL,
            require_pkce TINYINT(1) NOT NULL,
            name TEXT NULL`,
          ),
          table(
            t.codes,
            `code_hash ${key} NOT NULL PRIMARY KEY,
            client_id ${key} NOT NULL,
            redirect_uri TEXT NULL,
            effective_redirect_uri TEXT NOT NULL,
            scopes MEDIUMTEXT NOT NULL,
            user_id TEXT NOT NULL,
            data MEDIUMTEXT NOT NULL,
            code_challenge TEXT NULL,
            code_challenge_method VARCHAR(16) NULL,
            family_id ${key} NOT NULL,
            issued_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            consumed TINYINT(1) NOT NULL DEFAULT 0,
            KEY ${this.#prefix}codes_expires_at (expires_at)`,
          ),
          table(
            t.access_tokens,
            `token_hash ${key} NOT NULL PRIMARY KEY,
            client_id ${key} NOT NULL,
            grant_type TEXT NOT NULL,
            user_id TEXT NULL,
            data MEDIUMTEXT NOT NULL,
            scopes MEDIUMTEXT NOT NULL,
            family_id ${key} NULL,
            issued_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            sealed TEXT NULL,
            unique_key ${key} NULL,
            refresh_token_hash ${key} NULL,
            KEY ${this.#prefix}access_tokens_family_id (family_id),
            KEY ${this.#prefix}access_tokens_expires_at (expires_at)`,
          ),
          table(
            t.refresh_tokens,
            `token_hash ${key} NOT NULL PRIMARY KEY,
            client_id ${key} NOT NULL,
            user_id TEXT NULL,
            data MEDIUMTEXT NOT NULL,
            scopes MEDIUMTEXT NOT NULL,
            family_id ${key} NOT NULL,
            issued_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            rotated_at BIGINT NULL,
            grace_used TINYINT(1) NOT NULL DEFAULT 0,
            successor_hash ${key} NULL,
            access_token_hash ${key} NULL,
            KEY ${this.#prefix}refresh_tokens_family_id (family_id),
            KEY ${this.#prefix}refresh_tokens_expires_at (expires_at)`,
          ),
          table(
            t.families,
            `family_id ${key} NOT NULL PRIMARY KEY,
            revoked TINYINT(1) NOT NULL DEFAULT 0,
            expires_at BIGINT NOT NULL,
            KEY ${this.#prefix}families_expires_at (expires_at)`,
          ),
          table(
            t.unique_tokens,
            `unique_key ${key} NOT NULL PRIMARY KEY,
            token_hash ${key} NOT NULL,
            expires_at BIGINT NOT NULL,
            KEY ${this.#prefix}unique_tokens_expires_at (expires_at)`,
          ),
        ],
      },
    ]
  }
}

async function rows(db: Connection, sql: string, values: SqlValue[]): Promise<SqlRow[]> {
  const [result] = await db.execute<RowDataPacket[]>(sql, values)
  return result
}

async function affected(db: Connection, sql: string, values: SqlValue[]): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(sql, values)
  return result.affectedRows
}

function refreshFamily(row: SqlRow): string {
  const value = row['family_id']
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return new TextDecoder().decode(value)
  throw new TypeError('column family_id: expected text')
}

function ignore(): void {
  // Nothing to do: the connection is released or destroyed anyway.
}

function isDeadlock(error: unknown): boolean {
  return readProperty(error, 'errno') === DEADLOCK
}

function isMissingTable(error: unknown): boolean {
  // 1146 ER_NO_SUCH_TABLE, 1049 ER_BAD_DB_ERROR.
  const errno = readProperty(error, 'errno')
  return errno === 1146 || errno === 1049
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
