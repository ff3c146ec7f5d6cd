import mysql, { type RowDataPacket } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../src/errors.ts'
import { MysqlStore } from '../../src/stores/mysql.ts'
import { TABLE_NAMES } from '../../src/stores/sql/schema.ts'
import { access, code, refresh, rotation } from './records.ts'
import { raceFromSecondProcess } from './second-process.ts'
import { MYSQL_URL, probeService, startTcpProxy, uniqueName, whenReachable } from './services.ts'
import { all, describeStoreContract, FakeClock } from './store-contract.ts'

const service = await probeService('MariaDB/MySQL', MYSQL_URL, 3306)

whenReachable(service, () => {
  // One table prefix for this file (its tables dropped at the end); the tables are emptied after every test.
  const prefix = `${uniqueName('t')}_`
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 20 })

  beforeAll(() => new MysqlStore({ pool, tablePrefix: prefix }).migrate())
  afterAll(async () => {
    const [tables] = await pool.query<RowDataPacket[]>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
    )
    for (const row of tables) {
      const name = String(row['name'])
      // Every prefix this file made starts with its own (the extras add a letter to it).
      if (name.startsWith(prefix.slice(0, -1))) await pool.query(`DROP TABLE \`${name}\``)
    }
    await pool.end()
  })

  const clear = async (p: string = prefix): Promise<void> => {
    for (const t of TABLE_NAMES) if (t !== 'schema_migrations') await pool.query(`DELETE FROM \`${p}${t}\``)
  }
  const count = async (table: string): Promise<number> => {
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${prefix}${table}\``)
    return Number(rows[0]?.['n'])
  }

  describeStoreContract('MariaDB/MySQL', async () => {
    const clock = new FakeClock()
    const store = new MysqlStore({ pool, tablePrefix: prefix, clock: clock.now })
    const close = async (): Promise<void> => {
      await store.close()
      await clear()
    }
    return { clientStore: store, tokenStore: store, clock, close }
  })

  describe('MariaDB/MySQL store', () => {
    let extra = 0
    /** A migrated prefix of its own, dropped with the file's tables. */
    async function freshPrefix(): Promise<string> {
      const name = `${prefix.slice(0, -1)}x${++extra}_`
      await new MysqlStore({ pool, tablePrefix: name }).migrate()
      return name
    }

    it('migrates idempotently: a second and third run change nothing and record version 1 once', async () => {
      const name = await freshPrefix()
      const store = new MysqlStore({ pool, tablePrefix: name })
      await store.migrate()
      await store.migrate()
      const [versions] = await pool.query<RowDataPacket[]>(`SELECT version FROM \`${name}schema_migrations\``)
      expect(versions.map((row) => Number(row['version']))).toEqual([1])
      const [tables] = await pool.query<RowDataPacket[]>(
        'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?',
        [`${name.replaceAll('_', '\\_')}%`],
      )
      expect(tables.map((row) => String(row['name'])).sort()).toEqual(TABLE_NAMES.map((t) => `${name}${t}`).sort())
    })

    it('migrates once when several processes start together (named lock)', async () => {
      const name = `${prefix.slice(0, -1)}x${++extra}_`
      const pools = [0, 1, 2, 3].map(() => mysql.createPool({ uri: MYSQL_URL, connectionLimit: 1 }))
      try {
        await Promise.all(pools.map((p) => new MysqlStore({ pool: p, tablePrefix: name }).migrate()))
      } finally {
        await Promise.all(pools.map((p) => p.end()))
      }
      const [versions] = await pool.query<RowDataPacket[]>(`SELECT version FROM \`${name}schema_migrations\``)
      expect(versions.map((row) => Number(row['version']))).toEqual([1])
    })

    it('refuses tables migrated by a newer release', async () => {
      const name = await freshPrefix()
      await pool.query(`INSERT INTO \`${name}schema_migrations\` (version, applied_at) VALUES (99, 0)`)
      await expect(new MysqlStore({ pool, tablePrefix: name }).migrate()).rejects.toThrow(/version 99, newer than/)
    })

    it('keeps table prefixes apart', async () => {
      const clock = new FakeClock()
      const here = new MysqlStore({ pool, tablePrefix: prefix, clock: clock.now })
      const elsewhere = new MysqlStore({ pool, tablePrefix: await freshPrefix(), clock: clock.now })
      try {
        await here.saveCode(code(clock))
        expect(await here.fetchByCode('code-1')).toBeDefined()
        expect(await elsewhere.fetchByCode('code-1')).toBeUndefined()
      } finally {
        await clear()
      }
    })

    it('shares codes and tokens between two pools (two processes) on one database', async () => {
      const clock = new FakeClock()
      const second = mysql.createPool({ uri: MYSQL_URL })
      const a = new MysqlStore({ pool, tablePrefix: prefix, clock: clock.now })
      const b = new MysqlStore({ pool: second, tablePrefix: prefix, clock: clock.now })
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
        await clear()
      }
    })

    it('redeems a code raced from two pools (25 + 25 calls at once) exactly once', async () => {
      const clock = new FakeClock()
      const second = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 10 })
      const a = new MysqlStore({ pool, tablePrefix: prefix, clock: clock.now })
      const b = new MysqlStore({ pool: second, tablePrefix: prefix, clock: clock.now })
      try {
        await a.saveCode(code(clock))
        const results = await all(
          Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).consumeCode('code-1', clock.seconds)),
        )
        expect(results.filter((r) => r?.outcome === 'consumed')).toHaveLength(1)
        expect(results.filter((r) => r?.outcome === 'reused')).toHaveLength(49)
      } finally {
        await second.end()
        await clear()
      }
    })

    it('redeems a code raced from a second OS process exactly once, and rotates a token raced from it once', async () => {
      const clock = new FakeClock()
      const store = new MysqlStore({ pool, tablePrefix: prefix, clock: clock.now })
      try {
        await store.saveCode(code(clock))
        const codes = await raceFromSecondProcess(['mysql', MYSQL_URL, prefix, 'consume', 'code-1', '25', String(clock.seconds)], () =>
          all(Array.from({ length: 25 }, async () => (await store.consumeCode('code-1', clock.seconds))?.outcome)),
        )
        expect(codes.filter((o) => o === 'consumed')).toHaveLength(1)
        expect(codes.filter((o) => o === 'reused')).toHaveLength(49)

        await store.saveToken(access(clock), refresh(clock))
        const rotations = await raceFromSecondProcess(['mysql', MYSQL_URL, prefix, 'rotate', 'refresh-1', '25', String(clock.seconds)], () =>
          all(Array.from({ length: 25 }, (_, i) => store.rotateRefreshToken(rotation(clock, 'refresh-1', `parent-${i}`)))),
        )
        expect(rotations.filter((o) => o === 'rotated')).toHaveLength(1)
        expect(rotations.filter((o) => o === 'reused' || o === 'invalid')).toHaveLength(49)
        expect(await count('refresh_tokens')).toBe(0)
      } finally {
        await clear()
      }
    })

    it('purgeExpired deletes expired rows only; a write purges in the background, at most once a minute', async () => {
      const clock = new FakeClock()
      const store = new MysqlStore({ pool, tablePrefix: prefix, clock: clock.now })
      try {
        await store.saveCode(code(clock, { codeHash: 'short', expiresAt: clock.seconds + 10 }))
        await store.saveCode(code(clock, { codeHash: 'long', expiresAt: clock.seconds + 600 }))
        await store.saveToken(access(clock, { expiresAt: clock.seconds + 10 }), refresh(clock, { expiresAt: clock.seconds + 20 }))
        await store.saveToken(access(clock, { tokenHash: 'keep', familyId: 'fam-2', uniqueKey: 'k', expiresAt: clock.seconds + 600 }))
        await store.revokeFamily('fam-gone')
        clock.advance(30)
        expect(await store.purgeExpired()).toBe(4) // short code, access-1, refresh-1, fam-1
        expect(await count('codes')).toBe(1)
        expect(await count('access_tokens')).toBe(1)
        expect(await count('refresh_tokens')).toBe(0)
        expect(await count('families')).toBe(2) // fam-2 and the revoked fam-gone (a day)
        expect(await store.purgeExpired()).toBe(0)

        // Opportunistic: the next write more than a minute later purges; close() waits for it.
        await store.saveCode(code(clock, { codeHash: 'soon', expiresAt: clock.seconds + 10 }))
        clock.advance(86_400 + 60)
        await store.saveCode(code(clock, { codeHash: 'fresh' }))
        await store.close()
        expect(await count('codes')).toBe(1)
        expect(await count('access_tokens')).toBe(0)
        expect(await count('families')).toBe(0)
        expect(await count('unique_tokens')).toBe(0)
      } finally {
        await clear()
      }
    })

    it('rejects connect() and migrate() with an Error naming MySQL and its address when unreachable', async () => {
      const store = new MysqlStore({ uri: 'mysql://root:secret@127.0.0.1:1/test', connectTimeoutMs: 2000 })
      try {
        await expect(store.connect()).rejects.toThrow(/^MySQL at 127\.0\.0\.1:1 is unreachable: .*ECONNREFUSED/)
        await expect(store.migrate()).rejects.toThrow(/^MySQL at 127\.0\.0\.1:1 is unreachable/)
        await expect(store.connect()).rejects.not.toThrow(/secret/)
        await expect(store.fetchByCode('x')).rejects.toBeInstanceOf(StoreUnavailableError)
      } finally {
        await store.close()
      }
    })

    it('turns a database lost mid-request into StoreUnavailableError, for reads and for transactions', async () => {
      const proxy = await startTcpProxy(service.host, service.port)
      const clock = new FakeClock()
      const store = new MysqlStore({
        uri: `mysql://root@127.0.0.1:${proxy.port}/test`,
        tablePrefix: prefix,
        clock: clock.now,
        connectTimeoutMs: 1000,
      })
      try {
        await store.connect()
        await store.saveToken(access(clock), refresh(clock))
        expect(await store.fetchByToken('access-1')).toBeDefined()
        await proxy.cut()
        await expect(store.fetchByToken('access-1')).rejects.toBeInstanceOf(StoreUnavailableError)
        await expect(store.rotateRefreshToken(rotation(clock, 'refresh-1', 2))).rejects.toThrow(/^MySQL store: rotateRefreshToken failed/)
        await expect(store.consumeCode('code-1', clock.seconds)).rejects.toBeInstanceOf(StoreUnavailableError)
      } finally {
        await store.close()
        await clear()
      }
    })

    it('says to run migrate() when the tables are missing (it never runs implicitly)', async () => {
      const name = `${prefix.slice(0, -1)}never_`
      const store = new MysqlStore({ pool, tablePrefix: name })
      await expect(store.fetchByCode('x')).rejects.toThrow(/tables are missing \(run migrate\(\) at start-up\)/)
      await expect(store.saveCode(code(new FakeClock()))).rejects.toBeInstanceOf(StoreUnavailableError)
      const [tables] = await pool.query<RowDataPacket[]>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?',
        [`${name.replaceAll('_', '\\_')}%`],
      )
      expect(tables).toHaveLength(0)
    })

    it('ends a pool it made, and leaves a pool it was given open', async () => {
      const owned = new MysqlStore({ uri: MYSQL_URL, tablePrefix: prefix })
      await owned.connect()
      await owned.close()
      await expect(owned.pool.query('SELECT 1')).rejects.toThrow(/closed/i)
      const given = new MysqlStore({ pool, tablePrefix: prefix })
      await given.close()
      const [rows] = await pool.query<RowDataPacket[]>('SELECT 1 AS one')
      expect(rows).toEqual([{ one: 1 }])
    })

    it('refuses bad options with a TypeError', () => {
      expect(() => new MysqlStore({ pool, tablePrefix: 'x`; DROP' })).toThrow(TypeError)
      expect(() => new MysqlStore({} as unknown as { pool: typeof pool })).toThrow(TypeError)
    })
  })
})
