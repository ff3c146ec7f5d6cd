/**
 * The SQL store, written once: every method of `ClientStore`, `AuthCodeStore`, `AccessTokenStore` and
 * `RecordStore`, plus `connect()`, `migrate()`, `purgeExpired()` and `close()`, over a dialect (the SQL)
 * and an engine (a pool, or SQLite's synchronous connection). `PostgresStore`, `MysqlStore` and
 * `SqliteStore` extend it with their options and driver. Internal: not exported by the package.
 *
 * @module
 */
import type { AccessToken, AuthorizationCode, Client, RefreshToken } from '../../types.ts'
import type { ClientSecretPolicy } from '../../checks/client-secret-strength.ts'
import { createClient, type ClientRegistration } from '../memory-client-store.ts'
import { checkRecordKey, checkRecordValue, checkWindow } from '../record-rules.ts'
import type {
  AccessTokenStore,
  AuthCodeStore,
  ClientStore,
  CodeConsumption,
  CounterReading,
  FamilyFilter,
  RecordStore,
  RotationOutcome,
  RotationRequest,
  StoredRecord,
} from '../types.ts'
import type { SqlDialect } from './dialect.ts'
import { storeFailure } from './errors.ts'
import { migrationSteps } from './migration-steps.ts'
import { epochSeconds, PurgeSchedule } from './purge.ts'
import * as records from './record-steps.ts'
import { accessFromRow, accessValues, clientFromRow, clientValues, codeFromRow, codeValues, refreshFromRow } from './rows.ts'
import { buildStatements, type Statements } from './statements.ts'
import { first, rows, run, type SqlEngine, type Steps } from './steps.ts'
import * as tokens from './token-steps.ts'

/** What every SQL store is built from. */
export interface SqlStoreParts {
  readonly dialect: SqlDialect
  readonly engine: SqlEngine
  /** Milliseconds since the epoch, like `Date.now`. */
  readonly clock: () => number
  /** Where the database is, for messages: `host:port`, a socket or a file (never a password). */
  readonly address: string
}

/**
 * Clients, authorization codes, tokens and records in a SQL database, keyed by the SHA-256 hashes the
 * core passes: the database holds no usable code or token. See `token-steps.ts` for the one lock order
 * every family write takes, and `record-steps.ts` for the record primitives.
 */
export class SqlStore implements ClientStore, AuthCodeStore, AccessTokenStore, RecordStore {
  readonly #dialect: SqlDialect
  readonly #engine: SqlEngine
  readonly #clock: () => number
  readonly #sql: { readonly statements: Statements; readonly returning: boolean }
  readonly #purge: PurgeSchedule
  readonly #address: string

  constructor(parts: SqlStoreParts) {
    this.#address = parts.address
    this.#dialect = parts.dialect
    this.#engine = parts.engine
    this.#clock = parts.clock
    // Built once per store, never per request.
    this.#sql = { statements: buildStatements(parts.dialect), returning: parts.dialect.returning }
    this.#purge = new PurgeSchedule(this.#clock, () => this.purgeExpired())
  }

  /** Where the database is, for messages: `host:port`, the socket, or the file (never a password). */
  get address(): string {
    return this.#address
  }

  /**
   * Resolves once the database answers. Rejects with an `Error` naming the backend and its address (never
   * a password) when it cannot be reached, so a server can refuse to start without its store.
   */
  async connect(): Promise<void> {
    await this.#engine.connect()
  }

  /**
   * Creates the tables (a new database, at the latest schema version) or upgrades them (an older one,
   * version by version), recording each version in `schema_migrations`, under a lock that lets processes
   * starting together migrate once. Refuses a schema newer than this release knows. Idempotent; run it at
   * start-up (or from a deploy script), never per request: nothing creates tables implicitly.
   */
  async migrate(): Promise<void> {
    await this.#engine.migrate(() => migrationSteps(this.#dialect, this.#sql.statements, this.#now()))
  }

  /**
   * Deletes expired codes, tokens, families, `uniqueToken` entries, records and counters; resolves how
   * many rows went. Also run in the background after a write, at most once a minute.
   */
  async purgeExpired(): Promise<number> {
    const now = this.#now()
    return this.#call('purgeExpired', function* (statements) {
      let deleted = 0
      for (const statement of statements.purge) deleted += yield* run(statement, [now])
      return deleted
    })
  }

  /** Waits for a running purge, then releases what the store opened (a pool or file given to it stays open). */
  async close(): Promise<void> {
    await this.#purge.settle()
    await this.#engine.close()
  }

  // ---- ClientStore ------------------------------------------------------------------------------------

  /**
   * Registers (or replaces) a client, validated and its secret hashed by `createClient`.
   * With `policy` (the issuer it serves, `allowWeakClientSecrets`), a secret shorter than 43 characters
   * is refused on an issuer that is not a loopback one (RFC 6749 section 10.10; see `createClient`).
   */
  async addClient(registration: ClientRegistration, policy?: ClientSecretPolicy): Promise<Client> {
    const client = await createClient(registration, policy)
    await this.#call('addClient', (s) => run(s.upsertClient, clientValues(client)))
    return client
  }

  /** Removes a client; resolves whether it existed. */
  async removeClient(clientId: string): Promise<boolean> {
    return (await this.#call('removeClient', (s) => run(s.deleteClient, [clientId]))) > 0
  }

  /** Every registered client, ordered by `client_id` (bytewise). */
  async listClients(): Promise<Client[]> {
    return (await this.#call('listClients', (s) => rows(s.listClients, []))).map(clientFromRow)
  }

  /** The client with this `client_id`, or `undefined`. */
  async fetchByClientId(clientId: string): Promise<Client | undefined> {
    const row = await this.#call('fetchByClientId', (s) => first(s.selectClient, [clientId]))
    return row === undefined ? undefined : clientFromRow(row)
  }

  // ---- AuthCodeStore ----------------------------------------------------------------------------------

  /** Stores a new code until it expires. */
  async saveCode(code: AuthorizationCode): Promise<void> {
    await this.#call('saveCode', (s) => run(s.insertCode, codeValues(code)))
    this.#purge.poke()
  }

  /** The unexpired, unconsumed code with this hash, or `undefined`. */
  async fetchByCode(codeHash: string): Promise<AuthorizationCode | undefined> {
    const now = this.#now()
    const row = await this.#call('fetchByCode', (s) => first(s.selectUnconsumedCode, [codeHash, now]))
    return row === undefined ? undefined : codeFromRow(row)
  }

  /** RFC 6749 section 4.1.2 (single use): one conditional `UPDATE … WHERE consumed = false` decides. */
  async consumeCode(codeHash: string, now: number): Promise<CodeConsumption | undefined> {
    return this.#call('consumeCode', () => tokens.consumeCode(this.#sql, codeHash, now))
  }

  // ---- AccessTokenStore -------------------------------------------------------------------------------

  /** Saves the pair in one transaction holding its families' locks; resolves `false` into a revoked family. */
  async saveToken(accessToken: AccessToken, refreshToken?: RefreshToken): Promise<boolean> {
    const saved = tokens.needsTransaction(accessToken, refreshToken)
      ? await this.#call('saveToken', () => tokens.saveToken(this.#sql, accessToken, refreshToken), true)
      : // No family to check and one row (client_credentials): no transaction needed.
        (await this.#call('saveToken', (s) => run(s.insertAccess, accessValues(accessToken))), true)
    this.#purge.poke()
    return saved
  }

  /** The unexpired access token with this hash, or `undefined`. */
  async fetchByToken(tokenHash: string): Promise<AccessToken | undefined> {
    const now = this.#now()
    const row = await this.#call('fetchByToken', (s) => first(s.selectAccess, [tokenHash, now]))
    return row === undefined ? undefined : accessFromRow(row)
  }

  /** The unexpired refresh token with this hash (rotated out or not), or `undefined`. */
  async fetchByRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const now = this.#now()
    const row = await this.#call('fetchByRefreshToken', (s) => first(s.selectRefresh, [tokenHash, now]))
    return row === undefined ? undefined : refreshFromRow(row)
  }

  /** RFC 9700 section 4.14.2, in one transaction taking the locks in the documented order. */
  async rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome> {
    const now = this.#now()
    const outcome = await this.#call('rotateRefreshToken', () => tokens.rotateRefreshToken(this.#sql, request, now), true)
    this.#purge.poke()
    return outcome
  }

  /** Deletes the family's tokens and remembers it as revoked for a day, in one transaction holding its lock. */
  async revokeFamily(familyId: string): Promise<void> {
    const now = this.#now()
    await this.#call('revokeFamily', () => tokens.revokeFamily(this.#sql, familyId, now), true)
    this.#purge.poke()
  }

  /** Revokes the families of a login session or a remembered consent, in one transaction; how many. */
  async revokeFamilies(filter: FamilyFilter): Promise<number> {
    const now = this.#now()
    const revoked = await this.#call('revokeFamilies', () => tokens.revokeFamilies(this.#sql, filter, now), true)
    this.#purge.poke()
    return revoked
  }

  /** Deletes one access token (RFC 7009); nothing happens when it is unknown. */
  async revokeAccessToken(tokenHash: string): Promise<void> {
    await this.#call('revokeAccessToken', (s) => run(s.deleteAccess, [tokenHash]))
  }

  /** The newest unexpired access token saved with this `uniqueKey`, or `undefined`. */
  async fetchExistingToken(uniqueKey: string): Promise<AccessToken | undefined> {
    const now = this.#now()
    const row = await this.#call('fetchExistingToken', (s) => first(s.selectExisting, [uniqueKey, now]))
    return row === undefined ? undefined : accessFromRow(row)
  }

  // ---- RecordStore ------------------------------------------------------------------------------------

  /** The live record, or `undefined`. */
  async getRecord(kind: string, key: string): Promise<StoredRecord | undefined> {
    checkRecordKey(kind, key)
    const now = this.#now()
    return this.#call('getRecord', () => records.getRecord(this.#sql, kind, key, now))
  }

  /** Creates the record unless a live one exists (an expired one counts as absent); `true` when this call created it. */
  async createRecord(kind: string, key: string, value: string, expiresAt?: number): Promise<boolean> {
    checkRecordKey(kind, key)
    checkRecordValue(value, expiresAt)
    const now = this.#now()
    const created = await this.#call('createRecord', () => records.createRecord(this.#sql, kind, key, value, expiresAt, now))
    this.#purge.poke()
    return created
  }

  /** Replaces a live record only if it still has `version` (compare-and-set). */
  async replaceRecord(kind: string, key: string, version: string, value: string, expiresAt?: number): Promise<boolean> {
    checkRecordKey(kind, key)
    checkRecordValue(value, expiresAt)
    const now = this.#now()
    return this.#call('replaceRecord', () => records.replaceRecord(this.#sql, kind, key, version, value, expiresAt, now))
  }

  /** Writes the record whatever was there. */
  async putRecord(kind: string, key: string, value: string, expiresAt?: number): Promise<void> {
    checkRecordKey(kind, key)
    checkRecordValue(value, expiresAt)
    await this.#call('putRecord', () => records.putRecord(this.#sql, kind, key, value, expiresAt))
    this.#purge.poke()
  }

  /** Deletes the record; `true` when a live one was there. */
  async deleteRecord(kind: string, key: string): Promise<boolean> {
    checkRecordKey(kind, key)
    const now = this.#now()
    return this.#call('deleteRecord', () => records.deleteRecord(this.#sql, kind, key, now))
  }

  /** Marks `key` used until `expiresAt`; `true` for the one first caller while the mark lives. */
  async consumeOnce(kind: string, key: string, expiresAt: number): Promise<boolean> {
    return this.createRecord(kind, key, '', expiresAt)
  }

  /** Counts one more in a fixed window of `windowSeconds`; concurrent increments are all counted. */
  async increment(kind: string, key: string, windowSeconds: number): Promise<CounterReading> {
    checkRecordKey(kind, key)
    checkWindow(windowSeconds)
    const now = this.#now()
    // Without RETURNING the upsert and the read share one transaction (the row stays locked between).
    const reading = await this.#call('increment', () => records.increment(this.#sql, kind, key, windowSeconds, now), !this.#sql.returning)
    this.#purge.poke()
    return reading
  }

  /** Forgets a counter. */
  async resetCounter(kind: string, key: string): Promise<void> {
    checkRecordKey(kind, key)
    await this.#call('resetCounter', () => records.resetCounter(this.#sql, kind, key))
  }

  // ---- internals --------------------------------------------------------------------------------------

  #now(): number {
    return epochSeconds(this.#clock)
  }

  /** Runs steps (in a transaction when asked); a failure becomes the `StoreUnavailableError` a request answers 503 with. */
  async #call<T>(operation: string, steps: (statements: Statements) => Steps<T>, transaction = false): Promise<T> {
    const statements = this.#sql.statements
    try {
      return await (transaction ? this.#engine.transaction(() => steps(statements)) : this.#engine.run(() => steps(statements)))
    } catch (error) {
      throw storeFailure(this.#dialect.backend, operation, error, (e) => this.#engine.isMissingTable(e))
    }
  }
}
