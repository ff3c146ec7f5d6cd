/**
 * `oauth2-stack keys list|rotate`, and how the CLI finds the key secret the store's signing keys are sealed
 * under: `OAUTH2_STACK_KEY_SECRET`, else (SQLite and in-memory stores only) one the CLI keeps itself.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { KeySet, type KeyInfo } from '../keys/key-set.ts'
import { KeySecretMismatchError, MIN_KEY_SECRET_BYTES } from '../keys/seal.ts'
import type { SigningAlgorithm } from '../keys/types.ts'
import type { RecordStore } from '../stores/types.ts'
import { booleanOption, CliError, FailureError, listOption, parseCommand, stringOption, UsageError, type ParsedCommand } from './args.ts'
import type { CliConfig } from './config.ts'
import { HELP } from './help.ts'
import type { CliIo } from './io.ts'
import { terminalJson } from './printable.ts'
import { configOf, STORE_OPTIONS, storeUrlOf } from './settings.ts'
import { openCliStore, storeFailure } from './store.ts'

/** The environment variable holding the key secret (32+ bytes, the same for every process sharing the store). */
export const KEY_SECRET_ENV = 'OAUTH2_STACK_KEY_SECRET'

/** The file, next to a SQLite database, where the CLI keeps the key secret it generated (mode 0600). */
export const KEY_SECRET_FILE = 'key-secret'

const ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'ES256', 'EdDSA']

/** A key secret and where it came from (the variable's name, the file's path), for messages. */
export interface KeySecret {
  readonly secret: string
  readonly source: string
}

/** Whether {@link keySecretFor} finds a key secret without asking: the variable is set, or the store is SQLite or memory. */
export function hasOwnKeySecret(storeUrl: string, env: Readonly<Record<string, string | undefined>>): boolean {
  return (env[KEY_SECRET_ENV] ?? '') !== '' || /^(sqlite|memory):/i.test(storeUrl)
}

/**
 * The key secret for a store URL: `OAUTH2_STACK_KEY_SECRET` when set; else, for `sqlite:<file>`, the secret
 * kept in `key-secret` beside the database file (created once, mode 0600, by whichever process comes first);
 * else, for `memory:` and `sqlite::memory:`, a random one (nothing outlives the process anyway). A network
 * store needs the variable: every process sharing it must seal and open keys with the same secret.
 */
export async function keySecretFor(
  storeUrl: string,
  env: Readonly<Record<string, string | undefined>>,
  command: string,
): Promise<KeySecret> {
  const fromEnv = env[KEY_SECRET_ENV]
  if (fromEnv !== undefined && fromEnv !== '') {
    if (Buffer.byteLength(fromEnv, 'utf8') < MIN_KEY_SECRET_BYTES) {
      throw new UsageError(`${KEY_SECRET_ENV} must be at least ${MIN_KEY_SECRET_BYTES} bytes (e.g. openssl rand -base64 32)`, command)
    }
    return { secret: fromEnv, source: KEY_SECRET_ENV }
  }
  const sqlitePath = /^sqlite:(?:\/\/)?(.*)$/i.exec(storeUrl)?.[1]
  if (/^memory:/i.test(storeUrl) || sqlitePath === ':memory:') {
    return { secret: randomBytes(32).toString('base64url'), source: 'a random secret of this process' }
  }
  if (sqlitePath === undefined || sqlitePath === '') {
    throw new UsageError(
      `signing keys in a shared store need ${KEY_SECRET_ENV}: a secret of ${MIN_KEY_SECRET_BYTES}+ bytes, the same for every process (e.g. openssl rand -base64 32)`,
      command,
    )
  }
  const file = join(dirname(resolve(sqlitePath)), KEY_SECRET_FILE)
  const fresh = randomBytes(32).toString('base64url')
  try {
    // `wx`: of two processes starting together, one writes the file and the other reads it.
    await writeFile(file, `${fresh}\n`, { mode: 0o600, flag: 'wx' })
    return { secret: fresh, source: file }
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST')
      throw new FailureError(`cannot create ${file}: ${message(error)}`, { cause: error })
  }
  const kept = (
    await readFile(file, 'utf8').catch((error: unknown) => {
      throw new FailureError(`cannot read the key secret ${file}: ${message(error)}`, { cause: error })
    })
  ).trim()
  if (Buffer.byteLength(kept, 'utf8') < MIN_KEY_SECRET_BYTES)
    throw new FailureError(`${file} holds fewer than ${MIN_KEY_SECRET_BYTES} bytes`)
  return { secret: kept, source: file }
}

/** The issuer the key commands work on: `--issuer`, `OAUTH2_STACK_ISSUER`, the config file's, or serve's default. */
function issuerOf(parsed: ParsedCommand, config: CliConfig, env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env.OAUTH2_STACK_ISSUER
  const host = config.host ?? '127.0.0.1'
  return (
    stringOption(parsed, 'issuer') ??
    (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv) ??
    config.issuer ??
    `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${config.port ?? 8080}`
  )
}

/** The configured algorithms (`signingAlgorithms` of the config file). */
export function signingAlgorithmsOf(config: CliConfig): SigningAlgorithm[] {
  return [...(config.signingAlgorithms ?? [])]
}

/** The key set serve signs with: the store's, for `issuer`, sealed under {@link keySecretFor}'s secret. */
export function cliKeySet(store: RecordStore, issuer: string, secret: string, config: CliConfig): KeySet {
  return new KeySet({
    store,
    issuer,
    secret,
    algorithms: signingAlgorithmsOf(config),
    // What a rotated-out key signed lives at most the access-token lifetime (and never under a day's margin).
    retireAfterSeconds: Math.max(config.accessTokenLifetime ?? 3600, 86_400),
  })
}

const KEY_OPTIONS = { ...STORE_OPTIONS, issuer: { type: 'string' }, json: { type: 'boolean' } } as const

/** `oauth2-stack keys list`: the issuer's keys with their state and times (never key material). */
export async function keysList(args: readonly string[], io: CliIo): Promise<number> {
  return withKeySet('keys list', args, {}, io, async (keys, parsed) => {
    print(await keys.list(), parsed, io)
    return 0
  })
}

/**
 * `oauth2-stack keys rotate`: retires the current keys, promotes the next ones and makes new next ones.
 * Running servers pick it up within their refresh interval (60 s).
 */
export async function keysRotate(args: readonly string[], io: CliIo): Promise<number> {
  return withKeySet('keys rotate', args, { alg: { type: 'string', multiple: true } }, io, async (keys, parsed) => {
    const algorithms = listOption(parsed, 'alg')
    for (const alg of algorithms) {
      if (!ALGORITHMS.includes(alg as SigningAlgorithm))
        throw new UsageError(`--alg must be one of ${ALGORITHMS.join(', ')}; got ${JSON.stringify(alg)}`, 'keys rotate')
    }
    const after = await keys.rotate({ algorithms: algorithms as SigningAlgorithm[] })
    if (booleanOption(parsed, 'json') !== true) {
      io.out(
        `Rotated. The new current keys sign once every server has published them (within ${keys.refreshSeconds} s); ` +
          'the retired ones stay published until what they signed has expired.\n\n',
      )
    }
    print(after, parsed, io)
    return 0
  })
}

async function withKeySet(
  command: string,
  args: readonly string[],
  extra: Readonly<Record<string, { readonly type: 'string' | 'boolean'; readonly multiple?: boolean }>>,
  io: CliIo,
  body: (keys: KeySet, parsed: ParsedCommand) => Promise<number>,
): Promise<number> {
  const parsed = parseCommand(command, args, { ...KEY_OPTIONS, ...extra }, 0)
  if (booleanOption(parsed, 'help') === true) {
    io.out(HELP[command] ?? '')
    return 0
  }
  const config = await configOf(parsed)
  const url = storeUrlOf(parsed, config, io.env)
  // A network store without the variable is refused before connecting; a SQLite file's folder exists once it is open.
  if (!/^(sqlite|memory):/i.test(url)) await keySecretFor(url, io.env, command)
  const store = await openCliStore(url)
  try {
    const { secret } = await keySecretFor(url, io.env, command)
    return await body(cliKeySet(store.recordStore, issuerOf(parsed, config, io.env), secret, config), parsed)
  } catch (error) {
    if (error instanceof CliError) throw error
    if (error instanceof KeySecretMismatchError) throw new UsageError(error.message, command)
    throw storeFailure(error, url)
  } finally {
    await store.close().catch(() => undefined)
  }
}

function print(keys: readonly KeyInfo[], parsed: ParsedCommand, io: CliIo): void {
  const date = (seconds: number | undefined): string => (seconds === undefined ? '-' : new Date(seconds * 1000).toISOString())
  if (booleanOption(parsed, 'json') === true) {
    io.out(`${terminalJson(keys.map((key) => ({ ...key, retireAt: key.retireAt ?? null })))}\n`)
    return
  }
  const rows = [
    ['KID', 'ALG', 'STATE', 'CREATED', 'SIGNS FROM', 'RETIRES'],
    ...keys.map((key) => [key.kid, key.alg, key.state, date(key.createdAt), date(key.activatesAt), date(key.retireAt)]),
  ]
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? []
  for (const row of rows)
    io.out(
      `${row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    )
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
