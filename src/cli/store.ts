/**
 * Opening the store a CLI command works on, from `--store`, `OAUTH2_STACK_STORE`, the config file or
 * the default, with errors a person can act on.
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { backendForScheme, schemeOf, STORE_DRIVERS } from '../stores/drivers.ts'
import { openStore, type OpenedStore } from '../stores/from-url.ts'
import { SQLITE_INSTALL, sqliteOpener } from '../stores/sql/sqlite-driver.ts'
import { FailureError, UsageError } from './args.ts'

/** Where `serve` and the admin commands keep data unless told otherwise: a SQLite file under `./.data`. */
export const DEFAULT_STORE_URL = 'sqlite:./.data/oauth2-stack.db'

/** The environment variable read when `--store` is not given (keeps database passwords out of `ps`). */
export const STORE_ENV = 'OAUTH2_STACK_STORE'

/**
 * An open store, as the commands use it: what `openStore` opened (`persistent` tells whether anything
 * survives the process; `memory:` and `sqlite::memory:` do not).
 */
export type CliStore = OpenedStore

/**
 * Opens the store a URL names: `memory:` (in this process only), `sqlite:<path>` (once a SQLite
 * driver is known to load, its directory is created; a file that does not exist yet is migrated at
 * once, since it holds nothing to protect), `sqlite::memory:` (migrated at once), or any URL `openStore` takes. With `migrate`, creates or upgrades the tables.
 * Throws a {@link UsageError} for an unsupported URL and a {@link FailureError} when the backend or its
 * driver is missing or unreachable; never puts the URL's password in a message. `warn` gets the line
 * saying better-sqlite3 is installed but does not load, when node:sqlite stands in for it (serve shows
 * it above its banner; the admin commands, whose stderr scripts read, work the same and leave it out).
 */
export async function openCliStore(
  url: string,
  options: { readonly migrate?: boolean; readonly warn?: (line: string) => void } = {},
): Promise<CliStore> {
  const scheme = schemeOf(url)
  let migrate = options.migrate === true
  if (scheme === 'sqlite:') {
    // The driver first: when none loads, say what to run and create nothing (no empty .data/ left behind).
    const warning = sqliteDriverWarning()
    if (warning !== undefined) options.warn?.(`oauth2-stack: warning: ${warning}\n`)
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '')
    if (path === ':memory:') {
      migrate = true
    } else if (path !== '') {
      const file = resolve(path)
      if (!existsSync(file)) migrate = true
      await mkdir(dirname(file), { recursive: true }).catch((error: unknown) => {
        throw new FailureError(`cannot create the directory for ${path}: ${message(error)}`)
      })
    }
  }
  try {
    return await openStore(url, { migrate })
  } catch (error) {
    const backend = backendForScheme(scheme)
    if (isMissingModule(error) && backend !== undefined) {
      const driver = STORE_DRIVERS[backend].package
      throw new FailureError(
        `the ${scheme} store needs the ${driver} package: npm install ${driver} (or use --store memory: to try things out)`,
        { cause: error },
      )
    }
    if (error instanceof TypeError) {
      throw new UsageError(`--store ${describeStoreUrl(url)}: ${error.message}${scheme === 'memory:' ? '' : '; memory: works too'}`)
    }
    throw new FailureError(`cannot open the store ${describeStoreUrl(url)}: ${message(error)}`, { cause: error })
  }
}

/**
 * Checks that a SQLite driver loads (better-sqlite3, else node:sqlite) and returns the one-line warning
 * when better-sqlite3 is installed but broken and node:sqlite stands in. Throws a {@link FailureError}
 * saying exactly what to run when no driver loads.
 */
function sqliteDriverWarning(): string | undefined {
  try {
    return sqliteOpener(undefined).warning
  } catch (error) {
    const node = process.versions.node
    const text = message(error).replace(/^SQLite: /, '')
    if (/^no driver:/.test(text)) {
      throw new FailureError(
        `the sqlite: store needs better-sqlite3 on Node ${node} (node:sqlite comes with Node 22.13 and later): run ${SQLITE_INSTALL} (or use --store memory: to try things out)`,
        {
          cause: error,
        },
      )
    }
    throw new FailureError(`the sqlite: store has no driver: ${text}`, { cause: error })
  }
}

/** A store URL fit to print: user name and password removed. */
export function describeStoreUrl(url: string): string {
  if (/^(memory|sqlite):/i.test(url)) return url
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    parsed.search = ''
    return parsed.toString()
  } catch {
    return `${/^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '(unrecognised)'}…`
  }
}

/** Maps the "tables are missing" store failure to a message that says what to run. */
export function storeFailure(error: unknown, url: string): FailureError {
  const text = message(error)
  if (/tables are missing|no such table|does not exist|doesn't exist/i.test(text)) {
    return new FailureError(`the store ${describeStoreUrl(url)} has no tables yet: run oauth2-stack migrate first`, { cause: error })
  }
  return new FailureError(`store ${describeStoreUrl(url)} failed: ${text}`, { cause: error })
}

function isMissingModule(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
