import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SqlDialect } from '../../src/stores/sql/dialect.ts'
import { sqliteDialect } from '../../src/stores/sql/dialects.ts'
import { buildStatements } from '../../src/stores/sql/statements.ts'
import { sqliteOpener, type SqliteDatabaseLike, type SqliteDriverName } from '../../src/stores/sql/sqlite-driver.ts'
import { SqliteStore } from '../../src/stores/sqlite.ts'
import { access, code, FakeClock, refresh, rotation } from './records.ts'
import { describeSqlStoreContract, type SqlPlace } from './sql-store-contract.ts'
import { SPARSE_INDEXES } from './sql-sparse-indexes.ts'

// A temporary file per place, in a directory removed at the end.
const directory = mkdtempSync(join(tmpdir(), 'oauth2-sqlite-'))
const opened: SqliteDatabaseLike[] = []
afterAll(() => {
  for (const db of opened) {
    try {
      db.close()
    } catch {
      // Closed by its test already (node:sqlite refuses a second close).
    }
  }
  rmSync(directory, { recursive: true, force: true })
})
let files = 0
const newPath = (): string => join(directory, `store-${++files}.db`)

/** A file and a table prefix. */
interface Place extends SqlPlace {
  readonly path: string
}

/** The drivers this runtime can load: better-sqlite3 where its native module loads, node:sqlite from Node 22.13. */
const drivers = (['better-sqlite3', 'node:sqlite'] as const).filter((driver) => {
  try {
    sqliteOpener(driver)
    return true
  } catch {
    return false
  }
})

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
const hasNodeSqlite = major > 22 || (major === 22 && minor >= 13)

it('has a SQLite driver in this runtime', () => {
  expect(drivers.length).toBeGreaterThan(0)
  // node:sqlite is there exactly when the Node version says so.
  expect(drivers.includes('node:sqlite')).toBe(hasNodeSqlite)
})

for (const driver of drivers) describeSqlite(driver)

function describeSqlite(driver: SqliteDriverName): void {
  const open = (path: string): SqliteDatabaseLike => {
    const db = sqliteOpener(driver).open(path)
    opened.push(db)
    return db
  }
  /** One inspecting connection per file. */
  const inspectors = new Map<string, SqliteDatabaseLike>()
  const inspector = (place: Place): SqliteDatabaseLike => {
    let db = inspectors.get(place.path)
    if (db === undefined) {
      db = open(place.path)
      db.exec('PRAGMA busy_timeout = 5000')
      inspectors.set(place.path, db)
    }
    return db
  }
  const fresh = (): Place => ({ path: newPath(), prefix: 'oauth2_' })
  const main = fresh()
  const store = (place: Place, clock?: FakeClock): SqliteStore =>
    new SqliteStore({ path: place.path, tablePrefix: place.prefix, driver, ...(clock === undefined ? {} : { clock: clock.now }) })
  const exec = async (place: Place, sql: string): Promise<Record<string, unknown>[]> => {
    if (/^\s*SELECT/i.test(sql)) return inspector(place).prepare(sql).all() as Record<string, unknown>[]
    inspector(place).exec(sql)
    return []
  }
  const tables = async (place: Place): Promise<string[]> =>
    (await exec(place, "SELECT name FROM sqlite_master WHERE type = 'table'")).map((row) => String(row['name']))
  const isOpen = (db: SqliteDatabaseLike): boolean => {
    try {
      db.prepare('SELECT 1').all()
      return true
    } catch {
      return false
    }
  }

  describeSqlStoreContract<Place>({
    name: `SQLite (${driver})`,
    backend: 'SQLite',
    main,
    fresh,
    otherPrefix: (place) => ({ ...place, prefix: 'other_' }),
    store,
    second: (place, clock) => {
      const second = store(place, clock)
      return { store: second, close: () => second.close() }
    },
    migrateTogether: async (place) => {
      const stores = [0, 1, 2, 3].map(() => store(place))
      try {
        await Promise.all(stores.map((s) => s.migrate()))
      } finally {
        await Promise.all(stores.map((s) => s.close()))
      }
    },
    dialect: (place): SqlDialect => sqliteDialect(place),
    exec,
    tables,
    clear: async (place) => {
      for (const name of await tables(place)) {
        if (name.startsWith(place.prefix) && !name.endsWith('schema_migrations')) await exec(place, `DELETE FROM "${name}"`)
      }
    },
    raceArgs: (place) => ['sqlite', place.path, place.prefix],
    yieldsInRaces: true,
    lose: async (clock) => {
      const db = open(main.path)
      const lost = new SqliteStore({ database: db, clock: clock.now })
      return { store: lost, cut: async () => void db.close() }
    },
    owned: () => {
      const owned = store(main)
      return { store: owned, isClosed: () => !isOpen(owned.database as SqliteDatabaseLike) }
    },
    given: () => {
      const db = open(main.path)
      return { store: new SqliteStore({ database: db }), answers: async () => isOpen(db) }
    },
    badOptions: [
      () => new SqliteStore({ path: ':memory:', tablePrefix: 'a-b', driver }),
      () => new SqliteStore({}),
      () => new SqliteStore({ database: {} as SqliteDatabaseLike }),
    ],
  })

  describe(`SQLite (${driver}) store`, () => {
    it('works in memory (sqlite::memory:) and closes it', async () => {
      const clock = new FakeClock()
      const memory = new SqliteStore({ path: ':memory:', driver, clock: clock.now })
      expect(memory.driver).toBe(driver)
      await memory.migrate()
      await memory.saveToken(access(clock), refresh(clock))
      expect(await memory.rotateRefreshToken(rotation(clock, 'refresh-1', 2))).toBe('rotated')
      await memory.close()
      expect(isOpen(memory.database as SqliteDatabaseLike)).toBe(false)
    })

    it('throws an Error naming SQLite and the path when the file cannot be opened', () => {
      expect(() => new SqliteStore({ path: join(directory, 'missing-directory', 'x.db'), driver })).toThrow(
        /^SQLite database at .*missing-directory\/x\.db cannot be opened: /,
      )
    })

    it('names the database in connect() once it is closed under the store', async () => {
      const db = open(':memory:')
      const given = new SqliteStore({ database: db })
      expect(given.driver).toBe(driver)
      await given.migrate()
      db.close()
      await expect(given.connect()).rejects.toThrow(/^SQLite database at :memory: is unreachable/)
    })

    it('keeps NULL rows out of the mostly-NULL indexes (schema version 5), and its statements search through them', async () => {
      const place = fresh()
      const migrated = store(place)
      await migrated.migrate()
      await migrated.close()
      const db = inspector(place)
      const definition = (name: string): string =>
        String((db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = '${name}'`).all()[0] as { sql?: unknown })?.sql)
      for (const [table, column] of SPARSE_INDEXES) {
        expect(definition(`oauth2_${table}_${column}`)).toMatch(new RegExp(`\\(${column}\\) WHERE ${column} IS NOT NULL$`))
      }
      // The planner proves `column = ?` (and `IN`) implies IS NOT NULL: each statement searches the partial index.
      const s = buildStatements(sqliteDialect(place))
      const plan = (sql: string): string => {
        const values = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x')
        return db
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(...values)
          .map((row) => String((row as { detail?: unknown }).detail))
          .join('\n')
      }
      const uses = (index: string): RegExp => new RegExp(`USING (COVERING )?INDEX ${index} `)
      expect(plan(s.deleteFamilyAccess)).toMatch(uses('oauth2_access_tokens_family_id'))
      expect(plan(s.familiesBySession.deleteAccess)).toMatch(uses('oauth2_access_tokens_family_id'))
      expect(plan(s.familiesBySession.deleteAccess)).toMatch(uses('oauth2_families_session_id'))
      expect(plan(s.familiesBySession.revoke)).toMatch(uses('oauth2_families_session_id'))
      expect(plan(s.familiesByGrant.revoke)).toMatch(uses('oauth2_families_grant_id'))
      expect(plan(s.onlineFamiliesBySession.revoke)).toMatch(uses('oauth2_families_session_id'))
      expect(plan(s.familiesByGrant.deleteAccess)).toMatch(uses('oauth2_families_grant_id'))
      expect(plan(s.retireSiblings)).toMatch(uses('oauth2_refresh_tokens_parent_hash'))
      expect(plan(s.retireSiblingAccess)).toMatch(uses('oauth2_refresh_tokens_parent_hash'))
      expect(plan(s.selectForRotation)).toMatch(uses('oauth2_refresh_tokens_parent_hash'))
    })

    it('uses a database it is given as it is, and leaves it open', async () => {
      const db = open(':memory:')
      const clock = new FakeClock()
      const given = new SqliteStore({ database: db, clock: clock.now })
      await given.migrate()
      await given.saveCode(code(clock))
      await given.close()
      expect(db.prepare('SELECT COUNT(*) AS n FROM oauth2_codes').all()).toEqual([{ n: 1 }])
    })
  })
}

describe('SQLite driver choice', () => {
  if (hasNodeSqlite) {
    it(`opens with node:sqlite on Node ${process.versions.node}, by option and from a DatabaseSync it is given`, async () => {
      const clock = new FakeClock()
      const chosen = new SqliteStore({ path: newPath(), driver: 'node:sqlite', clock: clock.now })
      expect(chosen.driver).toBe('node:sqlite')
      await chosen.migrate()
      await chosen.saveCode(code(clock))
      expect(await chosen.fetchByCode('code-1')).toEqual(code(clock))
      await chosen.close()
      const { DatabaseSync } = createRequire(import.meta.url)('node:sqlite') as { DatabaseSync: new (path: string) => SqliteDatabaseLike }
      const db = new DatabaseSync(':memory:')
      opened.push(db)
      expect(new SqliteStore({ database: db }).driver).toBe('node:sqlite')
    })
  } else {
    it(`says exactly what to install when node:sqlite is asked for on Node ${process.versions.node}`, () => {
      expect(() => new SqliteStore({ path: newPath(), driver: 'node:sqlite' })).toThrow(
        /^SQLite: node:sqlite needs Node 22\.13 or later .*npm install better-sqlite3@12/,
      )
    })
  }

  it('prefers better-sqlite3 when it loads, else node:sqlite, when opening a path', async () => {
    const auto = new SqliteStore({ path: ':memory:' })
    expect(auto.driver).toBe(drivers[0])
    await auto.close()
  })
})
