/**
 * The `oauth2-stack` command line: finds the command, runs it, and turns failures into one message on
 * stderr and an exit code (0 ok, 1 the command failed, 2 wrong usage or configuration).
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { clientList, clientRemove, clientShow, migrate, tokenRevoke } from './admin.ts'
import { clientAdd } from './client-add.ts'
import { grantList, grantRevoke } from './grants.ts'
import { closest, CliError, EXIT, UsageError } from './args.ts'
import { HELP } from './help.ts'
import { keysList, keysRotate } from './keys.ts'
import { processIo, type CliIo } from './io.ts'
import { serve } from './serve.ts'

type Command = (args: readonly string[], io: CliIo) => Promise<number>

const COMMANDS: Readonly<Record<string, Command>> = {
  serve,
  'client add': clientAdd,
  'client list': clientList,
  'client ls': clientList,
  'client show': clientShow,
  'client rm': clientRemove,
  'client remove': clientRemove,
  'token revoke': tokenRevoke,
  'keys list': keysList,
  'keys ls': keysList,
  'keys rotate': keysRotate,
  'grant list': grantList,
  'grant ls': grantList,
  'grant revoke': grantRevoke,
  migrate,
}

const GROUPS = new Set(['client', 'token', 'keys', 'grant'])

/**
 * Runs the command line `argv` (without `node` and the script) and resolves with the exit code. Never
 * rejects: failures are written to `io.err`.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await dispatch(argv, io)
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`oauth2-stack: ${error.message}\n`)
      if (error instanceof UsageError)
        io.err(`Run 'oauth2-stack ${error.command === undefined ? '' : `${error.command} `}--help' for usage.\n`)
      return error.exitCode
    }
    io.err(`oauth2-stack: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    return EXIT.failure
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, second] = argv
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? argv.slice(1).join(' ') : ''
    const text = HELP[topic]
    if (text === undefined) throw new UsageError(`no help for ${JSON.stringify(topic)}`)
    if (first === undefined) {
      io.err(HELP[''] ?? '')
      return EXIT.usage
    }
    io.out(text)
    return EXIT.ok
  }
  if (first === '-v' || first === '--version' || first === 'version') {
    io.out(`${version()}\n`)
    return EXIT.ok
  }
  if (GROUPS.has(first)) {
    if (second === undefined || second === '-h' || second === '--help') {
      if (second === undefined) {
        io.err(HELP[first] ?? '')
        return EXIT.usage
      }
      io.out(HELP[first] ?? '')
      return EXIT.ok
    }
    const command = COMMANDS[`${first} ${second}`]
    if (command === undefined) {
      const known = Object.keys(COMMANDS)
        .filter((name) => name.startsWith(`${first} `))
        .map((name) => name.slice(first.length + 1))
      const guess = closest(second, known)
      throw new UsageError(`unknown command ${first} ${second}${guess === undefined ? '' : ` (did you mean ${first} ${guess}?)`}`, first)
    }
    return command(argv.slice(2), io)
  }
  const command = COMMANDS[first]
  if (command === undefined) {
    const guess = closest(first, ['serve', 'client', 'token', 'keys', 'grant', 'migrate'])
    throw new UsageError(`unknown command ${JSON.stringify(first)}${guess === undefined ? '' : ` (did you mean ${guess}?)`}`)
  }
  return command(argv.slice(1), io)
}

/** The package's version, from its package.json (two folders up from both `src/cli` and `dist/cli`). */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : 'unknown'
  } catch {
    return 'unknown'
  }
}
