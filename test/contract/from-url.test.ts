import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql, { type RowDataPacket } from 'mysql2/promise'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalClientStore } from '../../src/stores/memory-client-store.ts'
import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import { LocalTokenStore } from '../../src/stores/memory-token-store.ts'
import { isRecordStore } from '../../src/stores/record-rules.ts'
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

/** The record store is the opened store itself when it implements RecordStore, else an in-process one. */
function expectRecordStoreOf(stores: OpenedStore): void {
  if (isRecordStore(stores.tokenStore)) expect(stores.recordStore).toBe(stores.tokenStore)
  else expect(stores.recordStore).toBeInstanceOf(LocalRecordStore)
}

describe('openStore', () => {
  it('opens memory: as the in-process stores, not persistent, with a working record store', async () => {
    const clock = new FakeClock()
    const stores = await openStore('memory:', { clock: clock.now })
    expect(stores.clientStore).toBeInstanceOf(LocalClientStore)
    expect(stores.tokenStore).toBeInstanceOf(LocalTokenStore)
    expect(stores.recordStore).toBeInstanceOf(LocalRecordStore)
    expect(stores.persistent).toBe(false)
    await exercise(stores, clock)
    expect(await stores.recordStore.consumeOnce('jti', 'a', clock.seconds + 60)).toBe(true)
    expect(await stores.recordStore.consumeOnce('jti', 'a', clock.seconds + 60)).toBe(false)
    await stores.migrate()
    await stores.close()
    const other = await openStore('MEMORY:')
    expect(await other.clientStore.fetchByClientId('abc')).toBeUndefined()
  })

  it('opens sqlite:<path>, migrating only when asked; the file keeps what was stored', async () => {
    const clock = new FakeClock()
    const path = join(directory, 'a.db')
    const first = await openStore(`sqlite:${path}`, { migrate: true, clock: clock.now })
    expect(first.persistent).toBe(true)
    expectRecordStoreOf(first)
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
    expect(memory.persistent).toBe(false)
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
      /unsupported store URL scheme "mongodb:": use sqlite:<path>, sqlite::memory:, postgres:\/\/, postgresql:\/\/, mysql:\/\/, redis:\/\/, rediss:\/\/, memcached:\/\/ and memory:$/,
    )
    await expect(openStore('mongodb://user:hunter2@db.example.com/oauth')).rejects.not.toThrow(/hunter2/)
    await expect(openStore('./oauth2.db')).rejects.toThrow(/unsupported store URL scheme \(none\)/)
    await expect(openStore('sqlite:')).rejects.toThrow(TypeError)
    await expect(openStore('memcached://')).rejects.toThrow(TypeError)
    await expect(openStore('memory:/tmp/x')).rejects.toThrow(/a memory: store URL takes no path/)
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
      expect(stores.persistent).toBe(true)
      expectRecordStoreOf(stores)
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
      expectRecordStoreOf(stores)
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

const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0'
const MEMCACHED_URL = process.env['TEST_MEMCACHED_URL'] ?? 'memcached://127.0.0.1:11211'

whenReachable(await probeService('Redis', REDIS_URL, 6379), () => {
  describe('openStore(redis://…)', () => {
    it('opens a RedisStore as client, token and (when it implements it) record store', async () => {
      const clock = new FakeClock()
      const stores = await openStore(REDIS_URL, { keyPrefix: `${uniqueName('from_url')}:`, clock: clock.now })
      try {
        expect(stores.persistent).toBe(true)
        expect(stores.clientStore).toBe(stores.tokenStore)
        expectRecordStoreOf(stores)
        await exercise(stores, clock)
      } finally {
        await stores.close()
      }
    })
  })
})

whenReachable(await probeService('memcached', MEMCACHED_URL, 11211), () => {
  describe('openStore(memcached://…)', () => {
    it('pairs the memcached token store with an in-memory client store', async () => {
      const clock = new FakeClock()
      const stores = await openStore(MEMCACHED_URL, { keyPrefix: `${uniqueName('from_url')}:`, clock: clock.now })
      try {
        expect(stores.clientStore).toBeInstanceOf(LocalClientStore)
        expectRecordStoreOf(stores)
        await exercise(stores, clock)
      } finally {
        await stores.close()
      }
    })
  })
})
