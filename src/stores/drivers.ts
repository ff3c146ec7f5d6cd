/**
 * The store backends a URL can name, once: for each, its URL schemes, its store module (published as
 * `oauth2-stack/store/<module>`), the npm driver package that module loads and the peer range tested.
 * `openStore` (`from-url.ts`) loads a backend from here, the CLI names the package to install from here,
 * and `test/package/drivers.test.ts` checks this table against the modules' imports and `peerDependencies`.
 *
 * @module
 */
import type * as MemcacheModule from './memcache.ts'
import type * as MysqlModule from './mysql.ts'
import type * as PostgresModule from './postgres.ts'
import type * as RedisModule from './redis.ts'
import type * as SqliteModule from './sqlite.ts'

/** One store backend a URL can name. */
export interface StoreDriver<Module = unknown> {
  /** The backend's name in messages (`PostgreSQL`). */
  readonly backend: string
  /** The URL schemes that select it, lower case with their colon (`postgres:`, `postgresql:`). */
  readonly schemes: readonly string[]
  /** The URL forms shown when a URL is refused (`postgres://`). */
  readonly forms: readonly string[]
  /** The store module in `src/stores/`, without extension; published as `oauth2-stack/store/<module>`. */
  readonly module: string
  /** The npm package the module imports, which the application installs (a peer dependency). */
  readonly package: string
  /** The `peerDependencies` range of {@link StoreDriver.package}: caret ranges of the tested majors. */
  readonly peerRange: string
  /**
   * Other driver packages the store accepts in place of {@link StoreDriver.package} (the application
   * passes their client), with their peer ranges. Empty for most backends.
   */
  readonly alternatives: Readonly<Record<string, string>>
  /** Loads the store module; only `openStore` calls it, so a bundle of `oauth2-stack/store` holds no driver. */
  readonly load: () => Promise<Module>
}

/** The backends, by module name. Order is the order of the supported-URL message. */
export const STORE_DRIVERS: {
  readonly sqlite: StoreDriver<typeof SqliteModule>
  readonly postgres: StoreDriver<typeof PostgresModule>
  readonly mysql: StoreDriver<typeof MysqlModule>
  readonly redis: StoreDriver<typeof RedisModule>
  readonly memcache: StoreDriver<typeof MemcacheModule>
} = {
  sqlite: {
    backend: 'SQLite',
    schemes: ['sqlite:'],
    forms: ['sqlite:<path>', 'sqlite::memory:'],
    module: 'sqlite',
    package: 'better-sqlite3',
    peerRange: '^12 || ^13',
    alternatives: {},
    load: () => import('./sqlite.ts'),
  },
  postgres: {
    backend: 'PostgreSQL',
    schemes: ['postgres:', 'postgresql:'],
    forms: ['postgres://', 'postgresql://'],
    module: 'postgres',
    package: 'pg',
    peerRange: '^8',
    alternatives: {},
    load: () => import('./postgres.ts'),
  },
  mysql: {
    backend: 'MySQL',
    schemes: ['mysql:'],
    forms: ['mysql://'],
    module: 'mysql',
    package: 'mysql2',
    peerRange: '^3',
    alternatives: {},
    load: () => import('./mysql.ts'),
  },
  redis: {
    backend: 'Redis',
    schemes: ['redis:', 'rediss:'],
    forms: ['redis://', 'rediss://'],
    module: 'redis',
    package: 'ioredis',
    peerRange: '^5',
    // node-redis 5: the Redis store accepts its client as well as an ioredis one.
    alternatives: { redis: '^5' },
    load: () => import('./redis.ts'),
  },
  memcache: {
    backend: 'memcached',
    schemes: ['memcached:'],
    forms: ['memcached://'],
    module: 'memcache',
    package: 'memjs',
    peerRange: '^1.3',
    alternatives: {},
    load: () => import('./memcache.ts'),
  },
}

/** The scheme of the in-process store, which needs no driver. */
export const MEMORY_SCHEME = 'memory:'

/** The name of a backend in {@link STORE_DRIVERS}. */
export type StoreBackend = keyof typeof STORE_DRIVERS

/** The backend a URL scheme (lower case, with its colon) selects, or `undefined`. */
export function backendForScheme(scheme: string): StoreBackend | undefined {
  return (Object.keys(STORE_DRIVERS) as StoreBackend[]).find((backend) => STORE_DRIVERS[backend].schemes.includes(scheme))
}

/** `sqlite:<path>, …, memcached:// and memory:`: every URL form, for messages. */
export function supportedStoreUrls(): string {
  const forms = [...Object.values(STORE_DRIVERS).flatMap((driver: StoreDriver) => driver.forms), MEMORY_SCHEME]
  return `${forms.slice(0, -1).join(', ')} and ${forms[forms.length - 1] ?? ''}`
}

/** The scheme of a URL, lower case with its colon (`postgres:`), or `''` when it has none. */
export function schemeOf(url: string): string {
  return /^([a-z][a-z0-9+.-]*:)/i.exec(url)?.[1]?.toLowerCase() ?? ''
}
