/**
 * The administration commands: `client list|show|rm`, `token revoke` and `migrate` (`client add` is in
 * `client-add.ts`). Each opens the store, does one thing, and closes it.
 *
 * @module
 */
import { storedUriProblems } from '../stores/client-registration.ts'
import { hashToken } from '../tokens/hash.ts'
import type { Client } from '../types.ts'
import { booleanOption, CliError, FailureError, parseCommand, UsageError, type ParsedCommand } from './args.ts'
import { clientJson, describeClient, isPublic, list } from './client-view.ts'
import { HELP } from './help.ts'
import { schemaSql } from './print-sql.ts'
import type { CliIo } from './io.ts'
import { configOf, STORE_OPTIONS, storeUrlOf } from './settings.ts'
import { escapeControlCharacters as printable, terminalJson } from './printable.ts'
import { selfRegisteredClients } from './registered-list.ts'
import { describeStoreUrl, openCliStore, storeFailure, type CliStore } from './store.ts'

/** `oauth2-stack client list`. */
export async function clientList(args: readonly string[], io: CliIo): Promise<number> {
  const command = 'client list'
  const parsed = parseCommand(command, args, { ...STORE_OPTIONS, json: { type: 'boolean' } }, 0)
  if (help(parsed, command, io)) return 0
  return withStore(parsed, io, async (store) => {
    const registered = await selfRegisteredClients(store)
    const self = new Set(registered.map((client) => client.clientId))
    const clients = [...(await store.clientStore.listClients()), ...registered]
    if (booleanOption(parsed, 'json') === true) {
      io.out(`${terminalJson(clients.map((client) => ({ ...clientJson(client), self_registered: self.has(client.clientId) })))}\n`)
      return 0
    }
    if (clients.length === 0) {
      io.out('No clients registered. Add one with: oauth2-stack client add --name <name>\n')
      return 0
    }
    const flagged = clients.filter((client) => storedUriProblems(client).length > 0)
    const rows = clients.map((client) => [
      printable(client.clientId),
      isPublic(client) ? 'public' : 'confidential',
      printable(list(client.grantTypes, 'any')),
      printable(client.name ?? ''),
      ...(self.size === 0 ? [] : [self.has(client.clientId) ? 'self-registered' : 'configured']),
      ...(flagged.length === 0 ? [] : [uriWarning(client)]),
    ])
    const header = [
      'CLIENT_ID',
      'TYPE',
      'GRANTS',
      'NAME',
      ...(self.size === 0 ? [] : ['SOURCE']),
      ...(flagged.length === 0 ? [] : ['WARNING']),
    ]
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)))
    for (const row of [header, ...rows])
      io.out(
        `${row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
      )
    if (flagged.length > 0) {
      io.err(
        `warning: ${flagged.length} client(s) have stored redirect URIs that registration refuses today; see oauth2-stack client show <client_id>\n`,
      )
    }
    return 0
  })
}

/** `oauth2-stack client show <id>`. */
export async function clientShow(args: readonly string[], io: CliIo): Promise<number> {
  const command = 'client show'
  const parsed = parseCommand(command, args, { ...STORE_OPTIONS, json: { type: 'boolean' } }, 1)
  if (help(parsed, command, io)) return 0
  const id = requiredPositional(parsed, command, '<client_id>')
  return withStore(parsed, io, async (store) => {
    const client = await store.clientStore.fetchByClientId(id)
    if (client === undefined) throw new FailureError(`no client ${id}; see oauth2-stack client list`)
    if (booleanOption(parsed, 'json') === true) io.out(`${terminalJson(clientJson(client))}\n`)
    else io.out(`${'client_id'.padEnd(16)}${printable(client.clientId)}\n${describeClient(client)}`)
    return 0
  })
}

/** `oauth2-stack client rm <id>`. */
export async function clientRemove(args: readonly string[], io: CliIo): Promise<number> {
  const command = 'client rm'
  const parsed = parseCommand(command, args, STORE_OPTIONS, 1)
  if (help(parsed, command, io)) return 0
  const id = requiredPositional(parsed, command, '<client_id>')
  return withStore(parsed, io, async (store) => {
    if (!(await store.clientStore.removeClient(id))) throw new FailureError(`no client ${id}; see oauth2-stack client list`)
    io.out(`Removed client ${id}. Access tokens already issued to it stay valid until they expire.\n`)
    return 0
  })
}

/** `oauth2-stack token revoke <token|->`: an access token alone, or a refresh token with its family. */
export async function tokenRevoke(args: readonly string[], io: CliIo): Promise<number> {
  const command = 'token revoke'
  const parsed = parseCommand(command, tokenAsPositional(args), STORE_OPTIONS, 1)
  if (help(parsed, command, io)) return 0
  const given = requiredPositional(parsed, command, '<token> (or - to read it from standard input)')
  const token = given === '-' ? (await io.readStdin()).trim() : given
  if (token === '') throw new UsageError('the token is empty', command)
  const hash = hashToken(token)
  return withStore(parsed, io, async ({ tokenStore }) => {
    const access = await tokenStore.fetchByToken(hash)
    if (access !== undefined) {
      await tokenStore.revokeAccessToken(hash)
      io.out(
        `Revoked an access token of client ${printable(access.clientId)}${access.userId === undefined ? '' : ` (user ${printable(access.userId)})`}.\n`,
      )
      return 0
    }
    const refresh = await tokenStore.fetchByRefreshToken(hash)
    if (refresh !== undefined) {
      await tokenStore.revokeFamily(refresh.familyId)
      io.out(
        `Revoked a refresh token of client ${printable(refresh.clientId)}${refresh.userId === undefined ? '' : ` (user ${printable(refresh.userId)})`} and every token of its family.\n`,
      )
      return 0
    }
    throw new FailureError('no access or refresh token matches: it is unknown, expired or already revoked (nothing was changed)')
  })
}

/** The shortest argument taken for a token although it starts with `-` (no option is this long). */
const MIN_DASHED_TOKEN_LENGTH = 20

/**
 * A token is base64url and may begin with `-` (one in 64 of the default ones does): an argument that does
 * so, is no option of `token revoke` and is token-length goes after `--`, where it is read as the token.
 * `oauth2-stack token revoke -- <token>` works too.
 */
function tokenAsPositional(args: readonly string[]): readonly string[] {
  if (args.includes('--')) return args
  const withValue = new Set(Object.keys(STORE_OPTIONS).map((name) => `--${name}`))
  const known = new Set(['-h', '--help', ...withValue])
  const dashed = args.findIndex(
    (arg, index) =>
      arg.startsWith('-') &&
      arg.length >= MIN_DASHED_TOKEN_LENGTH &&
      !known.has(arg.split('=')[0] ?? arg) &&
      !withValue.has(args[index - 1] ?? ''),
  )
  return dashed === -1 ? args : [...args.slice(0, dashed), ...args.slice(dashed + 1), '--', args[dashed] as string]
}

/** `oauth2-stack migrate`: creates or upgrades the store's tables; with `--print-sql`, prints their DDL instead. */
export async function migrate(args: readonly string[], io: CliIo): Promise<number> {
  const command = 'migrate'
  const parsed = parseCommand(command, args, { ...STORE_OPTIONS, 'print-sql': { type: 'boolean' } }, 0)
  if (help(parsed, command, io)) return 0
  const config = await configOf(parsed)
  const url = storeUrlOf(parsed, config, io.env)
  if (booleanOption(parsed, 'print-sql') === true) {
    // For DBAs: the DDL, without connecting (--store takes a URL or just postgres, mysql, mariadb, sqlite).
    io.out(schemaSql(url))
    return 0
  }
  const store = await openCliStore(url)
  try {
    await store.migrate()
    io.out(
      store.persistent
        ? `Store ${describeStoreUrl(url)} is up to date.\n`
        : `Store ${describeStoreUrl(url)} keeps nothing; nothing to migrate.\n`,
    )
    return 0
  } catch (error) {
    throw error instanceof CliError
      ? error
      : new FailureError(`migrating ${describeStoreUrl(url)} failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        })
  } finally {
    await store.close().catch(() => undefined)
  }
}

/** Prints the command's help when `--help` was given; says whether it did. */
export function help(parsed: ParsedCommand, command: string, io: CliIo): boolean {
  if (parsed.values.help !== true) return false
  io.out(HELP[command] ?? '')
  return true
}

function requiredPositional(parsed: ParsedCommand, command: string, what: string): string {
  const value = parsed.positionals[0]
  if (value === undefined || value === '')
    throw new UsageError(`${command} needs ${what}: oauth2-stack ${command} ${what.split(' ')[0] ?? ''}`, command)
  return value
}

/** Opens the command's store, runs `body` with it and closes it; store failures become a {@link FailureError}. */
export async function withStore(parsed: ParsedCommand, io: CliIo, body: (store: CliStore) => Promise<number>): Promise<number> {
  const config = await configOf(parsed)
  const url = storeUrlOf(parsed, config, io.env)
  const store = await openCliStore(url)
  try {
    return await body(store)
  } catch (error) {
    throw error instanceof CliError ? error : storeFailure(error, url)
  } finally {
    await store.close().catch(() => undefined)
  }
}

/** The WARNING cell of `client list`: how many stored redirect URIs today's rule refuses. */
function uriWarning(client: Client): string {
  const count = storedUriProblems(client).length
  return count === 0 ? '' : `${count} redirect URI(s) refused by today's rule`
}
