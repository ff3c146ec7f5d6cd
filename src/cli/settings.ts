/**
 * Options every store-using command shares: `--store` and `--config`, and how they combine with the
 * environment and the configuration file.
 *
 * @module
 */
import { stringOption, type OptionSpec, type ParsedCommand } from './args.ts'
import { loadConfig, type CliConfig } from './config.ts'
import { DEFAULT_STORE_URL, STORE_ENV } from './store.ts'

/** `--store <url>` and `--config <file>`, for `parseCommand`. */
export const STORE_OPTIONS: OptionSpec = {
  store: { type: 'string' },
  config: { type: 'string' },
}

/** The configuration file named by `--config`, or an empty configuration. */
export async function configOf(parsed: ParsedCommand): Promise<CliConfig> {
  const file = stringOption(parsed, 'config')
  return file === undefined ? {} : loadConfig(file)
}

/** The store URL: `--store`, else the environment's `OAUTH2_STACK_STORE`, else the config file's, else the default. */
export function storeUrlOf(parsed: ParsedCommand, config: CliConfig, env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env[STORE_ENV]
  return stringOption(parsed, 'store') ?? (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv) ?? config.store ?? DEFAULT_STORE_URL
}
