/**
 * The remembered-consent commands: `grant list` and `grant revoke`, per user and per client. Each opens
 * the store, does one thing through `RememberedConsents` (the library API), and closes it.
 *
 * @module
 */
import { RememberedConsents, type ConsentSelector, type RememberedConsent } from '../sessions/consent-store.ts'
import { parseCommand, stringOption, UsageError, booleanOption, type ParsedCommand } from './args.ts'
import { help, withStore } from './admin.ts'
import type { CliIo } from './io.ts'
import { escapeControlCharacters as printable, terminalJson } from './printable.ts'
import { STORE_OPTIONS } from './settings.ts'
import type { CliStore } from './store.ts'

const OPTIONS = { ...STORE_OPTIONS, user: { type: 'string' }, client: { type: 'string' }, json: { type: 'boolean' } } as const

/** `oauth2-stack grant list --user <id> | --client <id>`: the remembered consents of a user or of a client. */
export async function grantList(args: readonly string[], io: CliIo): Promise<number> {
  const command = 'grant list'
  const parsed = parseCommand(command, args, OPTIONS, 0)
  if (help(parsed, command, io)) return 0
  const selector = selectorOf(parsed, command)
  return withStore(parsed, io, async (store) => {
    const consents = consentsOf(store)
    const found =
      selector.userId === undefined ? await consents.listByClient(selector.clientId as string) : await consents.listByUser(selector.userId)
    const listed = found.filter((consent) => selector.clientId === undefined || consent.clientId === selector.clientId)
    if (booleanOption(parsed, 'json') === true) {
      io.out(`${terminalJson(listed)}\n`)
      return 0
    }
    if (listed.length === 0) {
      io.out('No remembered consent.\n')
      return 0
    }
    for (const consent of listed) io.out(`${line(consent)}\n`)
    return 0
  })
}

/**
 * `oauth2-stack grant revoke --user <id> [--client <id>] | --client <id>`: forgets the consents and ends
 * the token families issued under them (when the store can end families by grant).
 */
export async function grantRevoke(args: readonly string[], io: CliIo): Promise<number> {
  const command = 'grant revoke'
  const parsed = parseCommand(command, args, OPTIONS, 0)
  if (help(parsed, command, io)) return 0
  const selector = selectorOf(parsed, command)
  return withStore(parsed, io, async (store) => {
    const revoked = await consentsOf(store).revoke(selector)
    if (booleanOption(parsed, 'json') === true) {
      io.out(`${terminalJson(revoked)}\n`)
      return 0
    }
    const tokens = typeof (store.tokenStore as { revokeFamilies?: unknown }).revokeFamilies === 'function'
    io.out(
      revoked.length === 0
        ? 'No remembered consent matched; nothing was changed.\n'
        : `Revoked ${revoked.length} remembered consent${revoked.length === 1 ? '' : 's'}${tokens ? ' and the tokens issued under them' : ''}.\n`,
    )
    for (const consent of revoked) io.out(`  ${line(consent)}\n`)
    return 0
  })
}

/** `--user` and/or `--client`; at least one. */
function selectorOf(parsed: ParsedCommand, command: string): ConsentSelector {
  const userId = stringOption(parsed, 'user')
  const clientId = stringOption(parsed, 'client')
  if (userId !== undefined && userId !== '') return { userId, clientId: clientId === '' ? undefined : clientId }
  if (clientId !== undefined && clientId !== '') return { clientId }
  throw new UsageError(`${command} needs --user <id>, --client <id> or both`, command)
}

function consentsOf(store: CliStore): RememberedConsents {
  return new RememberedConsents(store.recordStore, {
    now: () => Math.floor(Date.now() / 1000),
    tokens: store.tokenStore,
  })
}

/** One consent in a line: user, client, redirect URI (when per URI), scopes, when last given. */
function line(consent: RememberedConsent): string {
  const uri = consent.redirectUri === undefined ? '' : ` via ${printable(consent.redirectUri)}`
  const scopes = consent.scopes.length === 0 ? '(no scope)' : printable(consent.scopes.join(' '))
  const when = new Date(consent.updatedAt * 1000).toISOString()
  return `${printable(consent.userId)} → ${printable(consent.clientId)}${uri}: ${scopes} (grant ${consent.grantId}, given ${when})`
}
