import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { PostgresStore } from '../../src/stores/postgres.ts'
import type { SqlDialect } from '../../src/stores/sql/dialect.ts'
import { postgresDialect } from '../../src/stores/sql/dialects.ts'
import { buildStatements } from '../../src/stores/sql/statements.ts'
import { POSTGRES_URL, probeService, uniqueName, whenReachable } from './services.ts'
import { describeSqlStoreContract, type SqlPlace } from './sql-store-contract.ts'
import { SPARSE_INDEXES } from './sql-sparse-indexes.ts'
import { access, TestClock } from '../helpers/records.ts'

const service = await probeService('PostgreSQL', POSTGRES_URL, 5432)

/** A schema and a table prefix. */
interface Place extends SqlPlace {
  readonly schema: string
}

whenReachable(service, () => {
  // Every schema this file makes is dropped at the end.
  const created = new Set<string>()
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 20 })
  afterAll(async () => {
    for (const name of created) await pool.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)
    await pool.end()
  })
  const fresh = (): Place => {
    const schema = uniqueName('oauth2_contract')
    created.add(schema)
    return { schema, prefix: 'oauth2_' }
  }
  const main = fresh()
  const store = (place: Place, clock?: { now: () => number }, on: pg.Pool = pool): PostgresStore =>
    new PostgresStore({ pool: on, schema: place.schema, tablePrefix: place.prefix, ...(clock === undefined ? {} : { clock: clock.now }) })
  const dialect = (place: Place): SqlDialect => postgresDialect(place)

  describeSqlStoreContract<Place>({
    name: 'PostgreSQL',
    backend: 'PostgreSQL',
    main,
    fresh,
    otherPrefix: (place) => ({ ...place, prefix: 'other_' }),
    store,
    second: (place, clock) => {
      const second = new pg.Pool({ connectionString: POSTGRES_URL, max: 10 })
      return { store: store(place, clock, second), close: () => second.end() }
    },
    migrateTogether: async (place) => {
      const pools = [0, 1, 2, 3].map(() => new pg.Pool({ connectionString: POSTGRES_URL, max: 1 }))
      try {
        await Promise.all(pools.map((p) => store(place, undefined, p).migrate()))
      } finally {
        await Promise.all(pools.map((p) => p.end()))
      }
    },
    dialect,
    exec: async (_, sql) => (await pool.query(sql)).rows as Record<string, unknown>[],
    tables: async (place) =>
      (
        await pool.query<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1', [
          place.schema,
        ])
      ).rows.map((row) => row.name),
    clear: async (place) => {
      const names = (
        await pool.query<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1', [
          place.schema,
        ])
      ).rows
      const tables = names.filter((row) => row.name.startsWith(place.prefix) && !row.name.endsWith('schema_migrations'))
      if (tables.length > 0) await pool.query(`TRUNCATE ${tables.map((row) => `"${place.schema}"."${row.name}"`).join(', ')}`)
    },
    raceArgs: (place) => ['postgres', POSTGRES_URL, place.schema],
    server: {
      service,
      scheme: 'postgres',
      user: 'postgres',
      open: (url, clock, connectTimeoutMs) =>
        new PostgresStore({ connectionString: url, schema: main.schema, clock: clock.now, connectTimeoutMs }),
    },
    owned: () => {
      const owned = new PostgresStore({ connectionString: POSTGRES_URL, schema: main.schema })
      return { store: owned, isClosed: () => owned.pool.ended }
    },
    given: () => ({ store: store(main), answers: async () => !pool.ended && (await pool.query('SELECT 1 AS one')).rows[0]?.one === 1 }),
    badOptions: [
      () => new PostgresStore({ pool, schema: 'bad-name' }),
      () => new PostgresStore({ pool, tablePrefix: 'x; DROP' }),
      () => new PostgresStore({} as unknown as { pool: pg.Pool }),
    ],
  })

  describe('PostgreSQL store', () => {
    it('creates the schema when missing, and keeps schemas apart under one prefix', async () => {
      const place = fresh()
      await store(place).migrate()
      expect((await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [place.schema])).rowCount).toBe(1)
    })
  })

  describe('PostgreSQL partial indexes (schema version 5)', () => {
    it('keeps NULL rows out of the mostly-NULL indexes, and the planner can use them for every statement on those columns', async () => {
      const place = fresh()
      await store(place).migrate()
      for (const [table, column] of SPARSE_INDEXES) {
        const name = `${place.prefix}${table}_${column}`
        const { rows } = await pool.query<{ indexdef: string }>(
          'SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2',
          [place.schema, name],
        )
        expect(rows[0]?.indexdef).toMatch(new RegExp(`\\(${column}\\) WHERE \\(${column} IS NOT NULL\\)$`))
      }
      // With sequential scans priced out, a plan names an index exactly when the planner may use it: it must
      // prove `column = $n` (or `IN`) implies the index's IS NOT NULL.
      const s = buildStatements(dialect(place))
      const on = await pool.connect()
      try {
        await on.query('SET enable_seqscan = off')
        const plan = async (sql: string, values: (string | number)[]): Promise<string> =>
          (await on.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, values)).rows.map((row) => row['QUERY PLAN']).join('\n')
        const index = (table: string, column: string): string => `${place.prefix}${table}_${column}`
        expect(await plan(s.deleteFamilyAccess, ['f'])).toContain(index('access_tokens', 'family_id'))
        const bySession = await plan(s.familiesBySession.deleteAccess, ['s'])
        expect(bySession).toContain(index('access_tokens', 'family_id'))
        expect(bySession).toContain(index('families', 'session_id'))
        expect(await plan(s.familiesBySession.revoke, [1, 's'])).toContain(index('families', 'session_id'))
        expect(await plan(s.familiesByGrant.revoke, [1, 'g'])).toContain(index('families', 'grant_id'))
        expect(await plan(s.onlineFamiliesBySession.revoke, [1, 's'])).toContain(index('families', 'session_id'))
        expect(await plan(s.familiesByGrant.deleteAccess, ['g'])).toContain(index('families', 'grant_id'))
        expect(await plan(s.retireSiblings, [1, 'p', 't'])).toContain(index('refresh_tokens', 'parent_hash'))
        expect(await plan(s.retireSiblingAccess, ['p', 't'])).toContain(index('refresh_tokens', 'parent_hash'))
        expect(await plan(s.selectForRotation, ['t'])).toContain(index('refresh_tokens', 'parent_hash'))
      } finally {
        on.release()
      }
    })
  })

  describe('PostgreSQL prepared statements', () => {
    // One connection per pool: every statement of a test runs in the session pg_prepared_statements shows.
    const single = async <T>(work: (on: pg.Pool) => Promise<T>): Promise<T> => {
      const on = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 })
      try {
        return await work(on)
      } finally {
        await on.end()
      }
    }
    const prepared = async (on: pg.Pool): Promise<string[]> =>
      (await on.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'oauth2\\_stack\\_%'")).rows.map(
        (row) => row.statement,
      )
    const client = { clientId: 'prepared-client', clientSecret: 'S'.repeat(43), redirectUris: ['https://client.example/cb'] }

    it('runs the store calls as named prepared statements, and as plain ones with preparedStatements: false', async () => {
      const place = fresh()
      await single(async (on) => {
        const owned = new PostgresStore({ pool: on, schema: place.schema, tablePrefix: place.prefix })
        await owned.migrate()
        await owned.addClient(client)
        expect((await owned.fetchByClientId(client.clientId))?.clientId).toBe(client.clientId)
        const statements = await prepared(on)
        expect(statements.some((statement) => statement.includes(`"${place.schema}"."${place.prefix}clients"`))).toBe(true)
      })
      await single(async (on) => {
        const plain = new PostgresStore({ pool: on, schema: place.schema, tablePrefix: place.prefix, preparedStatements: false })
        expect((await plain.fetchByClientId(client.clientId))?.clientId).toBe(client.clientId)
        expect(await prepared(on)).toEqual([])
      })
    })

    it('keeps two stores on one connection apart (names follow the statement text)', async () => {
      const [a, b] = [fresh(), fresh()]
      await single(async (on) => {
        for (const place of [a, b]) {
          const each = new PostgresStore({ pool: on, schema: place.schema, tablePrefix: place.prefix })
          await each.migrate()
          await each.addClient({ ...client, clientId: place.schema })
        }
        for (const place of [a, b]) {
          const each = new PostgresStore({ pool: on, schema: place.schema, tablePrefix: place.prefix })
          expect((await each.fetchByClientId(place.schema))?.clientId).toBe(place.schema)
          expect(await each.fetchByClientId(a === place ? b.schema : a.schema)).toBeUndefined()
        }
      })
    })

    it('still answers when a later migration adds a column under a running process (statements name their columns)', async () => {
      const place = fresh()
      const clock = new TestClock()
      await single(async (on) => {
        const running = new PostgresStore({ pool: on, schema: place.schema, tablePrefix: place.prefix, clock: clock.now })
        await running.migrate()
        await running.addClient(client)
        await running.saveToken(access(clock, { tokenHash: 'before-column' }))
        // Prepared now, in this session.
        expect(await running.fetchByClientId(client.clientId)).toBeDefined()
        expect(await running.fetchByToken('before-column')).toBeDefined()
        for (const table of ['clients', 'access_tokens']) {
          await on.query(`ALTER TABLE "${place.schema}"."${place.prefix}${table}" ADD COLUMN added_later TEXT`)
        }
        expect((await running.fetchByClientId(client.clientId))?.clientId).toBe(client.clientId)
        expect((await running.fetchByToken('before-column'))?.tokenHash).toBe('before-column')
      })
    })
  })
})
