/**
 * The session and remembered-consent contract on every backend that holds records: memory, SQLite,
 * PostgreSQL (a schema of its own, dropped after), MySQL/MariaDB (a table prefix of its own, tables
 * dropped after), Redis and memcached (a key prefix of their own, keys deleted after).
 */
import mysql, { type RowDataPacket } from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll } from 'vitest'
import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import { MemcacheTokenStore } from '../../src/stores/memcache.ts'
import { MysqlStore } from '../../src/stores/mysql.ts'
import { PostgresStore } from '../../src/stores/postgres.ts'
import { RedisStore } from '../../src/stores/redis.ts'
import { SqliteStore } from '../../src/stores/sqlite.ts'
import { TestClock } from '../helpers/records.ts'
import { deleteByPrefix as deleteMemcached, MEMCACHED_SERVERS, MEMCACHED_URL, uniquePrefix as memcachedPrefix } from './memcache-helpers.ts'
import { deleteByPrefix as deleteRedis, newClient, REDIS_URL, uniquePrefix as redisPrefix } from './redis-helpers.ts'
import { MYSQL_URL, POSTGRES_URL, probeService, uniqueName, whenReachable } from './services.ts'
import { describeSessionStoreContract } from './sessions-contract.ts'

describeSessionStoreContract('memory (LocalRecordStore)', async () => {
  const clock = new TestClock()
  return { recordStore: new LocalRecordStore({ clock: clock.now }), clock, close: async () => {} }
})

describeSessionStoreContract('SQLite (in memory)', async () => {
  const clock = new TestClock()
  const store = new SqliteStore({ path: ':memory:', clock: clock.now })
  await store.migrate()
  return { recordStore: store, clock, close: () => store.close() }
})

const postgres = await probeService('PostgreSQL', POSTGRES_URL, 5432)
whenReachable(postgres, () => {
  const schema = uniqueName('oauth2_sessions')
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 5 })
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await pool.end()
  })
  let tests = 0
  describeSessionStoreContract('PostgreSQL', async () => {
    const clock = new TestClock()
    const store = new PostgresStore({ pool, schema, tablePrefix: `t${++tests}_`, clock: clock.now })
    await store.migrate()
    return { recordStore: store, clock, close: () => store.close() }
  })
})

const mariadb = await probeService('MariaDB/MySQL', MYSQL_URL, 3306)
whenReachable(mariadb, () => {
  const stem = uniqueName('s')
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 5 })
  afterAll(async () => {
    const [rows] = await pool.query<RowDataPacket[]>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
    )
    for (const row of rows) {
      const name = String(row['name'])
      if (name.startsWith(stem)) await pool.query(`DROP TABLE \`${name}\``)
    }
    await pool.end()
  })
  let tests = 0
  describeSessionStoreContract('MariaDB/MySQL', async () => {
    const clock = new TestClock()
    const store = new MysqlStore({ pool, tablePrefix: `${stem}x${++tests}_`, clock: clock.now })
    await store.migrate()
    return { recordStore: store, clock, close: () => store.close() }
  })
})

const redis = await probeService('Redis', REDIS_URL, 6379)
whenReachable(redis, () => {
  const base = redisPrefix('sessions-contract')
  const client = newClient()
  beforeAll(() => client.connect())
  afterAll(async () => {
    await deleteRedis(client, base)
    client.disconnect()
  })
  let tests = 0
  describeSessionStoreContract('Redis', async () => {
    const clock = new TestClock()
    const prefix = `${base}${++tests}:`
    const store = new RedisStore({ client, prefix, clock: clock.now })
    return { recordStore: store, clock, close: async () => void (await deleteRedis(client, prefix)) }
  })
})

const memcached = await probeService('memcached', MEMCACHED_URL, 11211)
whenReachable(memcached, () => {
  const base = memcachedPrefix('sessions-contract')
  afterAll(() => deleteMemcached(base))
  let tests = 0
  describeSessionStoreContract('memcached', async () => {
    const clock = new TestClock()
    const prefix = `${base}${++tests}:`
    const store = new MemcacheTokenStore({ servers: MEMCACHED_SERVERS, prefix, clock: clock.now })
    return { recordStore: store, clock, close: async () => void (await store.close(), await deleteMemcached(prefix)) }
  })
})
