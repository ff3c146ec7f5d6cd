/**
 * Opens the stores a URL names, loading only the driver it needs (each store module is imported on
 * demand, so a deployment installs just its own database's driver).
 *
 * @example
 * ```ts
 * const { clientStore, tokenStore, close } = await openStore(process.env.OAUTH2_STORE ?? 'sqlite:./oauth2.db', { migrate: true })
 * ```
 *
 * @module
 */
import type { Client } from '../types.ts'
import type { ClientRegistration } from './memory-client-store.ts'
import type { ClientStore, TokenStore } from './types.ts'

/** A client store that can also register, remove and list clients (every store in oauth2-stack can). */
export interface AdministeredClientStore extends ClientStore {
  /** Registers (or replaces) a client, validated and its secret hashed by `createClient`. */
  addClient(registration: ClientRegistration): Promise<Client>
  /** Removes a client; resolves whether it existed. */
  removeClient(clientId: string): Promise<boolean>
  /** Every registered client. */
  listClients(): Promise<Client[]>
}

/** The stores {@link openStore} opened. */
export interface OpenedStore {
  /** Where clients are kept (for memcached, which keeps only codes and tokens, an in-memory `LocalClientStore`). */
  readonly clientStore: AdministeredClientStore
  /** Where codes and tokens are kept. */
  readonly tokenStore: TokenStore
  /** Creates or upgrades the SQL tables (idempotent); nothing to do for Redis and memcached. Run it at start-up. */
  migrate(): Promise<void>
  /** Closes the connections (or the SQLite file) the stores opened. */
  close(): Promise<void>
}

/** Options of {@link openStore}. Each applies only to the backends that have it. */
export interface OpenStoreOptions {
  /** SQL stores: prefix of every table name. Default `oauth2_`. */
  readonly tablePrefix?: string
  /** PostgreSQL: the schema of the tables. Default `public`. */
  readonly schema?: string
  /** Redis and memcached: prefix of every key. Default `oauth2:`. */
  readonly keyPrefix?: string
  /** Clock in milliseconds since the epoch; defaults to `Date.now`. */
  readonly clock?: () => number
  /** Run `migrate()` before resolving (a start-up step; the stores never migrate at request time). Default `false`. */
  readonly migrate?: boolean
}

/** What every store the URL can name offers besides the store interfaces. */
interface Connectable {
  connect(): Promise<void>
  close(): Promise<void>
}

const SUPPORTED = 'sqlite:<path>, sqlite::memory:, postgres://, postgresql://, mysql://, redis://, rediss:// and memcached://'

/**
 * Opens the stores for a URL and checks that the backend answers:
 * - `sqlite:<path>` (`sqlite:./oauth2.db`, `sqlite:///var/lib/oauth2.db`) or `sqlite::memory:`: `SqliteStore`
 * - `postgres://…` / `postgresql://…`: `PostgresStore` with its own pool
 * - `mysql://…`: `MysqlStore` with its own pool (MySQL or MariaDB)
 * - `redis://…` / `rediss://…`: `RedisStore`
 * - `memcached://host:port[,host:port…]`: `MemcacheTokenStore` for codes and tokens, paired with an
 *   in-memory `LocalClientStore` (memcached may evict, so it keeps no clients)
 *
 * Rejects with a `TypeError` naming the supported schemes for any other URL, and with an `Error` naming
 * the backend and its address when it cannot be reached. The URL itself (it may hold a password) is
 * never put in an error.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const colon = url.indexOf(':')
  const scheme = colon <= 0 ? '' : url.slice(0, colon + 1).toLowerCase()
  const { clock } = options
  const keyOptions = { ...(options.keyPrefix === undefined ? {} : { prefix: options.keyPrefix }), ...(clock === undefined ? {} : { clock }) }
  const sqlOptions = {
    ...(options.tablePrefix === undefined ? {} : { tablePrefix: options.tablePrefix }),
    ...(clock === undefined ? {} : { clock }),
  }
  let opened: OpenedStore & Connectable
  switch (scheme) {
    case 'sqlite:': {
      let path = url.slice(colon + 1)
      if (path.startsWith('//')) path = path.slice(2)
      if (path === '') throw new TypeError('a sqlite: store URL needs a path (sqlite:./oauth2.db) or sqlite::memory:')
      const { SqliteStore } = await import('./sqlite.ts')
      opened = sameStore(new SqliteStore({ path, ...sqlOptions }))
      break
    }
    case 'postgres:':
    case 'postgresql:': {
      const { PostgresStore } = await import('./postgres.ts')
      const schema = options.schema === undefined ? {} : { schema: options.schema }
      opened = sameStore(new PostgresStore({ connectionString: url, ...schema, ...sqlOptions }))
      break
    }
    case 'mysql:': {
      const { MysqlStore } = await import('./mysql.ts')
      opened = sameStore(new MysqlStore({ uri: url, ...sqlOptions }))
      break
    }
    case 'redis:':
    case 'rediss:': {
      const { RedisStore } = await import('./redis.ts')
      const store: AdministeredClientStore & TokenStore & Connectable = new RedisStore({ url, ...keyOptions })
      opened = { clientStore: store, tokenStore: store, migrate: async () => {}, connect: () => store.connect(), close: () => store.close() }
      break
    }
    case 'memcached:': {
      const servers = url.slice(colon + 1).replace(/^\/\//, '').replace(/\/+$/, '')
      if (servers === '') throw new TypeError('a memcached: store URL needs servers: memcached://host:port[,host:port]')
      const [{ MemcacheTokenStore }, { LocalClientStore }] = await Promise.all([import('./memcache.ts'), import('./memory-client-store.ts')])
      const store: TokenStore & Connectable = new MemcacheTokenStore({ servers, ...keyOptions })
      opened = {
        clientStore: new LocalClientStore(),
        tokenStore: store,
        migrate: async () => {},
        connect: () => store.connect(),
        close: () => store.close(),
      }
      break
    }
    default:
      throw new TypeError(`unsupported store URL scheme ${scheme === '' ? '(none)' : `"${scheme}"`}: use ${SUPPORTED}`)
  }
  try {
    await opened.connect()
    if (options.migrate === true) await opened.migrate()
  } catch (error) {
    await opened.close().catch(() => undefined)
    throw error
  }
  const { clientStore, tokenStore } = opened
  return { clientStore, tokenStore, migrate: () => opened.migrate(), close: () => opened.close() }
}

/** A SQL store is its own client store and token store. */
function sameStore(store: AdministeredClientStore & TokenStore & Connectable & { migrate(): Promise<void> }): OpenedStore & Connectable {
  return {
    clientStore: store,
    tokenStore: store,
    migrate: () => store.migrate(),
    connect: () => store.connect(),
    close: () => store.close(),
  }
}
