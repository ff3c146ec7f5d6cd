/**
 * The contract every SQL store passes beyond the store and record contracts: the backend scenarios
 * (migrations, namespaces, two pools, a second OS process, purge, failures, ownership, options), written
 * once and run by `postgres.test.ts`, `mysql.test.ts` and `sqlite.test.ts` through a small harness.
 * It also registers `describeStoreContract`, `describeRecordStoreContract` and the device-code contract
 * (through `RecordDeviceCodeStore`) for the backend.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../src/errors.ts'
import type { SqlDialect } from '../../src/stores/sql/dialect.ts'
import { migrationsTableStatement, schemaStatements } from '../../src/stores/sql/ddl.ts'
import { refreshValues } from '../../src/stores/sql/rows.ts'
import { columnsOf, SCHEMA_VERSION, TABLE_NAMES } from '../../src/stores/sql/schema.ts'
import type { SqlStore } from '../../src/stores/sql/store.ts'
import type { GrantContext } from '../../src/types.ts'
import { RecordDeviceCodeStore } from '../../src/stores/record-device-code-store.ts'
import { describeDeviceCodeStoreContract } from './device-code-contract.ts'
import { describeRecordStoreContract, type RecordStoreUnderTest } from './record-contract.ts'
import { describeRegisteredClientsContract } from './registered-client-contract.ts'
import { describeSqlClientMigration } from './sql-client-migration.ts'
import { describeSqlSparseIndexes } from './sql-sparse-indexes.ts'
import { describeKeySetContract } from './key-set-contract.ts'
import { access, code, refresh, rotation } from './records.ts'
import { raceFromSecondProcess } from './second-process.ts'
import { startTcpProxy } from './services.ts'
import { all, describeStoreContract, FakeClock } from './store-contract.ts'

/** Where a store keeps its tables: a schema and prefix, a prefix, or a file and prefix. Opaque to the contract. */
export interface SqlPlace {
  readonly prefix: string
}

/** What a backend's test file hands the contract. */
export interface SqlHarness<P extends SqlPlace> {
  /** The backend's name in test titles. */
  readonly name: string
  /** The backend's name in the store's messages (`PostgreSQL store: … failed`). */
  readonly backend: string
  /** The file's own place, migrated before the tests; emptied after each. */
  readonly main: P
  /** A new, empty place (removed with the file's). */
  fresh(): P
  /** The same database (schema, file) as `place` under another table prefix. */
  otherPrefix(place: P): P
  /** A store on the file's shared pool (or a new connection to the file). */
  store(place: P, clock?: FakeClock): SqlStore
  /** A store on a second pool or connection, as a second process would have; `close` ends it. */
  second(place: P, clock: FakeClock): { readonly store: SqlStore; close(): Promise<void> }
  /** Migrates `place` from several pools or connections at once. */
  migrateTogether(place: P): Promise<void>
  /** The dialect of a place (for the version-1 DDL). */
  dialect(place: P): SqlDialect
  /** Runs literal SQL on the place's database. */
  exec(place: P, sql: string): Promise<Record<string, unknown>[]>
  /** The names of the tables in the place's database (schema, file). */
  tables(place: P): Promise<string[]>
  /** Deletes every row but the migrations. */
  clear(place: P): Promise<void>
  /** The arguments of `fixtures/race-process.ts` before the action: backend, URL or path, schema or prefix. */
  raceArgs(place: P): string[]
  /** Whether the local side of a race must yield between calls (a synchronous driver). Default `false`. */
  readonly yieldsInRaces?: boolean
  /**
   * A backend with a server: where it is and how to open a store on `main` by URL (with a password, for the
   * unreachable case; through a TCP proxy, for the lost connection). SQLite has none and gives `lose`.
   */
  readonly server?: {
    readonly service: { readonly host: string; readonly port: number }
    /** The URL scheme and the user (password-less locally), for `<scheme>://<user>@127.0.0.1:<port>/test`. */
    readonly scheme: string
    readonly user: string
    open(url: string, clock: FakeClock, connectTimeoutMs: number): SqlStore
  }
  /** Without a server: a migrated store on `main`, and what makes its database go away mid-request. */
  lose?(clock: FakeClock): Promise<{ readonly store: SqlStore; cut(): Promise<void> }>
  /** A store that made its own pool (or opened its file), and whether that is closed now. */
  owned(): { readonly store: SqlStore; isClosed(): boolean | Promise<boolean> }
  /** A store on a pool (or database) it was given, and whether that still answers. */
  given(): { readonly store: SqlStore; answers(): Promise<boolean> }
  /** Constructions that must throw a TypeError. */
  readonly badOptions: readonly (() => unknown)[]
}

const CONTEXT: GrantContext = {
  subjectType: 'user',
  authTime: 1_767_225_000,
  sessionId: 'session-1',
  grantId: 'grant-1',
  resources: ['https://api.example.com/', 'https://other.example.com/v1'],
}

/** A client id of 512 characters: an https URL, as Client ID Metadata Documents use. */
const URL_CLIENT_ID = `https://client.example.com/${'m'.repeat(512 - 'https://client.example.com/'.length)}`

function text(value: unknown): unknown {
  return value instanceof Uint8Array ? new TextDecoder().decode(value) : value
}

/** Registers the SQL contract, the store contract and the record contract for one backend. */
export function describeSqlStoreContract<P extends SqlPlace>(h: SqlHarness<P>): void {
  beforeAll(() => h.store(h.main).migrate())

  const versions = async (place: P): Promise<number[]> =>
    (await h.exec(place, `SELECT version FROM ${h.dialect(place).table('schema_migrations')} ORDER BY version`)).map((row) =>
      Number(row['version']),
    )
  const count = async (place: P, table: (typeof TABLE_NAMES)[number]): Promise<number> =>
    Number((await h.exec(place, `SELECT COUNT(*) AS n FROM ${h.dialect(place).table(table)}`))[0]?.['n'])
  const migrated = async (): Promise<P> => {
    const place = h.fresh()
    await h.store(place).migrate()
    return place
  }

  describeStoreContract(h.name, async () => {
    const clock = new FakeClock()
    const store = h.store(h.main, clock)
    return { clientStore: store, tokenStore: store, clock, close: async () => (await store.close(), await h.clear(h.main)) }
  })

  const records = async (): Promise<RecordStoreUnderTest> => {
    const clock = new FakeClock()
    const store = h.store(h.main, clock)
    return { recordStore: store, clock, close: async () => (await store.close(), await h.clear(h.main)) }
  }
  describeRecordStoreContract(h.name, records)
  describeKeySetContract(h.name, records)

  describeRegisteredClientsContract(h.name, records)
  describeSqlClientMigration(h)
  describeSqlSparseIndexes(h)

  describeDeviceCodeStoreContract(`${h.name} through RecordDeviceCodeStore`, async () => {
    const store = h.store(h.main, new FakeClock())
    return { store: new RecordDeviceCodeStore(store), close: async () => (await store.close(), await h.clear(h.main)) }
  })

  describe(`${h.name}: SQL store contract`, () => {
    it(`migrates idempotently: a second and third run change nothing and record version ${SCHEMA_VERSION} once`, async () => {
      const place = await migrated()
      const store = h.store(place)
      await store.migrate()
      await store.migrate()
      expect(await versions(place)).toEqual([SCHEMA_VERSION])
      const tables = (await h.tables(place)).filter((t) => t.startsWith(place.prefix))
      expect(tables.sort()).toEqual(TABLE_NAMES.map((t) => `${place.prefix}${t}`).sort())
    })

    it('migrates once when several processes start together (the migration lock)', async () => {
      const place = h.fresh()
      await h.migrateTogether(place)
      expect(await versions(place)).toEqual([SCHEMA_VERSION])
    })

    it('refuses a schema migrated by a newer release', async () => {
      const place = await migrated()
      await h.exec(place, `INSERT INTO ${h.dialect(place).table('schema_migrations')} (version, applied_at) VALUES (99, 0)`)
      await expect(h.store(place).migrate()).rejects.toThrow(/version 99, newer than/)
    })

    it('upgrades a version-1 database in place: rows kept, context columns, records, counters and 512-character ids added', async () => {
      const place = h.fresh()
      const d = h.dialect(place)
      for (const statement of [...d.preamble, migrationsTableStatement(d), ...schemaStatements(d, 1)]) await h.exec(place, statement)
      await h.exec(place, `INSERT INTO ${d.table('schema_migrations')} (version, applied_at) VALUES (1, 0)`)
      const clock = new FakeClock()
      const old = code(clock, { codeHash: 'old', codeChallenge: undefined, codeChallengeMethod: undefined, redirectUri: undefined })
      await h.exec(
        place,
        `INSERT INTO ${d.table('codes')} (code_hash, client_id, effective_redirect_uri, scopes, user_id, data, family_id, issued_at, expires_at)
         VALUES ('old', 'abc', '${old.effectiveRedirectUri}', '["read","write"]', 'u1', '${JSON.stringify(old.data)}', 'fam-1', ${old.issuedAt}, ${old.expiresAt})`,
      )
      const store = h.store(place, clock)
      await store.migrate()
      await store.migrate()
      expect(await versions(place)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1))
      expect(await store.fetchByCode('old')).toEqual(old)
      await store.saveToken(access(clock, { context: CONTEXT }), refresh(clock, { context: CONTEXT }))
      expect((await store.fetchByRefreshToken('refresh-1'))?.context).toEqual(CONTEXT)
      expect(await store.createRecord('session', URL_CLIENT_ID, 'v')).toBe(true)
      expect((await store.increment('login', 'u1', 60)).count).toBe(1)
      await store.addClient({ clientId: URL_CLIENT_ID, redirectUris: ['https://client.example.com/cb'] })
      expect((await store.fetchByClientId(URL_CLIENT_ID))?.clientId).toBe(URL_CLIENT_ID)
    })

    it('upgrades a version-2 database in place: sibling links and offline families added; a token rotated before keeps its successor', async () => {
      const place = h.fresh()
      const d = h.dialect(place)
      for (const statement of [...d.preamble, migrationsTableStatement(d), ...schemaStatements(d, 2)]) await h.exec(place, statement)
      await h.exec(place, `INSERT INTO ${d.table('schema_migrations')} (version, applied_at) VALUES (1, 0), (2, 0)`)
      const clock = new FakeClock()
      const before = h.store(place, clock)
      // Written as version 2 wrote them: no parent_hash, no offline column.
      const columns = columnsOf('refresh_tokens', 2)
      const values = refreshValues(refresh(clock, { rotatedAt: clock.seconds, successorHash: 'refresh-2' })).slice(0, columns.length)
      const literal = (value: string | number | null, i: number): string =>
        columns[i] === 'grace_used' ? d.bool(false) : value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value}'`
      await h.exec(place, `INSERT INTO ${d.table('refresh_tokens')} (${columns.join(', ')}) VALUES (${values.map(literal).join(', ')})`)
      await h.exec(
        place,
        `INSERT INTO ${d.table('families')} (family_id, revoked, expires_at, session_id) VALUES ('fam-1', ${d.bool(false)}, ${clock.seconds + 86_400}, 's1')`,
      )
      await before.close()
      const store = h.store(place, clock)
      await store.migrate()
      await store.migrate()
      expect(await versions(place)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1))
      // A sibling of a token rotated before the upgrade, used in turn (its parent link is new), then reuse.
      const options = { graceSeconds: 30, concurrentRefreshes: 2 }
      expect(await store.rotateRefreshToken(rotation(clock, 'refresh-1', 3, options))).toBe('grace')
      expect(await store.rotateRefreshToken(rotation(clock, 'refresh-3', 4, options))).toBe('rotated')
      expect(await store.rotateRefreshToken(rotation(clock, 'refresh-1', 5, options))).toBe('reused')
      await store.saveToken(access(clock, { tokenHash: 'a5', familyId: 'fam-5', context: { sessionId: 's1' } }))
      expect(await store.revokeFamilies({ sessionId: 's1', exceptOffline: true })).toBe(1)
      expect(await store.fetchByToken('a5')).toBeUndefined()
      await store.close()
    })

    it('keeps a grant context on codes and tokens exactly, and writes it on the family row it creates', async () => {
      const clock = new FakeClock()
      const store = h.store(h.main, clock)
      try {
        await store.saveCode(code(clock, { context: CONTEXT }))
        expect(await store.fetchByCode('code-1')).toEqual(code(clock, { context: CONTEXT }))
        await store.saveToken(access(clock, { context: CONTEXT }), refresh(clock, { context: { subjectType: 'client' } }))
        expect((await store.fetchByToken('access-1'))?.context).toEqual(CONTEXT)
        expect((await store.fetchByRefreshToken('refresh-1'))?.context).toEqual({ subjectType: 'client' })
        await store.saveToken(
          access(clock, { tokenHash: 'a2', familyId: 'fam-2', context: CONTEXT }),
          refresh(clock, { tokenHash: 'r2', familyId: 'fam-2', context: CONTEXT }),
        )
        const [family] = await h.exec(
          h.main,
          `SELECT subject_type, auth_time, session_id, grant_id, resources FROM ${h.dialect(h.main).table('families')} WHERE family_id = 'fam-2'`,
        )
        expect(family === undefined ? undefined : Object.fromEntries(Object.entries(family).map(([k, v]) => [k, text(v)]))).toEqual({
          subject_type: 'user',
          auth_time: expect.anything() as unknown,
          session_id: 'session-1',
          grant_id: 'grant-1',
          resources: JSON.stringify(CONTEXT.resources),
        })
        expect(Number(family?.['auth_time'])).toBe(CONTEXT.authTime)
      } finally {
        await store.close()
        await h.clear(h.main)
      }
    })

    it('keeps table prefixes (and places) apart', async () => {
      const clock = new FakeClock()
      const other = h.otherPrefix(h.main)
      const here = h.store(h.main, clock)
      const prefixed = h.store(other, clock)
      const elsewhere = h.store(await migrated(), clock)
      await prefixed.migrate()
      try {
        await here.saveCode(code(clock))
        await here.putRecord('session', 'k', 'v')
        expect(await here.fetchByCode('code-1')).toBeDefined()
        expect(await prefixed.fetchByCode('code-1')).toBeUndefined()
        expect(await prefixed.getRecord('session', 'k')).toBeUndefined()
        expect(await elsewhere.fetchByCode('code-1')).toBeUndefined()
      } finally {
        await Promise.all([here.close(), prefixed.close(), elsewhere.close()])
        await h.clear(h.main)
      }
    })

    it('shares codes, tokens and records between two pools (two processes) on one database', async () => {
      const clock = new FakeClock()
      const a = h.store(h.main, clock)
      const second = h.second(h.main, clock)
      const b = second.store
      try {
        await a.saveCode(code(clock))
        expect(await b.fetchByCode('code-1')).toEqual(code(clock))
        await a.saveToken(access(clock), refresh(clock))
        expect(await b.rotateRefreshToken(rotation(clock, 'refresh-1', 2))).toBe('rotated')
        expect((await a.fetchByRefreshToken('refresh-1'))?.successorHash).toBe('refresh-2')
        await a.revokeFamily('fam-1')
        expect(await b.fetchByToken('access-2')).toBeUndefined()
        expect(await b.saveToken(access(clock, { tokenHash: 'late' }))).toBe(false)
        expect(await a.consumeOnce('jti', 'j1', clock.seconds + 60)).toBe(true)
        expect(await b.consumeOnce('jti', 'j1', clock.seconds + 60)).toBe(false)
      } finally {
        await a.close()
        await second.close()
        await h.clear(h.main)
      }
    })

    it('redeems a code raced from two pools (25 + 25 calls at once) exactly once, and counts every increment', async () => {
      const clock = new FakeClock()
      const a = h.store(h.main, clock)
      const second = h.second(h.main, clock)
      try {
        await a.saveCode(code(clock))
        const pick = (i: number): SqlStore => (i % 2 === 0 ? a : second.store)
        const results = await all(Array.from({ length: 50 }, (_, i) => pick(i).consumeCode('code-1', clock.seconds)))
        expect(results.filter((r) => r?.outcome === 'consumed')).toHaveLength(1)
        expect(results.filter((r) => r?.outcome === 'reused')).toHaveLength(49)
        const counts = await all(Array.from({ length: 40 }, (_, i) => pick(i).increment('limit', 'ip', 60)))
        expect(counts.map((reading) => reading.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
      } finally {
        await a.close()
        await second.close()
        await h.clear(h.main)
      }
    })

    it('redeems a code raced from a second OS process exactly once, and rotates a token raced from it once', async () => {
      const clock = new FakeClock()
      const store = h.store(h.main, clock)
      const local = async <T>(call: (i: number) => Promise<T>): Promise<T[]> => {
        if (h.yieldsInRaces !== true) return all(Array.from({ length: 25 }, (_, i) => call(i)))
        const outcomes: T[] = []
        // A synchronous driver: yield between calls so the two processes interleave.
        for (let i = 0; i < 25; i++) {
          outcomes.push(await call(i))
          await new Promise((resolve) => setImmediate(resolve))
        }
        return outcomes
      }
      try {
        await store.saveCode(code(clock))
        const codes = await raceFromSecondProcess([...h.raceArgs(h.main), 'consume', 'code-1', '25', String(clock.seconds)], () =>
          local(async () => (await store.consumeCode('code-1', clock.seconds))?.outcome),
        )
        expect(codes.filter((o) => o === 'consumed')).toHaveLength(1)
        expect(codes.filter((o) => o === 'reused')).toHaveLength(49)

        await store.saveToken(access(clock), refresh(clock))
        const rotations = await raceFromSecondProcess([...h.raceArgs(h.main), 'rotate', 'refresh-1', '25', String(clock.seconds)], () =>
          local((i) => store.rotateRefreshToken(rotation(clock, 'refresh-1', `parent-${i}`))),
        )
        expect(rotations.filter((o) => o === 'rotated')).toHaveLength(1)
        expect(rotations.filter((o) => o === 'reused' || o === 'invalid')).toHaveLength(49)
        expect(await count(h.main, 'refresh_tokens')).toBe(0)
      } finally {
        await store.close()
        await h.clear(h.main)
      }
    })

    it('purgeExpired deletes expired rows only; a write purges in the background, at most once a minute', async () => {
      const clock = new FakeClock()
      const store = h.store(h.main, clock)
      try {
        await store.saveCode(code(clock, { codeHash: 'short', expiresAt: clock.seconds + 10 }))
        await store.saveCode(code(clock, { codeHash: 'long', expiresAt: clock.seconds + 600 }))
        await store.saveToken(access(clock, { expiresAt: clock.seconds + 10 }), refresh(clock, { expiresAt: clock.seconds + 20 }))
        await store.saveToken(access(clock, { tokenHash: 'keep', familyId: 'fam-2', uniqueKey: 'k', expiresAt: clock.seconds + 600 }))
        await store.revokeFamily('fam-gone')
        await store.putRecord('session', 'short', 'v', clock.seconds + 10)
        await store.putRecord('session', 'durable', 'v')
        await store.increment('limit', 'ip', 10)
        clock.advance(30)
        // short code, access-1, refresh-1, fam-1, the short record, the ended counter
        expect(await store.purgeExpired()).toBe(6)
        expect(await count(h.main, 'codes')).toBe(1)
        expect(await count(h.main, 'access_tokens')).toBe(1)
        expect(await count(h.main, 'refresh_tokens')).toBe(0)
        expect(await count(h.main, 'families')).toBe(2) // fam-2 and the revoked fam-gone (a day)
        expect(await count(h.main, 'records')).toBe(1)
        expect(await count(h.main, 'counters')).toBe(0)
        expect(await store.purgeExpired()).toBe(0)

        // Opportunistic: the next write more than a minute later purges; close() waits for it.
        await store.saveCode(code(clock, { codeHash: 'soon', expiresAt: clock.seconds + 10 }))
        clock.advance(86_400 + 60)
        await store.saveCode(code(clock, { codeHash: 'fresh' }))
        await store.close()
        expect(await count(h.main, 'codes')).toBe(1)
        expect(await count(h.main, 'access_tokens')).toBe(0)
        expect(await count(h.main, 'families')).toBe(0)
        expect(await count(h.main, 'unique_tokens')).toBe(0)
        expect(await count(h.main, 'records')).toBe(1)
      } finally {
        await store.close()
        await h.clear(h.main)
      }
    })

    const { server } = h
    if (server !== undefined) {
      it(`rejects connect() and migrate() with an Error naming ${h.backend} and its address when unreachable`, async () => {
        const store = server.open(`${server.scheme}://${server.user}:secret@127.0.0.1:1/test`, new FakeClock(), 2000)
        const message = new RegExp(`^${h.backend} at 127\\.0\\.0\\.1:1 is unreachable`)
        try {
          await expect(store.connect()).rejects.toThrow(new RegExp(`${message.source}: .*ECONNREFUSED`))
          await expect(store.migrate()).rejects.toThrow(message)
          await expect(store.connect()).rejects.not.toThrow(/secret/)
          // At request time the same failure is a StoreUnavailableError (answered 503).
          await expect(store.fetchByCode('x')).rejects.toBeInstanceOf(StoreUnavailableError)
          await expect(store.getRecord('session', 'x')).rejects.toBeInstanceOf(StoreUnavailableError)
        } finally {
          await store.close()
        }
      })
    }

    const lose = async (clock: FakeClock): Promise<{ readonly store: SqlStore; cut(): Promise<void> }> => {
      if (server === undefined) {
        if (h.lose === undefined) throw new Error('a harness without a server gives lose()')
        return h.lose(clock)
      }
      const proxy = await startTcpProxy(server.service.host, server.service.port)
      const store = server.open(`${server.scheme}://${server.user}@127.0.0.1:${proxy.port}/test`, clock, 1000)
      await store.connect()
      return { store, cut: () => proxy.cut() }
    }

    it('turns a database lost mid-request into StoreUnavailableError, for reads and for transactions', async () => {
      const clock = new FakeClock()
      const lost = await lose(clock)
      const { store } = lost
      try {
        await store.saveToken(access(clock), refresh(clock))
        expect(await store.fetchByToken('access-1')).toBeDefined()
        await lost.cut()
        await expect(store.fetchByToken('access-1')).rejects.toBeInstanceOf(StoreUnavailableError)
        await expect(store.rotateRefreshToken(rotation(clock, 'refresh-1', 2))).rejects.toThrow(
          new RegExp(`^${h.backend} store: rotateRefreshToken failed`),
        )
        await expect(store.consumeCode('code-1', clock.seconds)).rejects.toBeInstanceOf(StoreUnavailableError)
        await expect(store.increment('limit', 'ip', 60)).rejects.toBeInstanceOf(StoreUnavailableError)
      } finally {
        await store.close()
        await h.clear(h.main)
      }
    })

    it('says to run migrate() when the tables are missing (it never runs implicitly)', async () => {
      const place = h.fresh()
      const store = h.store(place)
      try {
        await expect(store.fetchByCode('x')).rejects.toThrow(
          new RegExp(`^${h.backend} store: fetchByCode failed: its tables are missing \\(run migrate\\(\\) at start-up\\)`),
        )
        await expect(store.saveCode(code(new FakeClock()))).rejects.toBeInstanceOf(StoreUnavailableError)
        await expect(store.createRecord('session', 'k', 'v')).rejects.toThrow(/tables are missing/)
        const tables = await h.tables(place)
        expect(tables.filter((t) => t.startsWith(place.prefix))).toEqual([])
      } finally {
        await store.close()
      }
    })

    it('ends a pool (or file) it made, and leaves one it was given open', async () => {
      const owned = h.owned()
      await owned.store.connect()
      await owned.store.close()
      expect(await owned.isClosed()).toBe(true)
      const given = h.given()
      await given.store.close()
      expect(await given.answers()).toBe(true)
    })

    it('refuses bad options with a TypeError', () => {
      for (const construct of h.badOptions) expect(construct).toThrow(TypeError)
    })
  })
}
