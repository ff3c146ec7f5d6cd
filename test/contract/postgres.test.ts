import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../src/errors.ts'
import { PostgresStore } from '../../src/stores/postgres.ts'
import { TABLE_NAMES } from '../../src/stores/sql/schema.ts'
import { raceFromSecondProcess } from './second-process.ts'
import { POSTGRES_URL, probeService, startTcpProxy, uniqueName, whenReachable } from './services.ts'
import { all, describeStoreContract, FakeClock } from './store-contract.ts'
import { access, code, refresh, rotation } from './records.ts'

const service = await probeService('PostgreSQL', POSTGRES_URL, 5432)

whenReachable(service, () => {
  // One schema for this file (dropped at the end); the tables are emptied after every test.
  const schema = uniqueName('oauth2_contract')
  const created = new Set<string>([schema])
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 20 })

  beforeAll(() => new PostgresStore({ pool, schema }).migrate())
  afterAll(async () => {
    for (const name of created) await pool.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)
    await pool.end()
  })

  const tables = (name: string): string => TABLE_NAMES.filter((t) => t !== 'schema_migrations').map((t) => `"${name}"."oauth2_${t}"`).join(', ')
  const count = async (name: string, table: string): Promise<number> =>
    Number((await pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM "${name}"."oauth2_${table}"`)).rows[0]?.n)

  describeStoreContract('PostgreSQL', async () => {
    const clock = new FakeClock()
    const store = new PostgresStore({ pool, schema, clock: clock.now })
    const close = async (): Promise<void> => {
      await store.close()
      await pool.query(`TRUNCATE ${tables(schema)}`)
    }
    return { clientStore: store, tokenStore: store, clock, close }
  })

  describe('PostgreSQL store', () => {
    /** A migrated schema of its own, dropped with the file's. */
    async function freshSchema(): Promise<string> {
      const name = uniqueName('oauth2_extra')
      created.add(name)
      await new PostgresStore({ pool, schema: name }).migrate()
      return name
    }

    it('migrates idempotently: a second and third run change nothing and record version 1 once', async () => {
      const name = await freshSchema()
      const store = new PostgresStore({ pool, schema: name })
      await store.migrate()
      await store.migrate()
      const versions = await pool.query(`SELECT version FROM "${name}".oauth2_schema_migrations`)
      expect(versions.rows).toEqual([{ version: 1 }])
      const listed = await pool.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
        [name],
      )
      expect(listed.rows.map((row) => row.table_name)).toEqual(TABLE_NAMES.map((t) => `oauth2_${t}`).sort())
    })

    it('migrates once when several processes start together (advisory lock)', async () => {
      const name = uniqueName('oauth2_together')
      created.add(name)
      const pools = [0, 1, 2, 3].map(() => new pg.Pool({ connectionString: POSTGRES_URL, max: 1 }))
      try {
        await Promise.all(pools.map((p) => new PostgresStore({ pool: p, schema: name }).migrate()))
      } finally {
        await Promise.all(pools.map((p) => p.end()))
      }
      expect((await pool.query(`SELECT version FROM "${name}".oauth2_schema_migrations`)).rows).toEqual([{ version: 1 }])
    })

    it('refuses a schema migrated by a newer release', async () => {
      const name = await freshSchema()
      await pool.query(`INSERT INTO "${name}".oauth2_schema_migrations (version, applied_at) VALUES (99, 0)`)
      await expect(new PostgresStore({ pool, schema: name }).migrate()).rejects.toThrow(/version 99, newer than/)
    })

    it('keeps schemas and table prefixes apart', async () => {
      const clock = new FakeClock()
      const here = new PostgresStore({ pool, schema, clock: clock.now })
      const elsewhere = new PostgresStore({ pool, schema: await freshSchema(), clock: clock.now })
      const prefixed = new PostgresStore({ pool, schema, tablePrefix: 'other_', clock: clock.now })
      await prefixed.migrate()
      try {
        await here.saveCode(code(clock))
        expect(await here.fetchByCode('code-1')).toBeDefined()
        expect(await elsewhere.fetchByCode('code-1')).toBeUndefined()
        expect(await prefixed.fetchByCode('code-1')).toBeUndefined()
      } finally {
        await pool.query(`TRUNCATE ${tables(schema)}`)
        for (const t of TABLE_NAMES) await pool.query(`DROP TABLE "${schema}"."other_${t}"`)
      }
    })

    it('shares codes and tokens between two pools (two processes) on one database', async () => {
      const clock = new FakeClock()
      const second = new pg.Pool({ connectionString: POSTGRES_URL })
      const a = new PostgresStore({ pool, schema, clock: clock.now })
      const b = new PostgresStore({ pool: second, schema, clock: clock.now })
      try {
        await a.saveCode(code(clock))
        expect(await b.fetchByCode('code-1')).toEqual(code(clock))
        await a.saveToken(access(clock), refresh(clock))
        expect(await b.rotateRefreshToken(rotation(clock, 'refresh-1', 2))).toBe('rotated')
        expect((await a.fetchByRefreshToken('refresh-1'))?.successorHash).toBe('refresh-2')
        await a.revokeFamily('fam-1')
        expect(await b.fetchByToken('access-2')).toBeUndefined()
        expect(await b.saveToken(access(clock, { tokenHash: 'late' }))).toBe(false)
      } finally {
        await second.end()
        await pool.query(`TRUNCATE ${tables(schema)}`)
      }
    })

    it('redeems a code raced from two pools (25 + 25 calls at once) exactly once', async () => {
      const clock = new FakeClock()
      const second = new pg.Pool({ connectionString: POSTGRES_URL, max: 10 })
      const a = new PostgresStore({ pool, schema, clock: clock.now })
      const b = new PostgresStore({ pool: second, schema, clock: clock.now })
      try {
        await a.saveCode(code(clock))
        const results = await all(
          Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).consumeCode('code-1', clock.seconds)),
        )
        expect(results.filter((r) => r?.outcome === 'consumed')).toHaveLength(1)
        expect(results.filter((r) => r?.outcome === 'reused')).toHaveLength(49)
      } finally {
        await second.end()
        await pool.query(`TRUNCATE ${tables(schema)}`)
      }
    })

    it('redeems a code raced from a second OS process exactly once, and rotates a token raced from it once', async () => {
      const clock = new FakeClock()
      const store = new PostgresStore({ pool, schema, clock: clock.now })
      try {
        await store.saveCode(code(clock))
        const codes = await raceFromSecondProcess(['postgres', POSTGRES_URL, schema, 'consume', 'code-1', '25', String(clock.seconds)], () =>
          all(Array.from({ length: 25 }, async () => (await store.consumeCode('code-1', clock.seconds))?.outcome)),
        )
        expect(codes.filter((o) => o === 'consumed')).toHaveLength(1)
        expect(codes.filter((o) => o === 'reused')).toHaveLength(49)

        await store.saveToken(access(clock), refresh(clock))
        const rotations = await raceFromSecondProcess(
          ['postgres', POSTGRES_URL, schema, 'rotate', 'refresh-1', '25', String(clock.seconds)],
          () => all(Array.from({ length: 25 }, (_, i) => store.rotateRefreshToken(rotation(clock, 'refresh-1', `parent-${i}`)))),
        )
        expect(rotations.filter((o) => o === 'rotated')).toHaveLength(1)
        expect(rotations.filter((o) => o === 'reused' || o === 'invalid')).toHaveLength(49)
        expect(await count(schema, 'refresh_tokens')).toBe(0)
      } finally {
        await pool.query(`TRUNCATE ${tables(schema)}`)
      }
    })

    it('purgeExpired deletes expired rows only; a write purges in the background, at most once a minute', async () => {
      const clock = new FakeClock()
      const store = new PostgresStore({ pool, schema, clock: clock.now })
      try {
        await store.saveCode(code(clock, { codeHash: 'short', expiresAt: clock.seconds + 10 }))
        await store.saveCode(code(clock, { codeHash: 'long', expiresAt: clock.seconds + 600 }))
        await store.saveToken(access(clock, { expiresAt: clock.seconds + 10 }), refresh(clock, { expiresAt: clock.seconds + 20 }))
        await store.saveToken(access(clock, { tokenHash: 'keep', familyId: 'fam-2', uniqueKey: 'k', expiresAt: clock.seconds + 600 }))
        await store.revokeFamily('fam-gone')
        clock.advance(30)
        expect(await store.purgeExpired()).toBe(4) // short code, access-1, refresh-1, fam-1
        expect(await count(schema, 'codes')).toBe(1)
        expect(await count(schema, 'access_tokens')).toBe(1)
        expect(await count(schema, 'refresh_tokens')).toBe(0)
        expect(await count(schema, 'families')).toBe(2) // fam-2 and the revoked fam-gone (a day)
        expect(await store.purgeExpired()).toBe(0)

        // Opportunistic: the next write more than a minute later purges; close() waits for it.
        await store.saveCode(code(clock, { codeHash: 'soon', expiresAt: clock.seconds + 10 }))
        clock.advance(86_400 + 60)
        await store.saveCode(code(clock, { codeHash: 'fresh' }))
        await store.close()
        expect(await count(schema, 'codes')).toBe(1)
        expect(await count(schema, 'access_tokens')).toBe(0)
        expect(await count(schema, 'families')).toBe(0)
        expect(await count(schema, 'unique_tokens')).toBe(0)
      } finally {
        await pool.query(`TRUNCATE ${tables(schema)}`)
      }
    })

    it('rejects connect() and migrate() with an Error naming PostgreSQL and its address when unreachable', async () => {
      const store = new PostgresStore({ connectionString: 'postgres://postgres:secret@127.0.0.1:1/test', connectTimeoutMs: 2000 })
      try {
        await expect(store.connect()).rejects.toThrow(/^PostgreSQL at 127\.0\.0\.1:1 is unreachable: .*ECONNREFUSED/)
        await expect(store.migrate()).rejects.toThrow(/^PostgreSQL at 127\.0\.0\.1:1 is unreachable/)
        await expect(store.connect()).rejects.not.toThrow(/secret/)
        // At request time the same failure is a StoreUnavailableError (answered 503).
        await expect(store.fetchByCode('x')).rejects.toBeInstanceOf(StoreUnavailableError)
      } finally {
        await store.close()
      }
    })

    it('turns a database lost mid-request into StoreUnavailableError, for reads and for transactions', async () => {
      const proxy = await startTcpProxy(service.host, service.port)
      const clock = new FakeClock()
      const store = new PostgresStore({
        connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test`,
        schema,
        clock: clock.now,
        connectTimeoutMs: 1000,
      })
      try {
        await store.connect()
        await store.saveToken(access(clock), refresh(clock))
        expect(await store.fetchByToken('access-1')).toBeDefined()
        await proxy.cut()
        await expect(store.fetchByToken('access-1')).rejects.toBeInstanceOf(StoreUnavailableError)
        await expect(store.rotateRefreshToken(rotation(clock, 'refresh-1', 2))).rejects.toThrow(
          /^PostgreSQL store: rotateRefreshToken failed/,
        )
        await expect(store.consumeCode('code-1', clock.seconds)).rejects.toBeInstanceOf(StoreUnavailableError)
      } finally {
        await store.close()
        await pool.query(`TRUNCATE ${tables(schema)}`)
      }
    })

    it('says to run migrate() when the tables are missing (it never runs implicitly)', async () => {
      const name = uniqueName('oauth2_unmigrated')
      const store = new PostgresStore({ pool, schema: name })
      await expect(store.fetchByCode('x')).rejects.toThrow(/tables are missing \(run migrate\(\) at start-up\)/)
      await expect(store.saveCode(code(new FakeClock()))).rejects.toBeInstanceOf(StoreUnavailableError)
      const exists = await pool.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [name])
      expect(exists.rowCount).toBe(0)
    })

    it('ends a pool it made, and leaves a pool it was given open', async () => {
      const owned = new PostgresStore({ connectionString: POSTGRES_URL, schema })
      await owned.connect()
      await owned.close()
      expect(owned.pool.ended).toBe(true)
      const given = new PostgresStore({ pool, schema })
      await given.close()
      expect(pool.ended).toBe(false)
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    })

    it('refuses bad options with a TypeError', () => {
      expect(() => new PostgresStore({ pool, schema: 'bad-name' })).toThrow(TypeError)
      expect(() => new PostgresStore({ pool, tablePrefix: 'x; DROP' })).toThrow(TypeError)
      expect(() => new PostgresStore({} as unknown as { pool: pg.Pool })).toThrow(TypeError)
    })
  })
})
