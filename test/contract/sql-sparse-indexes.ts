/**
 * Schema version 5 on every SQL backend: the indexes of mostly-NULL columns (`access_tokens.family_id`,
 * `refresh_tokens.parent_hash`, `families.session_id` and `grant_id`) leave their NULL rows out where the
 * backend has partial indexes (PostgreSQL, SQLite), so a token or family without them writes no page of
 * those indexes. A version-4 database is upgraded in place and everything that reads through them still
 * works; MySQL and MariaDB, without partial indexes, keep theirs (version 5 changes nothing there). The
 * backend files check the index definitions and that the planner uses them. Registered by
 * `describeSqlStoreContract`.
 */
import { describe, expect, it } from 'vitest'
import { migrationsTableStatement, schemaStatements, upgradeStatements } from '../../src/stores/sql/ddl.ts'
import { SCHEMA_VERSION, TABLES } from '../../src/stores/sql/schema.ts'
import { access, FakeClock, refresh, rotation } from './records.ts'
import { migrateTwiceToLatest } from './sql-client-migration.ts'
import type { SqlHarness, SqlPlace } from './sql-store-contract.ts'

/** The indexes version 5 made partial, as `[table, column]`. */
export const SPARSE_INDEXES = [
  ['access_tokens', 'family_id'],
  ['refresh_tokens', 'parent_hash'],
  ['families', 'session_id'],
  ['families', 'grant_id'],
] as const
const SPARSE = SPARSE_INDEXES.map(([table, column]) => `${table}.${column}`)

/** Registers the version 4 → 5 scenarios for one SQL backend. */
export function describeSqlSparseIndexes<P extends SqlPlace>(h: SqlHarness<P>): void {
  describe(`${h.name}: schema version 5 (partial indexes of mostly-NULL columns)`, () => {
    it('marks exactly the four mostly-NULL indexes sparse from version 5', () => {
      const sparse = TABLES.flatMap((table) =>
        table.indexes.filter((index) => index.sparseSince === 5).map((index) => `${table.name}.${index.column}`),
      )
      expect(sparse).toEqual(SPARSE)
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(5)
    })

    it('changes nothing where the backend has no partial indexes; elsewhere a new database has them partial at once', () => {
      const d = h.dialect(h.main)
      if (!d.partialIndexes) {
        expect(upgradeStatements(d, 5)).toEqual([])
        return
      }
      const created = schemaStatements(d).filter((statement) => statement.startsWith('CREATE INDEX'))
      expect(created.filter((statement) => statement.endsWith('IS NOT NULL'))).toHaveLength(SPARSE.length)
    })

    it('upgrades a version-4 database in place: tokens and families kept, logout by session, rotation and revocation still served', async () => {
      const place = h.fresh()
      const d = h.dialect(place)
      for (const statement of [...d.preamble, migrationsTableStatement(d), ...schemaStatements(d, 4)]) await h.exec(place, statement)
      await h.exec(place, `INSERT INTO ${d.table('schema_migrations')} (version, applied_at) VALUES (1, 0), (2, 0), (3, 0), (4, 0)`)
      const clock = new FakeClock()
      const before = h.store(place, clock)
      // Written as version 4 wrote them: a family with a login session, another without, a client token without.
      await before.saveToken(
        access(clock, { context: { subjectType: 'user', sessionId: 's1' } }),
        refresh(clock, { context: { subjectType: 'user', sessionId: 's1' } }),
      )
      await before.saveToken(
        access(clock, { tokenHash: 'access-2', familyId: 'fam-2' }),
        refresh(clock, { tokenHash: 'refresh-2', familyId: 'fam-2' }),
      )
      await before.saveToken(
        access(clock, { tokenHash: 'access-3', familyId: undefined, userId: undefined, grantType: 'client_credentials' }),
      )
      await before.close()

      // One index already made partial by hand (as a DBA would, CONCURRENTLY on PostgreSQL): kept as it is.
      const handMade = d.partialIndexes ? await makePartialByHand(h, place) : undefined

      const store = h.store(place, clock)
      try {
        await migrateTwiceToLatest(h, place, store)
        for (const [table, column] of SPARSE_INDEXES) {
          const definition = await indexDefinition(h, place, table, column)
          if (d.partialIndexes) expect(definition).toMatch(new RegExp(`\\(${column}\\) WHERE \\(?${column} IS NOT NULL\\)?$`))
        }
        // PostgreSQL leaves an index that is already partial alone (SQLite rebuilds it: one writer either way).
        if (d.backend === 'PostgreSQL') {
          expect(handMade?.before).toBeDefined()
          expect(await handMade?.id()).toBe(handMade?.before)
        }
        expect(await store.fetchByToken('access-3')).toBeDefined()
        // Rotation reads the siblings through parent_hash; reuse revokes the family through family_id.
        expect(await store.rotateRefreshToken(rotation(clock, 'refresh-2', 4, { familyId: 'fam-2' }))).toBe('rotated')
        expect(await store.fetchByToken('access-4')).toBeDefined()
        expect(await store.rotateRefreshToken(rotation(clock, 'refresh-2', 5, { familyId: 'fam-2' }))).toBe('reused')
        expect(await store.fetchByToken('access-4')).toBeUndefined()
        // Logout of session s1 finds its family through session_id.
        expect(await store.revokeFamilies({ sessionId: 's1' })).toBe(1)
        expect(await store.fetchByToken('access-1')).toBeUndefined()
        expect(await store.fetchByToken('access-3')).toBeDefined()
      } finally {
        await store.close()
      }
    })
  })
}

/** The text of the index of `table.column` as the backend keeps it (SQLite, PostgreSQL); `undefined` elsewhere. */
async function indexDefinition<P extends SqlPlace>(h: SqlHarness<P>, place: P, table: string, column: string): Promise<string | undefined> {
  const d = h.dialect(place)
  const name = `${place.prefix}${table}_${column}`
  if (d.backend === 'SQLite') {
    return String((await h.exec(place, `SELECT sql AS def FROM sqlite_master WHERE type = 'index' AND name = '${name}'`))[0]?.['def'])
  }
  if (d.backend === 'PostgreSQL') {
    return String((await h.exec(place, `SELECT pg_get_indexdef(to_regclass('${schemaOf(h, place)}."${name}"')) AS def`))[0]?.['def'])
  }
  return undefined
}

/** PostgreSQL: the quoted schema of a place's tables. */
function schemaOf<P extends SqlPlace>(h: SqlHarness<P>, place: P): string {
  return h.dialect(place).table('families').split('.')[0] as string
}

/**
 * Replaces the `families.session_id` index by a partial one under the same name, as a DBA would before the
 * upgrade; `id` tells the index's identity (PostgreSQL: its oid, which a rebuild changes; SQLite: none).
 */
async function makePartialByHand<P extends SqlPlace>(h: SqlHarness<P>, place: P): Promise<{ before: unknown; id(): Promise<unknown> }> {
  const d = h.dialect(place)
  const name = `"${place.prefix}families_session_id"`
  const qualified = d.backend === 'PostgreSQL' ? `${schemaOf(h, place)}.${name}` : name
  await h.exec(place, `DROP INDEX ${qualified}`)
  await h.exec(place, `CREATE INDEX ${name} ON ${d.table('families')} (session_id) WHERE session_id IS NOT NULL`)
  const id = async (): Promise<unknown> =>
    d.backend === 'PostgreSQL' ? (await h.exec(place, `SELECT to_regclass('${qualified}')::oid AS id`))[0]?.['id'] : undefined
  return { before: await id(), id }
}
