import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { PostgresStore } from '../../src/stores/postgres.ts'
import type { SqlDialect } from '../../src/stores/sql/dialect.ts'
import { postgresDialect } from '../../src/stores/sql/dialects.ts'
import { POSTGRES_URL, probeService, uniqueName, whenReachable } from './services.ts'
import { describeSqlStoreContract, type SqlPlace } from './sql-store-contract.ts'

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
})
