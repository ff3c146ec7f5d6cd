import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../src/errors.ts'
import { TABLE_NAMES } from '../../src/stores/sql/schema.ts'
import { SqliteStore } from '../../src/stores/sqlite.ts'
import { access, code, refresh, rotation } from './records.ts'
import { raceFromSecondProcess } from './second-process.ts'
import { describeStoreContract, FakeClock } from './store-contract.ts'

// A temporary file per test, in a directory removed at the end.
const directory = mkdtempSync(join(tmpdir(), 'oauth2-sqlite-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))
let files = 0
const newPath = (): string => join(directory, `store-${++files}.db`)

describeStoreContract('SQLite', async () => {
  const clock = new FakeClock()
  const store = new SqliteStore({ path: newPath(), clock: clock.now })
  await store.migrate()
  return { clientStore: store, tokenStore: store, clock, close: () => store.close() }
})

describe('SQLite store', () => {
  const count = (db: Database.Database, table: string, prefix = 'oauth2_'): number =>
    (db.prepare(`SELECT COUNT(*) AS n FROM "${prefix}${table}"`).get() as { n: number }).n

  it('migrates idempotently: a second and third run change nothing and record version 1 once', async () => {
    const db = new Database(newPath())
    try {
      const store = new SqliteStore({ database: db })
      await store.migrate()
      await store.migrate()
      await store.migrate()
      expect(db.prepare('SELECT version FROM oauth2_schema_migrations').all()).toEqual([{ version: 1 }])
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
      expect(tables.map((t) => t.name)).toEqual(TABLE_NAMES.map((t) => `oauth2_${t}`).sort())
    } finally {
      db.close()
    }
  })

  it('refuses a database migrated by a newer release', async () => {
    const store = new SqliteStore({ path: newPath() })
    try {
      await store.migrate()
      store.database.prepare('INSERT INTO oauth2_schema_migrations (version, applied_at) VALUES (99, 0)').run()
      await expect(store.migrate()).rejects.toThrow(/version 99, newer than/)
    } finally {
      await store.close()
    }
  })

  it('uses a database it is given as it is, keeps table prefixes apart, and leaves the database open', async () => {
    const db = new Database(':memory:')
    const clock = new FakeClock()
    const a = new SqliteStore({ database: db, clock: clock.now })
    const b = new SqliteStore({ database: db, tablePrefix: 'other_', clock: clock.now })
    await a.migrate()
    await b.migrate()
    await a.saveCode(code(clock))
    expect(await a.fetchByCode('code-1')).toEqual(code(clock))
    expect(await b.fetchByCode('code-1')).toBeUndefined()
    await a.close()
    await b.close()
    expect(db.open).toBe(true)
    expect(count(db, 'codes')).toBe(1)
    db.close()
  })

  it('works in memory (sqlite::memory:)', async () => {
    const clock = new FakeClock()
    const store = new SqliteStore({ path: ':memory:', clock: clock.now })
    await store.migrate()
    await store.saveToken(access(clock), refresh(clock))
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-1', 2))).toBe('rotated')
    await store.close()
    expect(store.database.open).toBe(false)
  })

  it('shares the file with a second connection: codes issued by one are redeemed once across both', async () => {
    const path = newPath()
    const clock = new FakeClock()
    const a = new SqliteStore({ path, clock: clock.now })
    const b = new SqliteStore({ path, clock: clock.now })
    try {
      await a.migrate()
      await a.saveCode(code(clock))
      expect(await b.fetchByCode('code-1')).toEqual(code(clock))
      const outcomes = await Promise.all(Array.from({ length: 20 }, async (_, i) => (await (i % 2 ? a : b).consumeCode('code-1', clock.seconds))?.outcome))
      expect(outcomes.filter((o) => o === 'consumed')).toHaveLength(1)
      expect(outcomes.filter((o) => o === 'reused')).toHaveLength(19)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('redeems a code raced from a second OS process exactly once, and rotates a token raced from it once', async () => {
    const path = newPath()
    const clock = new FakeClock()
    const store = new SqliteStore({ path, clock: clock.now })
    try {
      await store.migrate()
      await store.saveCode(code(clock))
      const consume = async (): Promise<string | undefined> => (await store.consumeCode('code-1', clock.seconds))?.outcome
      const codes = await raceFromSecondProcess(['sqlite', path, 'oauth2_', 'consume', 'code-1', '25', String(clock.seconds)], async () => {
        const outcomes: (string | undefined)[] = []
        // better-sqlite3 is synchronous: yield between calls so the two processes interleave.
        for (let i = 0; i < 25; i++) {
          outcomes.push(await consume())
          await new Promise((resolve) => setImmediate(resolve))
        }
        return outcomes
      })
      expect(codes.filter((o) => o === 'consumed')).toHaveLength(1)
      expect(codes.filter((o) => o === 'reused')).toHaveLength(49)

      await store.saveToken(access(clock), refresh(clock))
      const rotations = await raceFromSecondProcess(['sqlite', path, 'oauth2_', 'rotate', 'refresh-1', '25', String(clock.seconds)], async () => {
        const outcomes: string[] = []
        for (let i = 0; i < 25; i++) {
          outcomes.push(await store.rotateRefreshToken(rotation(clock, 'refresh-1', `parent-${i}`)))
          await new Promise((resolve) => setImmediate(resolve))
        }
        return outcomes
      })
      expect(rotations.filter((o) => o === 'rotated')).toHaveLength(1)
      expect(rotations.filter((o) => o === 'reused' || o === 'invalid')).toHaveLength(49)
      expect(count(store.database, 'refresh_tokens')).toBe(0)
    } finally {
      await store.close()
    }
  })

  it('purgeExpired deletes expired rows only; a write purges, at most once a minute', async () => {
    const clock = new FakeClock()
    const store = new SqliteStore({ path: newPath(), clock: clock.now })
    const db = store.database
    try {
      await store.migrate()
      await store.saveCode(code(clock, { codeHash: 'short', expiresAt: clock.seconds + 10 }))
      await store.saveCode(code(clock, { codeHash: 'long', expiresAt: clock.seconds + 600 }))
      await store.saveToken(access(clock, { expiresAt: clock.seconds + 10 }), refresh(clock, { expiresAt: clock.seconds + 20 }))
      await store.saveToken(access(clock, { tokenHash: 'keep', familyId: 'fam-2', uniqueKey: 'k', expiresAt: clock.seconds + 600 }))
      await store.revokeFamily('fam-gone')
      clock.advance(30)
      expect(await store.purgeExpired()).toBe(4) // short code, access-1, refresh-1, fam-1
      expect(count(db, 'codes')).toBe(1)
      expect(count(db, 'access_tokens')).toBe(1)
      expect(count(db, 'refresh_tokens')).toBe(0)
      expect(count(db, 'families')).toBe(2) // fam-2 and the revoked fam-gone (a day)
      expect(await store.purgeExpired()).toBe(0)

      await store.saveCode(code(clock, { codeHash: 'soon', expiresAt: clock.seconds + 10 }))
      clock.advance(86_400 + 60)
      await store.saveCode(code(clock, { codeHash: 'fresh' }))
      await store.close()
      const reopened = new Database(db.name)
      expect(count(reopened, 'codes')).toBe(1)
      expect(count(reopened, 'access_tokens')).toBe(0)
      expect(count(reopened, 'families')).toBe(0)
      expect(count(reopened, 'unique_tokens')).toBe(0)
      reopened.close()
    } finally {
      await store.close()
    }
  })

  it('throws an Error naming SQLite and the path when the file cannot be opened', () => {
    expect(() => new SqliteStore({ path: join(directory, 'missing-directory', 'x.db') })).toThrow(
      /^SQLite database at .*missing-directory\/x\.db cannot be opened: /,
    )
  })

  it('says to run migrate() when the tables are missing (it never runs implicitly)', async () => {
    const store = new SqliteStore({ path: ':memory:' })
    await expect(store.fetchByCode('x')).rejects.toThrow(/^SQLite store: fetchByCode failed: its tables are missing \(run migrate\(\)/)
    await expect(store.saveToken(access(new FakeClock()))).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(store.database.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({ n: 0 })
    await store.close()
  })

  it('turns a database closed under it into StoreUnavailableError', async () => {
    const db = new Database(':memory:')
    const store = new SqliteStore({ database: db })
    await store.migrate()
    db.close()
    await expect(store.fetchByToken('x')).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(store.rotateRefreshToken(rotation(new FakeClock(), 'refresh-1', 2))).rejects.toThrow(/^SQLite store: rotateRefreshToken failed/)
    await expect(store.connect()).rejects.toThrow(/^SQLite database at :memory: is unreachable/)
  })

  it('refuses bad options with a TypeError', () => {
    expect(() => new SqliteStore({ path: ':memory:', tablePrefix: 'a-b' })).toThrow(TypeError)
    expect(() => new SqliteStore({})).toThrow(TypeError)
  })
})
