/**
 * A store for one benchmark run, opened by URL (`sqlite:`, `postgres://`, `mysql://`, `redis://`) with fresh
 * tables or keys (a random suffix: a PostgreSQL schema, a MySQL table prefix, a Redis key prefix, a SQLite
 * file), removed again by `close`: nothing is left in the shared databases. Used by the bench server and by
 * `bench/dispatch.ts`, which passes the `openStore` of the checkout it loads.
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import pg from 'pg'
import type { LocalClientStore } from 'oauth2-stack/store'
import type { OpenedStore, OpenStoreOptions } from 'oauth2-stack/store/open'

/** What the bench needs of the opened stores. */
export interface BenchStore {
  readonly clientStore: Pick<LocalClientStore, 'addClient'> & OpenedStore['clientStore']
  readonly tokenStore: OpenedStore['tokenStore']
  /** Closes the store and removes its tables or keys. */
  close(): Promise<void>
}

/** `openStore` of some checkout (its own `dist/`). */
export type OpenStore = (url: string, options: OpenStoreOptions) => Promise<OpenedStore>

/** Opens `storeUrl` under a fresh suffix, migrated. */
export async function openBenchStore(openStore: OpenStore, storeUrl: string): Promise<BenchStore> {
  const suffix = randomBytes(4).toString('hex')
  const schema = `bench_${suffix}`
  const postgres = storeUrl.startsWith('postgres') ? new pg.Pool({ connectionString: storeUrl }) : undefined
  if (postgres !== undefined) await postgres.query(`CREATE SCHEMA ${schema}`)
  const sqliteFile = storeUrl.startsWith('sqlite:') ? join(tmpdir(), `oauth2-stack-bench-${suffix}.db`) : undefined
  const opened = await openStore(sqliteFile === undefined ? storeUrl : `sqlite:${sqliteFile}`, {
    schema,
    keyPrefix: `bench:${suffix}:`,
    // MySQL has no schema per run: a table prefix of its own, dropped on close.
    tablePrefix: `bench_${suffix}_`,
    migrate: true,
  })
  const close = async (): Promise<void> => {
    await opened.close()
    if (postgres !== undefined) await postgres.query(`DROP SCHEMA ${schema} CASCADE`).finally(() => postgres.end())
    if (sqliteFile !== undefined) for (const file of [sqliteFile, `${sqliteFile}-wal`, `${sqliteFile}-shm`]) rmSync(file, { force: true })
    if (storeUrl.startsWith('mysql')) {
      const { createConnection } = await import('mysql2/promise')
      const db = await createConnection(storeUrl)
      const [tables] = await db.query(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'bench\\_${suffix}\\_%'`,
      )
      for (const { name } of tables as { name: string }[]) await db.query(`DROP TABLE IF EXISTS \`${name}\``)
      await db.end()
    }
    if (storeUrl.startsWith('redis')) {
      const redis = new Redis(storeUrl)
      // In batches: a run leaves hundreds of thousands of keys, too many for one DEL's arguments.
      for await (const keys of redis.scanStream({ match: `bench:${suffix}:*`, count: 1000 }) as AsyncIterable<string[]>) {
        if (keys.length > 0) await redis.unlink(...keys)
      }
      redis.disconnect()
    }
  }
  return { clientStore: opened.clientStore, tokenStore: opened.tokenStore, close }
}
