/**
 * Concurrent refresh (issue 14) through the token endpoint on every backend: the controller's codes and
 * tokens in memory, SQLite, PostgreSQL, MySQL, Redis and memcached (opened by URL, as `oauth2-stack serve`
 * does), ten refreshes of one token sent at once over real HTTP with oauth4webapi. Each gets its own
 * sibling; the first sibling used wins, and a later use of another sibling is reuse that revokes the whole
 * family (RFC 9700 section 4.14.2), the winner's new tokens included.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, type OpenedStore } from '../../src/stores/from-url.ts'
import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import { confidentialTokens, expectTokenError, refresh, refreshTokenOf, CONFIDENTIAL_BASIC } from '../helpers/oauth-client.ts'
import { postToken, startTestServer, TestClock, type TestServer } from '../helpers/test-server.ts'
import { MEMCACHED_URL } from './memcache-helpers.ts'
import { deleteByPrefix, REDIS_URL } from './redis-helpers.ts'
import { MYSQL_URL, POSTGRES_URL, uniqueName } from './services.ts'

const directory = mkdtempSync(join(tmpdir(), 'oauth2-ccr-'))
const pgSchema = uniqueName('oauth2_ccr')
const mysqlPrefix = `${uniqueName('ccr')}_`
const keyPrefix = `${uniqueName('ccr')}:`

/** Each backend: its URL, the options that keep this file's data apart, and how to remove that data. */
const BACKENDS: readonly {
  name: string
  url: string
  options: { schema?: string; tablePrefix?: string; keyPrefix?: string }
  clean: () => Promise<void>
}[] = [
  { name: 'memory', url: 'memory:', options: {}, clean: async () => {} },
  {
    name: 'SQLite',
    url: `sqlite:${join(directory, 'ccr.db')}`,
    options: {},
    clean: async () => rmSync(directory, { recursive: true, force: true }),
  },
  {
    name: 'PostgreSQL',
    url: POSTGRES_URL,
    options: { schema: pgSchema },
    clean: async () => {
      const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 })
      await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`)
      await pool.end()
    },
  },
  {
    name: 'MySQL',
    url: MYSQL_URL,
    options: { tablePrefix: mysqlPrefix },
    clean: async () => {
      const connection = await mysql.createConnection(MYSQL_URL)
      const [rows] = await connection.query<mysql.RowDataPacket[]>(
        'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
      )
      for (const { name } of rows as { name: string }[]) if (name.startsWith(mysqlPrefix)) await connection.query(`DROP TABLE \`${name}\``)
      await connection.end()
    },
  },
  {
    name: 'Redis',
    url: REDIS_URL,
    options: { keyPrefix },
    clean: async () => {
      const client = new Redis(REDIS_URL)
      await deleteByPrefix(client, keyPrefix)
      client.disconnect()
    },
  },
  { name: 'memcached', url: MEMCACHED_URL, options: { keyPrefix }, clean: async () => {} },
]

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

describe.each(BACKENDS)('concurrent refresh over HTTP on $name', ({ name, url, options, clean }) => {
  const clock = new TestClock()
  // Real time: memcached reads an expiry over 30 days as an absolute date, so a date in the past expires at once.
  clock.ms = Date.now()
  let stores: OpenedStore
  let server: TestServer
  beforeAll(async () => {
    stores = await openStore(url, { ...options, clock: clock.now, migrate: true })
    server = await startTestServer({
      refresh: { expiresIn: 86400, graceSeconds: 30 },
      controller: {
        accessTokenStore: stores.tokenStore,
        authCodeStore: stores.tokenStore,
        clock: clock.now,
        // memcached keeps no record without an expiry (the server's CSRF key): those go to memory, as documented.
        ...(name === 'memcached' ? { recordStore: new LocalRecordStore({ clock: clock.now }) } : {}),
      },
    })
  })
  afterAll(async () => {
    await server.close()
    await stores.close()
    await clean()
  })
  const live = async (refreshToken: string): Promise<boolean> =>
    (await stores.tokenStore.fetchByRefreshToken(hashToken(refreshToken))) !== undefined
  const accessLive = async (accessToken: string): Promise<boolean> =>
    (await stores.tokenStore.fetchByToken(hashToken(accessToken))) !== undefined

  it('ten refreshes of one token at once each get a sibling; the first sibling used wins; reuse of another revokes the family', async () => {
    const original = refreshTokenOf(await confidentialTokens(server))
    const answers = await Promise.all(range(10).map(() => refresh(server, original)))
    const siblings = answers.map(refreshTokenOf)
    expect(new Set(siblings).size).toBe(10)
    for (const answer of answers) expect(await accessLive(answer.access_token)).toBe(true)

    // The fourth sibling is used first: it wins, the other siblings' access tokens are gone.
    const next = await refresh(server, siblings[3]!)
    expect(await accessLive(next.access_token)).toBe(true)
    expect(await accessLive(answers[0]!.access_token)).toBe(false)

    // A later use of another sibling is reuse: refused, and the family revoked, the winner's tokens too.
    const reuse = await postToken(server.url, { grant_type: 'refresh_token', refresh_token: siblings[0]! }, { basic: CONFIDENTIAL_BASIC })
    expectTokenError(reuse, 400, 'invalid_grant')
    expect(await accessLive(next.access_token)).toBe(false)
    expect(await live(refreshTokenOf(next))).toBe(false)
    for (const sibling of siblings) expect(await live(sibling)).toBe(false)
  })
})
