/**
 * The engine of the pooled SQL stores (PostgreSQL, MySQL), written once: statements on the pool,
 * transactions on one checked-out connection with retries of deadlock victims, the migration under the
 * backend's lock, the start-up deadline. A backend supplies a {@link PoolDriver}. Internal.
 *
 * @module
 */
import type { SqlBackendName } from './dialect.ts'
import { connectWithin, withRetries } from './errors.ts'
import { drive, type SqlConnection, type SqlEngine } from './steps.ts'

/** A connection checked out of a pool. */
export interface PooledClient extends SqlConnection {
  begin(): Promise<void>
  commit(): Promise<void>
  rollback(): Promise<void>
  /** Back to the pool. */
  release(): void
  /** Dropped (after a failed rollback: its state is unknown). */
  destroy(): void
}

/** What a pooled backend supplies. */
export interface PoolDriver extends SqlConnection {
  readonly backend: SqlBackendName
  /** `host:port` or a socket path, for messages (never a password). */
  readonly address: string
  /** How long `connect()` and `migrate()` wait for a first connection, in ms. */
  readonly connectTimeoutMs: number
  /** Runs of a transaction in all, when it keeps failing with a {@link retryable} error. */
  readonly attempts: number
  /**
   * A connection for a store call (`call`: its statements and transaction limited by the store's
   * `statementTimeoutMs` in the database) or for the migration (`migration`: no limit, since it may wait
   * for another process's migration lock).
   */
  checkout(use: 'call' | 'migration'): Promise<PooledClient>
  /** Whether an error leaves a transaction safe to run again (deadlock, serialization failure). */
  retryable(error: unknown): boolean
  /** Whether the error says the tables (or schema, or database) are missing. */
  isMissingTable(error: unknown): boolean
  /**
   * Takes the migration lock on `client` (inside the migration's transaction where DDL is transactional)
   * and returns what releases it.
   */
  lockMigrations(client: PooledClient): Promise<() => Promise<void>>
  /** Whether the migration runs in one transaction (DDL is transactional). */
  readonly transactionalDdl: boolean
  /** Whether a failed migration statement already took effect (MySQL: duplicate column or key). */
  alreadyApplied(error: unknown): boolean
  /** Ends the pool if the store made it. */
  end(): Promise<void>
}

/**
 * Runs `work` in a transaction on `client`, then gives the connection back (dropped when the rollback of
 * a failed transaction fails too: its state is unknown).
 */
export async function inTransaction<T>(client: PooledClient, work: (client: PooledClient) => Promise<T>): Promise<T> {
  try {
    await client.begin()
    const result = await work(client)
    await client.commit()
    client.release()
    return result
  } catch (error) {
    await client.rollback().then(
      () => client.release(),
      () => client.destroy(),
    )
    throw error
  }
}

/** A pooled backend's engine. */
export function poolEngine(driver: PoolDriver): SqlEngine {
  const startUp = (): Promise<PooledClient> =>
    connectWithin(() => driver.checkout('migration'), driver.connectTimeoutMs, driver.backend, driver.address)
  return {
    run: (steps) => drive(steps(), driver),
    transaction: (steps) =>
      withRetries(
        driver.attempts,
        (error) => driver.retryable(error),
        async () => inTransaction(await driver.checkout('call'), (client) => drive(steps(), client)),
      ),
    migrate: async (steps) => {
      const client = await startUp()
      const tolerant: SqlConnection = {
        rows: (sql, values) => client.rows(sql, values),
        run: (sql, values) =>
          client.run(sql, values).catch((error: unknown) => {
            if (driver.alreadyApplied(error)) return 0
            throw error
          }),
      }
      let unlock: (() => Promise<void>) | undefined
      try {
        if (driver.transactionalDdl) await client.begin()
        unlock = await driver.lockMigrations(client)
        await drive(steps(), tolerant)
        if (driver.transactionalDdl) await client.commit()
        await unlock()
        client.release()
      } catch (error) {
        const undo = driver.transactionalDdl ? client.rollback() : (unlock?.() ?? Promise.resolve())
        await undo.then(
          () => client.release(),
          () => client.destroy(),
        )
        throw error
      }
    },
    connect: async () => (await startUp()).release(),
    isMissingTable: (error) => driver.isMissingTable(error),
    close: () => driver.end(),
  }
}
