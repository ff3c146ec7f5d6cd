/**
 * The JSON configuration file of `oauth2-stack --config <file>`, validated with zod. Every error names
 * the field (`users[1].password`) and says how to fix it.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { checkIssuer } from '../options.ts'
import { closest, UsageError } from './args.ts'

/** A user the dev server signs in, from the configuration file. */
export interface ConfigUser {
  /** The name typed on the login page. */
  readonly username: string
  /** The password, in plain text: the dev server is for development, never for real accounts. */
  readonly password: string
  /** A display name kept with the user's tokens. */
  readonly name?: string | undefined
  /** An email address kept with the user's tokens. */
  readonly email?: string | undefined
}

/** The configuration file. Every field is optional; command-line options win over it. */
export interface CliConfig {
  /** Editors' JSON-schema hint; ignored. */
  readonly $schema?: string | undefined
  /** The issuer identifier (https, or http on a loopback host). Default `http://<host>:<port>`. */
  readonly issuer?: string | undefined
  /** The address `serve` binds. Default `127.0.0.1`. */
  readonly host?: string | undefined
  /** The port `serve` listens on; 0 picks a free one. Default 8080. */
  readonly port?: number | undefined
  /** The store URL (`sqlite:./.data/oauth2-stack.db`, `postgres://…`, `memory:`, …). */
  readonly store?: string | undefined
  /** Request log format of `serve`: `json` or `pretty`. Default: `pretty` on a terminal, else `json`. */
  readonly log?: 'json' | 'pretty' | undefined
  /** Seed the public demo credentials (`abc`/`xyz`, `demo`/`demo`); loopback hosts only. Default `true`. */
  readonly demo?: boolean | undefined
  /** Serve the playground at `/playground` (needs `demo`). Default `true`. */
  readonly playground?: boolean | undefined
  /** The scopes the server knows, with the plain words the consent page shows for each. */
  readonly scopes?: Readonly<Record<string, string>> | undefined
  /** The scopes granted when a client asks for none. */
  readonly defaultScopes?: readonly string[] | undefined
  /** Users who can sign in, besides the demo user. */
  readonly users?: readonly ConfigUser[] | undefined
  /** Access-token lifetime in seconds. Default 3600. */
  readonly accessTokenLifetime?: number | undefined
  /** Refresh-token lifetime in seconds. Default 2592000 (30 days). */
  readonly refreshTokenLifetime?: number | undefined
  /** Authorization-code lifetime in seconds, at most 600. Default 600 on the dev server. */
  readonly authorizationCodeLifetime?: number | undefined
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/
const seconds = (max: number): z.ZodOptional<z.ZodInt> => z.int().min(1).max(max).optional()

const userSchema = z.strictObject({
  username: z.string().min(1),
  password: z.string().min(1),
  name: z.string().optional(),
  email: z.string().optional(),
})

const schema = z
  .strictObject({
    $schema: z.string().optional(),
    issuer: z
      .string()
      .superRefine((issuer, context) => {
        try {
          checkIssuer(issuer)
        } catch (error) {
          context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) })
        }
      })
      .optional(),
    host: z.string().min(1).optional(),
    port: z.int().min(0).max(65535).optional(),
    store: z.string().min(1).optional(),
    log: z.enum(['json', 'pretty']).optional(),
    demo: z.boolean().optional(),
    playground: z.boolean().optional(),
    scopes: z.record(z.string().regex(SCOPE_TOKEN), z.string().min(1)).optional(),
    defaultScopes: z.array(z.string().regex(SCOPE_TOKEN)).optional(),
    users: z
      .array(userSchema)
      .superRefine((users, context) => {
        const seen = new Set<string>()
        users.forEach((user, index) => {
          if (seen.has(user.username)) context.addIssue({ code: 'custom', path: [index, 'username'], message: `"${user.username}" appears twice` })
          seen.add(user.username)
        })
      })
      .optional(),
    accessTokenLifetime: seconds(31_536_000),
    refreshTokenLifetime: seconds(315_360_000),
    authorizationCodeLifetime: seconds(600),
  })
  .superRefine((config, context) => {
    // Runs once every field is valid: the default scopes must be among the scopes.
    const known = config.scopes === undefined ? undefined : Object.keys(config.scopes)
    config.defaultScopes?.forEach((scope, index) => {
      if (known !== undefined && !known.includes(scope)) {
        context.addIssue({ code: 'custom', path: ['defaultScopes', index], message: `"${scope}" is not one of the scopes` })
      }
    })
  })

/** How to fix each field, by its top-level name. */
const FIXES: Readonly<Record<string, string>> = {
  $schema: 'give a string or remove it',
  issuer: 'use an https URL, or http on 127.0.0.1, localhost or [::1], without query or fragment (e.g. "http://127.0.0.1:8080")',
  host: 'give an address to bind, e.g. "127.0.0.1"',
  port: 'use a whole number from 0 to 65535 (0 picks a free port)',
  store: 'give a store URL such as "sqlite:./.data/oauth2-stack.db", "memory:" or "postgres://user@host/db"',
  log: 'use "json" or "pretty"',
  demo: 'use true or false',
  playground: 'use true or false',
  scopes: 'map each scope (printable ASCII, no spaces, quotes or backslashes) to the words shown on the consent page, e.g. {"profile": "See your name"}',
  defaultScopes: 'list scopes that appear in "scopes", e.g. ["profile"]',
  users: 'give a list of {"username": "...", "password": "...", "name"?: "...", "email"?: "..."} with distinct usernames',
  accessTokenLifetime: 'use a whole number of seconds from 1 to 31536000',
  refreshTokenLifetime: 'use a whole number of seconds from 1 to 315360000',
  authorizationCodeLifetime: 'use a whole number of seconds from 1 to 600 (RFC 6749 section 4.1.2)',
}

const FIELDS = Object.keys(FIXES)
const USER_FIELDS = Object.keys(userSchema.shape)

/**
 * Reads and validates a configuration file. Throws a {@link UsageError} (exit code 2) naming the file,
 * each wrong field and its fix, when the file cannot be read, is not JSON, or does not fit.
 */
export async function loadConfig(file: string): Promise<CliConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as { code?: unknown }).code
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : error instanceof Error ? error.message : String(error)
    throw new UsageError(`cannot read config file ${file}: ${reason}; check the --config path`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`config file ${file} is not valid JSON (${jsonErrorWhere(error, text)}); fix the syntax (no comments, no trailing commas)`)
  }
  return parseConfig(json, file)
}

/** Validates an already parsed configuration; `source` names it in errors. */
export function parseConfig(json: unknown, source: string): CliConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(`config file ${source} must hold a JSON object, e.g. {"port": 8080}`)
  }
  const result = schema.safeParse(json)
  if (result.success) return result.data
  const lines = result.error.issues.map((issue) => describeIssue(issue))
  throw new UsageError(`config file ${source} is invalid:\n${lines.map((line) => `  - ${line}`).join('\n')}`)
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const nested = issue.path.length > 0
    const candidates = nested ? USER_FIELDS : FIELDS
    return issue.keys
      .map((key) => {
        const where = formatPath([...issue.path, key])
        const guess = closest(key, candidates)
        return `${where}: unknown field; ${guess === undefined ? `remove it (known fields: ${candidates.join(', ')})` : `did you mean "${guess}"?`}`
      })
      .join('\n  - ')
  }
  const field = typeof issue.path[0] === 'string' ? issue.path[0] : ''
  const fix = FIXES[field]
  let message = issue.message
  if (issue.code === 'invalid_key') message = `scope name ${JSON.stringify(issue.path[issue.path.length - 1])} is not a valid scope token`
  else if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) message = 'missing'
  return `${formatPath(issue.path)}: ${message}${fix === undefined ? '' : `; ${fix}`}`
}

/** `users[1].password`, `scopes["a b"]`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`
    else out += `[${JSON.stringify(String(part))}]`
  }
  return out === '' ? '(top level)' : out
}

function jsonErrorWhere(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error)
  const position = /position (\d+)/.exec(message)?.[1]
  if (position === undefined) return message
  const before = text.slice(0, Number(position))
  const line = before.split('\n').length
  const column = Number(position) - before.lastIndexOf('\n')
  return `${message.replace(/ in JSON at position \d+.*$/, '')} at line ${line}, column ${column}`
}

/**
 * Splits scope options (`--scope profile --scope "email phone"`) into scope tokens (RFC 6749 section 3.3),
 * or throws a {@link UsageError} naming `source` and the bad value.
 */
export function checkScopes(values: readonly string[], source: string, command?: string): string[] {
  const scopes: string[] = []
  for (const value of values) {
    for (const scope of value.split(' ')) {
      if (scope === '') continue
      if (!SCOPE_TOKEN.test(scope)) {
        throw new UsageError(`${source} ${JSON.stringify(scope)} is not a scope token (printable ASCII without spaces, quotes or backslashes)`, command)
      }
      if (!scopes.includes(scope)) scopes.push(scope)
    }
  }
  return scopes
}
