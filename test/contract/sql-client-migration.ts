/**
 * Schema version 4 on every SQL backend: the `clients.metadata` column (the optional OpenID Connect /
 * RFC 7591 fields) added in place to a version-3 database. A client row written before the upgrade reads
 * back with every optional field absent, exactly as a client registered without them; registering it
 * again (or a new client) keeps them. Registered by `describeSqlStoreContract`.
 */
import { describe, expect, it } from 'vitest'
import { createClient, type ClientRegistration } from '../../src/stores/client-registration.ts'
import { migrationsTableStatement, schemaStatements, upgradeStatements } from '../../src/stores/sql/ddl.ts'
import { clientValues } from '../../src/stores/sql/rows.ts'
import { columnsOf, SCHEMA_VERSION } from '../../src/stores/sql/schema.ts'
import { EVERY_FIELD } from './client-fields-contract.ts'
import { FakeClock } from './records.ts'
import type { SqlHarness, SqlPlace } from './sql-store-contract.ts'

/** The client registered before the upgrade: what version 3 could keep. */
const OLD: ClientRegistration = {
  clientId: 'old',
  redirectUris: ['https://rp.example/cb'],
  grantTypes: ['authorization_code'],
  responseTypes: ['code'],
  scopes: ['openid'],
  requirePkce: true,
  name: "Registered in version 3's days",
}

/** Migrates `store` twice (the second run changes nothing) and expects every version recorded once, in order. */
export async function migrateTwiceToLatest<P extends SqlPlace>(
  h: SqlHarness<P>,
  place: P,
  store: { migrate(): Promise<void> },
): Promise<void> {
  await store.migrate()
  await store.migrate()
  const versions = await h.exec(place, `SELECT version FROM ${h.dialect(place).table('schema_migrations')} ORDER BY version`)
  expect(versions.map((row) => Number(row['version']))).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1))
}

/** Registers the version 3 → 4 scenarios for one SQL backend. */
export function describeSqlClientMigration<P extends SqlPlace>(h: SqlHarness<P>): void {
  describe(`${h.name}: schema version 4 (clients.metadata)`, () => {
    it('upgrades a version-3 database in place: a client written before reads back without optional fields; new ones keep them', async () => {
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(4)
      const place = h.fresh()
      const d = h.dialect(place)
      for (const statement of [...d.preamble, migrationsTableStatement(d), ...schemaStatements(d, 3)]) await h.exec(place, statement)
      await h.exec(place, `INSERT INTO ${d.table('schema_migrations')} (version, applied_at) VALUES (1, 0), (2, 0), (3, 0)`)
      // Written as version 3 wrote it: no metadata column.
      const old = await createClient(OLD)
      const columns = columnsOf('clients', 3)
      expect(columns).not.toContain('metadata')
      const values = clientValues(old).slice(0, columns.length)
      const literal = (value: string | number | null, i: number): string =>
        columns[i] === 'require_pkce' ? d.bool(value === 1) : value === null ? 'NULL' : `'${String(value).replaceAll("'", "''")}'`
      await h.exec(place, `INSERT INTO ${d.table('clients')} (${columns.join(', ')}) VALUES (${values.map(literal).join(', ')})`)

      const clock = new FakeClock()
      const store = h.store(place, clock)
      try {
        await migrateTwiceToLatest(h, place, store)
        const [row] = await h.exec(place, `SELECT metadata FROM ${d.table('clients')} WHERE client_id = 'old'`)
        expect(row?.['metadata']).toBeNull()
        // Fields absent, not backfilled: exactly the client createClient builds from the old registration.
        expect(await store.fetchByClientId('old')).toStrictEqual(old)
        expect(await store.listClients()).toStrictEqual([old])

        const upgraded = { ...OLD, postLogoutRedirectUris: ['https://rp.example/bye'], idTokenSignedResponseAlg: 'EdDSA' as const }
        await store.addClient(upgraded)
        expect(await store.fetchByClientId('old')).toStrictEqual(await createClient(upgraded))
        await store.addClient(EVERY_FIELD)
        expect(await store.fetchByClientId(EVERY_FIELD.clientId)).toStrictEqual(await createClient(EVERY_FIELD))
      } finally {
        await store.close()
      }
    })

    it('adds exactly one nullable JSON column to clients, and nothing else', () => {
      const d = h.dialect(h.main)
      const statements = upgradeStatements(d, 4)
      expect(statements).toHaveLength(1)
      expect(statements[0]).toMatch(/^ALTER TABLE \S+clients\S* ADD COLUMN (IF NOT EXISTS )?metadata \w+ NULL$/)
      expect(columnsOf('clients')).toEqual([...columnsOf('clients', 3), 'metadata'])
    })

    it('writes NULL for a client without optional fields, and one JSON object of the fields it has', async () => {
      const store = h.store(h.main, new FakeClock())
      try {
        await store.addClient({ clientId: 'plain', redirectUris: ['https://rp.example/cb'] })
        await store.addClient({ clientId: 'rich', redirectUris: ['https://rp.example/cb'], allowedCorsOrigins: ['https://rp.example'] })
        const rows = await h.exec(h.main, `SELECT client_id, metadata FROM ${h.dialect(h.main).table('clients')} ORDER BY client_id`)
        const metadata = rows.map((r) => (r['metadata'] instanceof Uint8Array ? new TextDecoder().decode(r['metadata']) : r['metadata']))
        expect(metadata).toEqual([null, JSON.stringify({ allowedCorsOrigins: ['https://rp.example'] })])
      } finally {
        await store.close()
        await h.clear(h.main)
      }
    })
  })
}
