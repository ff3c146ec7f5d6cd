/**
 * How the store logic is written once for a synchronous driver (SQLite) and asynchronous pools
 * (PostgreSQL, MySQL): as generators that yield each statement and receive its result. A pool drives
 * them with `await` between statements; SQLite drives them synchronously, inside its transaction, so
 * nothing else runs on its single connection in between. Internal.
 *
 * @module
 */
import type { SqlRow, SqlValue } from './rows.ts'

/** One statement to run: `rows` wants the rows back, `run` the number of rows changed. */
export interface SqlOp {
  readonly kind: 'rows' | 'run'
  readonly sql: string
  readonly values: readonly SqlValue[]
}

/** The store logic for one operation: yields statements, receives their results, returns `T`. */
export type Steps<T> = Generator<SqlOp, T, SqlRow[] | number>

/** Runs a statement and returns its rows: `const found = yield* rows(sql, values)`. */
export function* rows(sql: string, values: readonly SqlValue[]): Steps<SqlRow[]> {
  return (yield { kind: 'rows', sql, values }) as SqlRow[]
}

/** Runs a statement and returns its first row, if any. */
export function* first(sql: string, values: readonly SqlValue[]): Steps<SqlRow | undefined> {
  return (yield* rows(sql, values))[0]
}

/** Runs a statement and returns how many rows it changed. */
export function* run(sql: string, values: readonly SqlValue[]): Steps<number> {
  return (yield { kind: 'run', sql, values }) as number
}

/** A connection that answers statements asynchronously (a pool, or one of its connections in a transaction). */
export interface SqlConnection {
  rows(sql: string, values: readonly SqlValue[]): Promise<SqlRow[]>
  run(sql: string, values: readonly SqlValue[]): Promise<number>
}

/** A connection that answers statements synchronously (SQLite). */
export interface SyncSqlConnection {
  rows(sql: string, values: readonly SqlValue[]): SqlRow[]
  run(sql: string, values: readonly SqlValue[]): number
}

/** Drives `steps` on an asynchronous connection. */
export async function drive<T>(steps: Steps<T>, connection: SqlConnection): Promise<T> {
  let next = steps.next()
  while (next.done !== true) {
    const op = next.value
    next = steps.next(op.kind === 'rows' ? await connection.rows(op.sql, op.values) : await connection.run(op.sql, op.values))
  }
  return next.value
}

/** Drives `steps` synchronously, without ever yielding to the event loop. */
export function driveSync<T>(steps: Steps<T>, connection: SyncSqlConnection): T {
  let next = steps.next()
  while (next.done !== true) {
    const op = next.value
    next = steps.next(op.kind === 'rows' ? connection.rows(op.sql, op.values) : connection.run(op.sql, op.values))
  }
  return next.value
}

/**
 * What a store runs its steps on: a pool of connections, or SQLite's one synchronous connection. The
 * steps are passed as a function so that a transaction run again (a deadlock victim) starts afresh.
 */
export interface SqlEngine {
  /** Runs steps outside a transaction (each statement on its own). */
  run<T>(steps: () => Steps<T>): Promise<T>
  /** Runs steps in one transaction; a deadlock or serialization victim is run again. */
  transaction<T>(steps: () => Steps<T>): Promise<T>
  /** Runs the migration steps under the backend's migration lock (advisory lock, GET_LOCK, BEGIN IMMEDIATE). */
  migrate(steps: () => Steps<void>): Promise<void>
  /** Resolves once the backend answers; rejects with an `Error` naming the backend and its address. */
  connect(): Promise<void>
  /** Whether a driver error says the tables (or the schema, or the database) are missing. */
  isMissingTable(error: unknown): boolean
  /** Releases what the store opened (a pool it made, a file it opened). */
  close(): Promise<void>
}
