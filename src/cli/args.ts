/**
 * Command-line plumbing shared by the commands: the two kinds of failure and their exit codes, and
 * `node:util` `parseArgs` with messages that name the option and the fix.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'

/** Exit codes scripts can rely on. */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** The command was understood but failed: store unreachable, port in use, client not found, … */
  failure: 1,
  /** The command line or the configuration file is wrong; nothing was done. */
  usage: 2,
} as const

/** A failure the CLI reports as one line on stderr and an exit code, without a stack trace. */
export class CliError extends Error {
  /** {@link EXIT}.failure or {@link EXIT}.usage. */
  readonly exitCode: 1 | 2

  constructor(message: string, exitCode: 1 | 2, options?: ErrorOptions) {
    super(message, options)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

/** A wrong command line or configuration: exit code 2. `command` names the help to point to. */
export class UsageError extends CliError {
  /** The command whose `--help` explains the right usage (`client add`), if any. */
  readonly command: string | undefined

  constructor(message: string, command?: string) {
    super(message, EXIT.usage)
    this.name = 'UsageError'
    this.command = command
  }
}

/** A command that could not do its work: exit code 1. */
export class FailureError extends CliError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, EXIT.failure, options)
    this.name = 'FailureError'
  }
}

/** The option specification `parseArgs` takes. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>

/** What {@link parseCommand} returns: option values by name, and the positional arguments. */
export interface ParsedCommand {
  /** Option values by option name (`help`, `store`, …): a string, a boolean, or a list for repeatable options. */
  readonly values: Readonly<Record<string, string | boolean | readonly string[] | undefined>>
  /** The arguments that are not options, in order. */
  readonly positionals: readonly string[]
}

/**
 * Parses a command's arguments strictly (unknown options, missing values and extra positionals are
 * {@link UsageError}s that name the option), with `--help`/`-h` always accepted.
 */
export function parseCommand(command: string, args: readonly string[], options: OptionSpec, maxPositionals: number): ParsedCommand {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: [...args],
      options: { help: { type: 'boolean', short: 'h' }, ...options },
      strict: true,
      allowPositionals: true,
      allowNegative: true,
    })
  } catch (error) {
    throw new UsageError(describeParseError(error, options), command)
  }
  if (parsed.values.help !== true && parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals.slice(maxPositionals).join(' ')
    throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`, command)
  }
  return { values: parsed.values as ParsedCommand['values'], positionals: parsed.positionals }
}

/** The value of a string option, or `undefined`. */
export function stringOption(parsed: ParsedCommand, name: string): string | undefined {
  const value = parsed.values[name]
  return typeof value === 'string' ? value : undefined
}

/** The values of a repeatable string option (empty when absent). */
export function listOption(parsed: ParsedCommand, name: string): readonly string[] {
  const value = parsed.values[name]
  if (Array.isArray(value)) return value as readonly string[]
  return typeof value === 'string' ? [value] : []
}

/** The value of a boolean option (`--x` true, `--no-x` false), or `undefined`. */
export function booleanOption(parsed: ParsedCommand, name: string): boolean | undefined {
  const value = parsed.values[name]
  return typeof value === 'boolean' ? value : undefined
}

/** Parses a port number option: a whole number from 0 to 65535. */
export function portOption(value: string, command: string, name = '--port'): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isInteger(port) || port > 65535) {
    throw new UsageError(`${name} must be a whole number from 0 to 65535 (0 picks a free port); got ${JSON.stringify(value)}`, command)
  }
  return port
}

function describeParseError(error: unknown, options: OptionSpec): string {
  const message = error instanceof Error ? error.message : String(error)
  const code = (error as { code?: unknown } | null)?.code
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1]
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const known = Object.keys(options).map((name) => `--${name}`)
      const guess = flag === undefined ? undefined : closest(flag, known)
      return `unknown option ${flag ?? message}${guess === undefined ? '' : ` (did you mean ${guess}?)`}`
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (flag !== undefined && /argument missing/.test(message)) return `option ${flag} needs a value: ${flag} <value>`
      if (flag !== undefined && /does not take an argument/.test(message)) return `option ${flag} takes no value`
      return message
    default:
      return message
  }
}

/** The candidate closest to `word` by edit distance, if it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}
