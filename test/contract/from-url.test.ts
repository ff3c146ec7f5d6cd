import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql, { type RowDataPacket } from 'mysql2/promise'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore, type OpenedStore } from '../../src/stores/from-url.ts'
import { code } from './records.ts'
import { MYSQL_URL, POSTGRES_URL, probeService, uniqueName, whenReachable } from './services.ts'
import { FakeClock } from './store-contract.ts'

const directory = mkdtempSync(join(tmpdir(), 'oauth2-from-url-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

/** Registers a client, issues a code and redeems it: the stores work and are the ones configured. */
async function exercise(stores: OpenedStore, clock: FakeClock): Promise<void> {
  await stores.clientStore.addClient({ clientId: 'abc', clientSecret: 'xyz', redirectUris: ['https://client.example.com/cb'] })
  expect((await stores.clientStore.fetchByClientId('abc'))?.clientId).toBe('abc')
  expect((await stores.clientStore.listClients()).map((c) => c.clientId)).toEqual(['abc'])
  await stores.tokenStore.saveCode(code(clock))
  expect((await stores.tokenStore.consumeCode('code-1', clock.seconds))?.outcome).toBe('consumed')
}

describe('openStore', () => {
  it('opens sqlite:<path>, migrating only when asked; the file keeps what was stored', async () => {
    const clock = new FakeClock()
    const path = join(directory, 'a.db')
    const first = await openStore(`sqlite:${path}`, { migrate: true, clock: clock.now })
    await exercise(first, clock)
    await first.close()
    const again = await openStore(`sqlite:${path}`, { clock: clock.now })
    expect((await again.tokenStore.consumeCode('code-1', clock.seconds))?.outcome).toBe('reused')
    expect(await again.clientStore.fetchByClientId('abc')).toBeDefined()
    await again.close()
  })

  it('opens sqlite:///absolute/path and sqlite::memory:', async () => {
    const clock = new FakeClock()
    const absolute = await openStore(`sqlite://${join(directory, 'b.db')}`, { migrate: true, clock: clock.now })
    await exercise(absolute, clock)
    await absolute.close()
    const memory = await openStore('sqlite::memory:', { clock: clock.now })
    await expect(memory.tokenStore.fetchByCode('x')).rejects.toThrow(/run migrate\(\)/)
    await memory.migrate()
    await exercise(memory, clock)
    await memory.close()
  })

  it('uses a table prefix for SQL stores', async () => {
    const clock = new FakeClock()
    const stores = await openStore(`sqlite:${join(directory, 'c.db')}`, { migrate: true, tablePrefix: 'custom_', clock: clock.now })
    await exercise(stores, clock)
    await stores.close()
    const other = await openStore(`sqlite:${join(directory, 'c.db')}`, { migrate: true, clock: clock.now })
    expect(await other.clientStore.fetchByClientId('abc')).toBeUndefined()
    await other.close()
  })

  it('refuses an unknown scheme with a TypeError naming the supported ones, never echoing the URL', async () => {
    await expect(openStore('mongodb://user:hunter2@db.example.com/oauth')).rejects.toThrow(TypeError)
    await expect(openStore('mongodb://user:hunter2@db.example.com/oauth')).rejects.toThrow(
      /unsupported store URL scheme "mongodb:": use sqlite:<path>, sqlite::memory:, postgres:\/\/, postgresql:\/\/, mysql:\/\/, redis:\/\/, rediss:\/\/ and memcached:\/\//,
    )
    await expect(openStore('mongodb://user:hunter2@db.example.com/oauth')).rejects.not.toThrow(/hunter2/)
    await expect(openStore('./oauth2.db')).rejects.toThrow(/unsupported store URL scheme \(none\)/)
    await expect(openStore('sqlite:')).rejects.toThrow(TypeError)
    await expect(openStore('memcached://')).rejects.toThrow(TypeError)
  })

  it('rejects with an Error naming the backend and its address when it is unreachable, never the password', async () => {
    await expect(openStore('postgres://postgres:hunter2@127.0.0.1:1/test')).rejects.toThrow(/^PostgreSQL at 127\.0\.0\.1:1 is unreachable/)
    await expect(openStore('postgresql://postgres:hunter2@127.0.0.1:1/test')).rejects.not.toThrow(/hunter2/)
    await expect(openStore('mysql://root:hunter2@127.0.0.1:1/test')).rejects.toThrow(/^MySQL at 127\.0\.0\.1:1 is unreachable/)
    await expect(openStore('redis://:hunter2@127.0.0.1:1/0')).rejects.toThrow(/^Redis at 127\.0\.0\.1:1 is unreachable/)
    await expect(openStore('memcached://127.0.0.1:1')).rejects.toThrow(/^memcached at 127\.0\.0\.1:1 is unreachable/)
    await expect(openStore(`sqlite:${join(directory, 'missing', 'x.db')}`)).rejects.toThrow(/^SQLite database at .* cannot be opened/)
  })
})

whenReachable(await probeService('PostgreSQL', POSTGRES_URL, 5432), () => {
  describe('openStore(postgres://…)', () => {
    const schema = uniqueName('oauth2_from_url')
    afterAll(async () => {
      const pool = new pg.Pool({ connectionString: POSTGRES_URL })
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool.end()
    })

    it('opens a PostgresStore in the schema given, migrating when asked', async () => {
      const clock = new FakeClock()
      const stores = await openStore(POSTGRES_URL, { schema, migrate: true, clock: clock.now })
      try {
        await exercise(stores, clock)
      } finally {
        await stores.close()
      }
      const again = await openStore(POSTGRES_URL.replace(/^postgres:/, 'postgresql:'), { schema, clock: clock.now })
      expect((await again.tokenStore.consumeCode('code-1', clock.seconds))?.outcome).toBe('reused')
      await again.close()
    })
  })
})

whenReachable(await probeService('MariaDB/MySQL', MYSQL_URL, 3306), () => {
  describe('openStore(mysql://…)', () => {
    const tablePrefix = `${uniqueName('u')}_`
    afterAll(async () => {
      const pool = mysql.createPool({ uri: MYSQL_URL })
      const [tables] = await pool.query<RowDataPacket[]>(
        'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
      )
      for (const row of tables) if (String(row['name']).startsWith(tablePrefix)) await pool.query(`DROP TABLE \`${String(row['name'])}\``)
      await pool.end()
    })

    it('opens a MysqlStore with the table prefix given, migrating when asked', async () => {
      const clock = new FakeClock()
      const stores = await openStore(MYSQL_URL, { tablePrefix, migrate: true, clock: clock.now })
      try {
        await exercise(stores, clock)
      } finally {
        await stores.close()
      }
      const again = await openStore(MYSQL_URL, { tablePrefix, clock: clock.now })
      expect((await again.tokenStore.consumeCode('code-1', clock.seconds))?.outcome).toBe('reused')
      await again.close()
    })
  })
})
