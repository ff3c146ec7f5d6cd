/**
 * Options every store-using command shares (`--store`, `--config`), the options of `serve`, and how they
 * combine: command line, then the `OAUTH2_STACK_*` environment variables, then the configuration file,
 * then the defaults. {@link SERVE_SETTINGS} is the one table of `serve`'s options: the parser's
 * specification, the environment variables and the documented table (docs/configuration.md) come from it.
 *
 * @module
 */
import { stringOption, UsageError, type OptionSpec, type ParsedCommand } from './args.ts'
import { loadConfig, type CliConfig } from './config.ts'
import { DEFAULT_STORE_URL, STORE_ENV } from './store.ts'

/** `--store <url>` and `--config <file>`, for `parseCommand`. */
export const STORE_OPTIONS: OptionSpec = {
  store: { type: 'string' },
  config: { type: 'string' },
}

/** One option of `serve`: how it is parsed and how it is documented. */
export interface ServeSetting {
  /** `string` (`--port 8080`) or `boolean` (`--demo`, `--no-demo`). */
  readonly type: 'string' | 'boolean'
  /** The configuration-file field that sets it too, if any. */
  readonly configField?: keyof CliConfig
  /** What it takes, in words (`number`, `URL`, `true / false`). */
  readonly value: string
  /** The default, in words. */
  readonly default: string
  /** What it does, in one sentence. */
  readonly description: string
  /** Whether its value may hold a secret (a database password): never echoed in a message. */
  readonly secret?: boolean
}

/** The options of `serve`, by option name. A new option gets its environment variable and its row in the table from here. */
export const SERVE_SETTINGS: Readonly<Record<string, ServeSetting>> = {
  port: { type: 'string', value: 'number', configField: 'port', default: '8080', description: 'Port to listen on; 0 picks a free one.' },
  host: {
    type: 'string',
    value: 'address',
    configField: 'host',
    default: '127.0.0.1',
    description: 'Address to bind; a non-loopback host needs --no-demo and --issuer.',
  },
  issuer: {
    type: 'string',
    value: 'URL',
    configField: 'issuer',
    default: 'http://<host>:<port>',
    description: 'Issuer identifier: https, or http on a loopback host.',
  },
  store: {
    type: 'string',
    value: 'URL',
    configField: 'store',
    default: DEFAULT_STORE_URL,
    description: 'Store URL (memory:, sqlite:<file>, postgres://…, mysql://…, redis://…).',
    secret: true,
  },
  config: { type: 'string', value: 'file', default: '(none)', description: 'JSON configuration file (docs/configuration.md).' },
  log: {
    type: 'string',
    value: 'pretty / json',
    configField: 'log',
    default: 'pretty on a terminal, else json',
    description: 'Log format: pretty or json.',
  },
  demo: {
    type: 'boolean',
    value: 'true / false',
    configField: 'demo',
    default: 'true',
    description: 'Seed the public demo clients and user (loopback hosts only).',
  },
  'access-token-format': {
    type: 'string',
    value: 'opaque / jwt',
    configField: 'accessTokenFormat',
    default: 'opaque',
    description:
      'Access tokens: opaque, or jwt (RFC 9068) signed with the store key set, sealed under OAUTH2_STACK_KEY_SECRET (docs/signing-keys.md).',
  },
  'drain-timeout': {
    type: 'string',
    value: 'seconds',
    default: '10',
    description: 'Seconds to answer the requests in flight on SIGTERM or SIGINT, from 0 to 600.',
  },
}

/** `serve`'s option specification, for `parseCommand`. */
export const SERVE_OPTIONS: OptionSpec = Object.fromEntries(
  Object.entries(SERVE_SETTINGS).map(([name, setting]) => [name, { type: setting.type }]),
)

/** The environment variable of an option: `drain-timeout` → `OAUTH2_STACK_DRAIN_TIMEOUT`. */
export function envVariableOf(option: string): string {
  return `OAUTH2_STACK_${option.toUpperCase().replaceAll('-', '_')}`
}

/** What {@link withEnvironment} returns: the merged values, and where each came from. */
export interface SourcedCommand extends ParsedCommand {
  /** The environment variable an option's value came from, by option name; absent when it came from the command line. */
  readonly fromEnv: Readonly<Record<string, string>>
}

const TRUE = new Set(['1', 'true', 'yes', 'on'])
const FALSE = new Set(['0', 'false', 'no', 'off'])

/**
 * Adds the `OAUTH2_STACK_*` environment variables of the options in `spec` that the command line does not
 * give (the command line wins; an empty variable counts as unset). A boolean variable takes
 * true/false/1/0/yes/no/on/off; anything else is a {@link UsageError} naming the variable.
 */
export function withEnvironment(
  command: string,
  parsed: ParsedCommand,
  spec: OptionSpec,
  env: Readonly<Record<string, string | undefined>>,
): SourcedCommand {
  const values: Record<string, string | boolean | readonly string[] | undefined> = { ...parsed.values }
  const fromEnv: Record<string, string> = {}
  for (const [name, option] of Object.entries(spec)) {
    const variable = envVariableOf(name)
    const text = env[variable]
    if (values[name] !== undefined || text === undefined || text === '') continue
    if (option.type === 'boolean') {
      const word = text.trim().toLowerCase()
      if (!TRUE.has(word) && !FALSE.has(word)) {
        throw new UsageError(`${variable} must be true or false (or 1/0, yes/no, on/off); got ${JSON.stringify(text)}`, command)
      }
      values[name] = TRUE.has(word)
    } else {
      values[name] = option.multiple === true ? text.split(/[\s,]+/).filter((item) => item !== '') : text
    }
    fromEnv[name] = variable
  }
  return { values, positionals: parsed.positionals, fromEnv }
}

/**
 * How messages name where an option's value came from: `--port`, or `OAUTH2_STACK_PORT` when the
 * environment gave it.
 */
export function optionLabel(parsed: ParsedCommand, name: string): string {
  return (parsed as Partial<SourcedCommand>).fromEnv?.[name] ?? `--${name}`
}

/** The configuration file named by `--config`, or an empty configuration. */
export async function configOf(parsed: ParsedCommand): Promise<CliConfig> {
  const file = stringOption(parsed, 'config')
  return file === undefined ? {} : loadConfig(file)
}

/** The store URL: `--store`, else the environment's `OAUTH2_STACK_STORE`, else the config file's, else the default. */
export function storeUrlOf(parsed: ParsedCommand, config: CliConfig, env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env[STORE_ENV]
  return (
    stringOption(parsed, 'store') ?? (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv) ?? config.store ?? DEFAULT_STORE_URL
  )
}

/**
 * The Markdown table of `serve`'s options (docs/configuration.md holds it; a test checks it is current).
 * Precedence: command line > environment > configuration file > default.
 */
export function settingsTable(): string {
  const rows = Object.entries(SERVE_SETTINGS).map(([name, setting]) => {
    const flag = setting.type === 'boolean' ? `\`--${name}\` / \`--no-${name}\`` : `\`--${name}\``
    const field = setting.configField === undefined ? '—' : `\`${setting.configField}\``
    const secret = setting.secret === true ? ' Its password is never printed.' : ''
    return `| ${flag} | \`${envVariableOf(name)}\` | ${field} | ${setting.value} | \`${setting.default}\` | ${setting.description}${secret} |`
  })
  return [
    '| Option | Environment variable | Config file field | Value | Default | Description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n')
}
