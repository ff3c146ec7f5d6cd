/**
 * `oauth2-stack migrate --print-sql`: a SQL backend's full DDL for DBAs, printed without connecting; the
 * printed SQL really creates the schema `migrate` would (checked on SQLite, whose file needs no server).
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SqliteStore } from '../../src/stores/sqlite.ts'
import { SCHEMA_VERSION, TABLE_NAMES } from '../../src/stores/sql/schema.ts'
import { runCli, tempDir } from './run-cli.ts'

const SLOW = 60_000
const dir = tempDir()
afterAll(() => dir.remove())

describe.concurrent('migrate --print-sql', () => {
  it(
    'prints PostgreSQL DDL for a URL without connecting (port 1 answers nothing) and without its password',
    async () => {
      const result = await runCli(['migrate', '--print-sql', '--store', 'postgres://app:hunter2@127.0.0.1:1/db'])
      expect(result.code).toBe(0)
      expect(result.stderr).toBe('')
      expect(result.stdout).toContain('CREATE TABLE IF NOT EXISTS "public"."oauth2_families"')
      expect(result.stdout).toMatch(/session_id TEXT NULL/)
      expect(result.stdout).toContain(
        'CREATE INDEX IF NOT EXISTS "oauth2_families_grant_id" ON "public"."oauth2_families" (grant_id) WHERE grant_id IS NOT NULL;',
      )
      expect(result.stdout).toContain(`VALUES (${SCHEMA_VERSION}, 0);`)
      expect(result.stdout).not.toContain('hunter2')
    },
    SLOW,
  )

  it(
    'prints MySQL DDL by backend name, identifiers VARBINARY(2048)',
    async () => {
      const result = await runCli(['migrate', '--print-sql', '--store', 'mariadb'])
      expect(result.code).toBe(0)
      expect(result.stdout).toContain('client_id VARBINARY(2048) NOT NULL')
      expect(result.stdout).toContain('ENGINE=InnoDB')
      expect(result.stdout).toContain('CREATE TABLE IF NOT EXISTS `oauth2_records`')
      // No partial indexes in MySQL or MariaDB: every index is whole.
      expect(result.stdout).toContain('KEY `oauth2_families_grant_id` (grant_id)')
      expect(result.stdout).not.toContain('IS NOT NULL')
    },
    SLOW,
  )

  it(
    'prints SQLite DDL that creates exactly the schema migrate() keeps',
    async () => {
      const result = await runCli(['migrate', '--print-sql', '--store', 'sqlite'])
      expect(result.code).toBe(0)
      const store = new SqliteStore({ path: join(dir.path, 'printed.db') })
      try {
        const db = store.database as { exec(sql: string): unknown; prepare(sql: string): { all(): unknown[] } }
        db.exec(result.stdout)
        const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
          (t) => t.name,
        )
        expect(tables).toEqual(TABLE_NAMES.map((t) => `oauth2_${t}`).sort())
        // migrate() finds the version the script recorded and has nothing left to do.
        await store.migrate()
        expect(db.prepare('SELECT version FROM oauth2_schema_migrations').all()).toEqual([{ version: SCHEMA_VERSION }])
        await store.saveCode({
          codeHash: 'c',
          clientId: 'abc',
          redirectUri: undefined,
          effectiveRedirectUri: 'https://client.example.com/cb',
          scopes: [],
          userId: 'u',
          data: {},
          codeChallenge: undefined,
          codeChallengeMethod: undefined,
          familyId: 'f',
          issuedAt: 1,
          expiresAt: 4_000_000_000,
        })
      } finally {
        await store.close()
      }
    },
    SLOW,
  )

  it(
    'refuses a store without a SQL schema (exit 2)',
    async () => {
      const result = await runCli(['migrate', '--print-sql', '--store', 'redis://127.0.0.1:6379'])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('--print-sql needs a SQL store')
      expect(result.stdout).toBe('')
    },
    SLOW,
  )
})
