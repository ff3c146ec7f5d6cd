import { createHash } from 'node:crypto'
import mysql, { type RowDataPacket } from 'mysql2/promise'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../src/errors.ts'
import { MysqlStore } from '../../src/stores/mysql.ts'
import { PostgresStore } from '../../src/stores/postgres.ts'
import { mysqlDialect, postgresDialect } from '../../src/stores/sql/dialects.ts'
import { limitMysqlStatement, postgresBegin } from '../../src/stores/sql/statement-timeout.ts'
import type { SqlStore } from '../../src/stores/sql/store.ts'
import { MYSQL_URL, POSTGRES_URL, probeService, uniqueName, whenReachable } from './services.ts'

// A store call the controller gives up on must not keep running (or waiting for a lock) in the database.
// A second connection holds a row lock; the store's statement that needs the row is cancelled by the
// server within statementTimeoutMs, the call rejects with StoreUnavailableError, and nothing of the
// store's is still running there.
const LIMIT_MS = 300

/** What one backend's scenario needs. */
interface Backend {
  /** A store with the 300 ms limit, migrated; `owned`: over a pool the store makes. */
  store(owned: boolean): Promise<SqlStore>
  /** Begins a transaction on a second connection that locks every row of `table`; resolves its release. */
  lock(table: 'records' | 'families'): Promise<() => Promise<void>>
  /** Statements of the store's tables still running or waiting in the server, other than the locker's. */
  running(): Promise<number>
  /** The driver error code a statement cancelled by the limit carries. */
  readonly cancelled: string | number
  /** The host pool's session value of the server's own limit, after the store used it. */
  sessionLimit(): Promise<string>
  /** Holds the store's migration lock from a second connection; resolves its release. */
  holdMigrationLock(): Promise<() => Promise<void>>
}

function scenarios(name: string, backend: () => Backend): void {
  describe(`${name}: statementTimeoutMs`, () => {
    for (const owned of [false, true]) {
      const on = owned ? 'a pool the store made' : 'a pool passed in'
      it(`cancels a single statement stuck on a row lock in the database (${on})`, async () => {
        const b = backend()
        const store = await b.store(owned)
        try {
          await store.putRecord('k', 'a', 'one')
          const release = await b.lock('records')
          try {
            const error: unknown = await store.putRecord('k', 'a', 'two').catch((e: unknown) => e)
            expect(error).toBeInstanceOf(StoreUnavailableError)
            expect(codeOf((error as Error).cause), String(error)).toBe(b.cancelled)
            // Gone from the server's process list (which may lag the reply by a moment).
            await expect.poll(() => b.running(), { timeout: 2000, interval: 50 }).toBe(0)
          } finally {
            await release()
          }
          // The lock gone, the store works again and the row kept its committed value.
          expect((await store.getRecord('k', 'a'))?.value).toBe('one')
          await store.putRecord('k', 'a', 'three')
          expect((await store.getRecord('k', 'a'))?.value).toBe('three')
        } finally {
          await store.close()
        }
      })
    }

    // On a pool the store made, the limit is a connection setting (no SET LOCAL): the transaction is cut too.
    for (const owned of [false, true]) {
      const on = owned ? 'a pool the store made' : 'a pool passed in'
      it(`cancels a statement of a transaction stuck on a family lock (revokeFamily, ${on})`, async () => {
        const b = backend()
        const store = await b.store(owned)
        try {
          await store.revokeFamily('fam-1')
          const release = await b.lock('families')
          try {
            const error: unknown = await store.revokeFamily('fam-1').catch((e: unknown) => e)
            expect(error).toBeInstanceOf(StoreUnavailableError)
            expect(codeOf((error as Error).cause), String(error)).toBe(b.cancelled)
            // Gone from the server's process list (which may lag the reply by a moment).
            await expect.poll(() => b.running(), { timeout: 2000, interval: 50 }).toBe(0)
          } finally {
            await release()
          }
          await store.revokeFamily('fam-1')
        } finally {
          await store.close()
        }
      })
    }

    it('runs the migration without the limit: it waits for a lock held longer than the limit', async () => {
      const b = backend()
      const release = await b.holdMigrationLock()
      // Released well after the limit; the migration waits for it rather than being cancelled.
      const released = new Promise<void>((resolve) => setTimeout(resolve, LIMIT_MS * 4)).then(release)
      try {
        const store = await b.store(true)
        await store.putRecord('k', 'm', 'migrated')
        expect((await store.getRecord('k', 'm'))?.value).toBe('migrated')
        await store.close()
      } finally {
        await released
      }
    })

    it('leaves the session of a pool passed in without a limit', async () => {
      const b = backend()
      const store = await b.store(false)
      try {
        await store.putRecord('k', 'b', 'x')
        await store.revokeFamily('fam-2')
        expect(await b.sessionLimit()).toMatch(/^0(\.0+)?$/)
      } finally {
        await store.close()
      }
    })
  })
}

function codeOf(error: unknown): unknown {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>
  return record['code'] === 'ER_STATEMENT_TIMEOUT' || typeof record['errno'] === 'number' ? record['errno'] : record['code']
}

describe('statement limits as SQL', () => {
  it('PostgreSQL: BEGIN with SET LOCAL, in one round trip; lifted for the migration', () => {
    expect(postgresBegin(1900)).toBe('BEGIN; SET LOCAL statement_timeout = 1900')
    expect(postgresBegin(0)).toBe('BEGIN')
    expect(postgresBegin('none')).toBe('BEGIN; SET LOCAL statement_timeout = 0')
  })
  it('MariaDB: SET STATEMENT max_statement_time (seconds) FOR any statement', () => {
    expect(limitMysqlStatement('MariaDB', 'DELETE FROM t WHERE a = ?', 1900)).toBe(
      'SET STATEMENT max_statement_time=1.900 FOR DELETE FROM t WHERE a = ?',
    )
  })
  it('MySQL: the MAX_EXECUTION_TIME hint on SELECT only', () => {
    expect(limitMysqlStatement('MySQL', '  select a FROM t', 250)).toBe('SELECT /*+ MAX_EXECUTION_TIME(250) */ a FROM t')
    expect(limitMysqlStatement('MySQL', 'UPDATE t SET a = 1', 250)).toBe('UPDATE t SET a = 1')
    expect(limitMysqlStatement('MySQL', 'SELECT 1', 0)).toBe('SELECT 1')
  })
})

const postgres = await probeService('PostgreSQL', POSTGRES_URL, 5432)
whenReachable(postgres, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 })
  const schemas: string[] = []
  afterAll(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await admin.end()
  })
  scenarios('PostgreSQL', () => {
    const schema = uniqueName('oauth2_timeout')
    schemas.push(schema)
    const dialect = postgresDialect({ schema, prefix: 'oauth2_' })
    // max 1: the session checked by sessionLimit is the one the store used.
    const host = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 })
    let locker: pg.PoolClient | undefined
    return {
      store: async (owned) => {
        const options = { schema, statementTimeoutMs: LIMIT_MS }
        const store = owned
          ? new PostgresStore({ ...options, connectionString: POSTGRES_URL })
          : new PostgresStore({ ...options, pool: host })
        await store.migrate()
        return store
      },
      lock: async (table) => {
        const c = await admin.connect()
        locker = c
        await c.query('BEGIN')
        await c.query(`SELECT * FROM ${dialect.table(table)} FOR UPDATE`)
        return async () => {
          await c.query('ROLLBACK')
          c.release()
          locker = undefined
        }
      },
      running: async () => {
        const { rows } = await admin.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE state <> 'idle' AND pid <> pg_backend_pid() AND pid <> $1 AND query LIKE $2`,
          [(locker as unknown as { processID: number } | undefined)?.processID ?? 0, `%${schema}%`],
        )
        return Number(rows[0]?.n)
      },
      cancelled: '57014',
      holdMigrationLock: async () => {
        const c = await admin.connect()
        await c.query('BEGIN')
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`oauth2-stack:${schema}.oauth2_`])
        return async () => {
          await c.query('ROLLBACK')
          c.release()
        }
      },
      sessionLimit: async () => {
        const value = (await host.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]?.statement_timeout ?? ''
        await host.end()
        return value
      },
    }
  })
})

const mariadb = await probeService('MariaDB/MySQL', MYSQL_URL, 3306)
whenReachable(mariadb, () => {
  const admin = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 4 })
  const stem = uniqueName('tmo')
  let places = 0
  afterAll(async () => {
    const [tables] = await admin.query<RowDataPacket[]>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
    )
    for (const row of tables) if (String(row['name']).startsWith(stem)) await admin.query(`DROP TABLE \`${String(row['name'])}\``)
    await admin.end()
  })
  scenarios('MariaDB', () => {
    const prefix = `${stem}x${++places}_`
    const dialect = mysqlDialect({ prefix })
    const host = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 1 })
    let lockerId = 0
    return {
      store: async (owned) => {
        const options = { tablePrefix: prefix, statementTimeoutMs: LIMIT_MS }
        const store = owned ? new MysqlStore({ ...options, uri: MYSQL_URL }) : new MysqlStore({ ...options, pool: host })
        await store.migrate()
        return store
      },
      lock: async (table) => {
        const c = await admin.getConnection()
        lockerId = c.threadId
        await c.beginTransaction()
        await c.query(`SELECT * FROM ${dialect.table(table)} FOR UPDATE`)
        return async () => {
          await c.rollback()
          c.release()
        }
      },
      running: async () => {
        const [rows] = await admin.query<RowDataPacket[]>(
          `SELECT count(*) AS n FROM information_schema.processlist WHERE command <> 'Sleep' AND id <> CONNECTION_ID() AND id <> ? AND info LIKE ?`,
          [lockerId, `%${prefix}%`],
        )
        return Number(rows[0]?.['n'])
      },
      cancelled: 1969,
      holdMigrationLock: async () => {
        const c = await admin.getConnection()
        const [[database]] = await c.query<RowDataPacket[]>('SELECT DATABASE() AS name')
        const digest = createHash('sha256')
          .update(`${String(database?.['name'])}.${prefix}`)
          .digest('hex')
        await c.query('SELECT GET_LOCK(?, 10)', [`oauth2-stack:${digest.slice(0, 40)}`])
        return async () => {
          await c.query('DO RELEASE_LOCK(?)', [`oauth2-stack:${digest.slice(0, 40)}`])
          c.release()
        }
      },
      sessionLimit: async () => {
        const [rows] = await host.query<RowDataPacket[]>('SELECT @@SESSION.max_statement_time AS t')
        await host.end()
        return String(rows[0]?.['t'])
      },
    }
  })
})
