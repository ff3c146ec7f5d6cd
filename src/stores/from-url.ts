/**
 * Opens the stores a URL names, loading only the driver it needs (each store module is imported on
 * demand, so a deployment installs just its own database's driver).
 *
 * Published as `oauth2-stack/store/open` (not `oauth2-stack/store`, which holds no driver and so bundles
 * for any runtime).
 *
 * @example
 * ```ts
 * import { openStore } from 'oauth2-stack/store/open'
 *
 * const { clientStore, tokenStore, close } = await openStore(process.env.OAUTH2_STORE ?? 'sqlite:./oauth2.db', { migrate: true })
 * ```
 *
 * @module oauth2-stack/store/open
 */
import { ConfigurationError } from '../errors.ts'
import type { ClientSecretPolicy } from '../checks/client-secret-strength.ts'
import type { Client } from '../types.ts'
import { backendForScheme, MEMORY_SCHEME, schemeOf, STORE_DRIVERS, supportedStoreUrls } from './drivers.ts'
import { LocalClientStore, type ClientRegistration } from './memory-client-store.ts'
import { LocalRecordStore } from './memory-record-store.ts'
import { LocalTokenStore } from './memory-token-store.ts'
import { isRecordStore } from './record-rules.ts'
import type { ClientStore, RecordStore, TokenStore } from './types.ts'

/** A client store that can also register, remove and list clients (every store in oauth2-stack can). */
export interface AdministeredClientStore extends ClientStore {
  /**
   * Registers (or replaces) a client, validated and its secret hashed by `createClient`.
   * With `policy` (the issuer it serves, `allowWeakClientSecrets`), a secret shorter than 43 characters
   * is refused on an issuer that is not a loopback one (RFC 6749 section 10.10; see `createClient`).
   */
  addClient(registration: ClientRegistration, policy?: ClientSecretPolicy): Promise<Client>
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
  /**
   * Records with a time to live, consume-once markers and windowed counters. It is the opened store itself
   * when that store implements {@link RecordStore} (`isRecordStore`); otherwise, and for `memory:`, an
   * in-process `LocalRecordStore` (its `inProcess` flag is `true`): its records are neither shared with
   * other processes nor kept across a restart, so a deployment of several processes needs a backend that
   * implements `RecordStore`.
   */
  readonly recordStore: RecordStore
  /** Whether what the stores keep survives this process: `false` for `memory:` and `sqlite::memory:`. */
  readonly persistent: boolean
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

/** A store that is its own client store and token store, as the SQL and Redis stores are. */
type WholeStore = AdministeredClientStore & TokenStore & Connectable & { migrate?(): Promise<void> }

/**
 * Opens the stores for a URL and checks that the backend answers:
 * - `memory:`: `LocalClientStore`, `LocalTokenStore` and `LocalRecordStore`, in this process only
 * - `sqlite:<path>` (`sqlite:./oauth2.db`, `sqlite:///var/lib/oauth2.db`) or `sqlite::memory:`: `SqliteStore`
 * - `postgres://…` / `postgresql://…`: `PostgresStore` with its own pool
 * - `mysql://…`: `MysqlStore` with its own pool (MySQL or MariaDB)
 * - `redis://…` / `rediss://…`: `RedisStore`
 * - `memcached://host:port[,host:port…]`: `MemcacheTokenStore` for codes and tokens, paired with an
 *   in-memory `LocalClientStore` (memcached may evict, so it keeps no clients)
 *
 * Each backend's driver package is loaded only when its URL is opened (`drivers.ts` names them).
 * Rejects with a `TypeError` naming the supported schemes for any other URL, and with an `Error` naming
 * the backend and its address when it cannot be reached. The URL itself (it may hold a password) is
 * never put in an error.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const scheme = schemeOf(url)
  const rest = url.slice(scheme.length)
  const { clock } = options
  const clockOption = clock === undefined ? {} : { clock }
  const keyOptions = { ...(options.keyPrefix === undefined ? {} : { prefix: options.keyPrefix }), ...clockOption }
  const sqlOptions = { ...(options.tablePrefix === undefined ? {} : { tablePrefix: options.tablePrefix }), ...clockOption }
  if (scheme === MEMORY_SCHEME) {
    if (rest !== '') throw new ConfigurationError('a memory: store URL takes no path: use memory:')
    const clientStore = new LocalClientStore()
    const tokenStore = new LocalTokenStore(clockOption)
    return {
      clientStore,
      tokenStore,
      recordStore: new LocalRecordStore(clockOption),
      persistent: false,
      migrate: async () => {},
      close: async () => {},
    }
  }
  let opened: Omit<OpenedStore, 'recordStore' | 'persistent'> & Connectable
  let recordStore: RecordStore | undefined
  let persistent = true
  switch (backendForScheme(scheme)) {
    case 'sqlite': {
      const path = rest.startsWith('//') ? rest.slice(2) : rest
      if (path === '') throw new ConfigurationError('a sqlite: store URL needs a path (sqlite:./oauth2.db) or sqlite::memory:')
      persistent = path !== ':memory:'
      const { SqliteStore } = await STORE_DRIVERS.sqlite.load()
      ;({ opened, recordStore } = wholeStore(new SqliteStore({ path, ...sqlOptions })))
      break
    }
    case 'postgres': {
      const { PostgresStore } = await STORE_DRIVERS.postgres.load()
      const schema = options.schema === undefined ? {} : { schema: options.schema }
      ;({ opened, recordStore } = wholeStore(new PostgresStore({ connectionString: url, ...schema, ...sqlOptions })))
      break
    }
    case 'mysql': {
      const { MysqlStore } = await STORE_DRIVERS.mysql.load()
      ;({ opened, recordStore } = wholeStore(new MysqlStore({ uri: url, ...sqlOptions })))
      break
    }
    case 'redis': {
      const { RedisStore } = await STORE_DRIVERS.redis.load()
      ;({ opened, recordStore } = wholeStore(new RedisStore({ url, ...keyOptions })))
      break
    }
    case 'memcache': {
      const servers = rest.replace(/^\/\//, '').replace(/\/+$/, '')
      if (servers === '') throw new ConfigurationError('a memcached: store URL needs servers: memcached://host:port[,host:port]')
      const { MemcacheTokenStore } = await STORE_DRIVERS.memcache.load()
      const store: TokenStore & Connectable = new MemcacheTokenStore({ servers, ...keyOptions })
      if (isRecordStore(store)) recordStore = store
      opened = {
        clientStore: new LocalClientStore(),
        tokenStore: store,
        migrate: async () => {},
        connect: () => store.connect(),
        close: () => store.close(),
      }
      break
    }
    case undefined:
      throw new ConfigurationError(`unsupported store URL scheme ${scheme === '' ? '(none)' : `"${scheme}"`}: use ${supportedStoreUrls()}`)
  }
  try {
    await opened.connect()
    if (options.migrate === true) await opened.migrate()
  } catch (error) {
    await opened.close().catch(() => undefined)
    throw error
  }
  const { clientStore, tokenStore } = opened
  return {
    clientStore,
    tokenStore,
    recordStore: recordStore ?? new LocalRecordStore(clockOption),
    persistent,
    migrate: () => opened.migrate(),
    close: () => opened.close(),
  }
}

/** A store that is its own client store, token store and, when it implements it, record store. */
function wholeStore(store: WholeStore): {
  opened: Omit<OpenedStore, 'recordStore' | 'persistent'> & Connectable
  recordStore: RecordStore | undefined
} {
  return {
    opened: {
      clientStore: store,
      tokenStore: store,
      migrate: async () => store.migrate?.(),
      connect: () => store.connect(),
      close: () => store.close(),
    },
    recordStore: isRecordStore(store) ? store : undefined,
  }
}
