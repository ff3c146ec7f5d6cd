import mysql, { type RowDataPacket } from 'mysql2/promise'
import { afterAll, describe, expect, it } from 'vitest'
import { MysqlStore } from '../../src/stores/mysql.ts'
import type { SqlDialect } from '../../src/stores/sql/dialect.ts'
import { mysqlDialect } from '../../src/stores/sql/dialects.ts'
import { MYSQL_URL, probeService, uniqueName, whenReachable } from './services.ts'
import { describeSqlStoreContract, type SqlPlace } from './sql-store-contract.ts'

const service = await probeService('MariaDB/MySQL', MYSQL_URL, 3306)

whenReachable(service, () => {
  // Every prefix this file makes starts with its own stem; its tables are dropped at the end.
  const stem = uniqueName('t')
  let places = 0
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 20 })
  const tables = async (): Promise<string[]> =>
    (await pool.query<RowDataPacket[]>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()'))[0].map(
      (row) => String(row['name']),
    )
  afterAll(async () => {
    for (const name of await tables()) if (name.startsWith(stem)) await pool.query(`DROP TABLE \`${name}\``)
    await pool.end()
  })
  const fresh = (): SqlPlace => ({ prefix: `${stem}x${++places}_` })
  const main = fresh()
  const store = (place: SqlPlace, clock?: { now: () => number }, on: mysql.Pool = pool): MysqlStore =>
    new MysqlStore({ pool: on, tablePrefix: place.prefix, ...(clock === undefined ? {} : { clock: clock.now }) })
  const dialect = (place: SqlPlace): SqlDialect => mysqlDialect(place)

  describeSqlStoreContract<SqlPlace>({
    name: 'MariaDB/MySQL',
    backend: 'MySQL',
    main,
    fresh,
    otherPrefix: (place) => ({ prefix: `${place.prefix}o_` }),
    store,
    second: (place, clock) => {
      const second = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 10 })
      return { store: store(place, clock, second), close: () => second.end() }
    },
    migrateTogether: async (place) => {
      const pools = [0, 1, 2, 3].map(() => mysql.createPool({ uri: MYSQL_URL, connectionLimit: 1 }))
      try {
        await Promise.all(pools.map((p) => store(place, undefined, p).migrate()))
      } finally {
        await Promise.all(pools.map((p) => p.end()))
      }
    },
    dialect,
    exec: async (_, sql) => {
      const [result] = await pool.query(sql)
      return Array.isArray(result) ? (result as Record<string, unknown>[]) : []
    },
    tables,
    clear: async (place) => {
      for (const name of await tables()) {
        if (
          name.startsWith(place.prefix) &&
          name.slice(place.prefix.length) !== 'schema_migrations' &&
          !name.slice(place.prefix.length).startsWith('o_')
        ) {
          await pool.query(`DELETE FROM \`${name}\``)
        }
      }
    },
    raceArgs: (place) => ['mysql', MYSQL_URL, place.prefix],
    server: {
      service,
      scheme: 'mysql',
      user: 'root',
      open: (url, clock, connectTimeoutMs) => new MysqlStore({ uri: url, tablePrefix: main.prefix, clock: clock.now, connectTimeoutMs }),
    },
    owned: () => {
      const owned = new MysqlStore({ uri: MYSQL_URL, tablePrefix: main.prefix })
      return {
        store: owned,
        isClosed: () =>
          owned.pool.query('SELECT 1').then(
            () => false,
            (error: unknown) => /closed/i.test(String(error)),
          ),
      }
    },
    given: () => ({ store: store(main), answers: async () => (await pool.query<RowDataPacket[]>('SELECT 1 AS one'))[0][0]?.['one'] === 1 }),
    badOptions: [() => new MysqlStore({ pool, tablePrefix: 'x; DROP' }), () => new MysqlStore({} as unknown as { pool: mysql.Pool })],
  })

  describe('MariaDB/MySQL store', () => {
    it('keys are VARBINARY(2048): compared byte for byte, 512 characters of UTF-8 fit (URL client ids, record keys)', async () => {
      const [columns] = await pool.query<RowDataPacket[]>(
        `SELECT column_type AS type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? AND column_name = 'client_id'`,
        [`${main.prefix}clients`],
      )
      expect(String(columns[0]?.['type']).toLowerCase()).toBe('varbinary(2048)')
      const clientId = `https://client.example.com/${'a'.repeat(485)}`
      const key = 'é'.repeat(512)
      const s = store(main)
      try {
        await s.addClient({ clientId, redirectUris: ['https://client.example.com/cb'] })
        expect((await s.fetchByClientId(clientId))?.clientId).toBe(clientId)
        expect(await s.fetchByClientId(clientId.toUpperCase())).toBeUndefined()
        await s.putRecord('session', key, 'v')
        expect((await s.getRecord('session', key))?.value).toBe('v')
        expect(await s.getRecord('session', 'É'.repeat(512))).toBeUndefined()
      } finally {
        await s.close()
        await pool.query(`DELETE FROM \`${main.prefix}clients\``)
        await pool.query(`DELETE FROM \`${main.prefix}records\``)
      }
    })
  })
})
