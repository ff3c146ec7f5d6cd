/**
 * The JSON configuration file of `oauth2-stack --config <file>`, validated by hand (a dozen fields; the
 * package has no schema-library dependency). Every error names the field (`users[1].password`) and says
 * how to fix it; every wrong field is reported at once. Each check carries the JSON Schema of what it
 * accepts, so the published schema (`schema/oauth2-stack.config.schema.json`, {@link configSchema}) comes
 * from the same table as the validator.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
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
  /** `opaque` (random, the default) or `jwt` (RFC 9068, signed with the store's key set: docs/signing-keys.md). */
  readonly accessTokenFormat?: 'opaque' | 'jwt' | undefined
  /** Key-set algorithms besides RS256 (always kept); JWT access tokens use ES256 when listed, else RS256. */
  readonly signingAlgorithms?: readonly ('RS256' | 'ES256' | 'EdDSA')[] | undefined
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/** Where a value sits in the file: `['users', 1, 'password']`. */
type Path = readonly (string | number)[]

/** One thing wrong with the file: a message for a path, or unknown fields of the object at the path. */
type Issue = { readonly path: Path; readonly message: string } | { readonly path: Path; readonly unknownKeys: readonly string[] }

/** A JSON Schema (draft 2020-12) object, as the checks describe themselves. */
export type JsonSchema = Readonly<Record<string, unknown>>

/**
 * Checks one value and appends what is wrong with it; returns whether it has the right shape. `schema`
 * says the same in JSON Schema, as far as JSON Schema can (not: the issuer's URL parsing, distinct
 * usernames, default scopes among the scopes).
 */
type Check = ((value: unknown, path: Path, issues: Issue[]) => boolean) & { readonly schema: JsonSchema }

function check(schema: JsonSchema, run: (value: unknown, path: Path, issues: Issue[]) => boolean): Check {
  return Object.assign(run, { schema })
}

/** `string`, `number`, `boolean`, `array`, `null`, `object`… as the messages name a JSON value. */
function kindOf(value: unknown): string {
  if (value === null) return 'null'
  return Array.isArray(value) ? 'array' : typeof value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function invalidType(expected: string, value: unknown, path: Path, issues: Issue[]): false {
  issues.push({ path, message: value === undefined ? 'missing' : `Invalid input: expected ${expected}, received ${kindOf(value)}` })
  return false
}

/** A string of at least `min` characters that satisfies `rule` (which throws, or returns a message, when it does not). */
function text(min: number, rule?: (value: string) => string | undefined, schema: JsonSchema = {}): Check {
  return check({ type: 'string', ...(min > 0 ? { minLength: min } : {}), ...schema }, (value, path, issues) => {
    if (typeof value !== 'string') return invalidType('string', value, path, issues)
    let message = value.length < min ? `Too small: expected string to have >=${min} characters` : undefined
    if (message === undefined && rule !== undefined) {
      try {
        message = rule(value)
      } catch (error) {
        message = error instanceof Error ? error.message : String(error)
      }
    }
    if (message !== undefined) issues.push({ path, message })
    return message === undefined
  })
}

/** A whole number from `min` to `max`. */
function wholeNumber(min: number, max: number): Check {
  return check({ type: 'integer', minimum: min, maximum: max }, (value, path, issues) => {
    if (typeof value !== 'number') return invalidType('number', value, path, issues)
    let message: string | undefined
    if (!Number.isSafeInteger(value)) message = 'Invalid input: expected int, received number'
    else if (value < min) message = `Too small: expected number to be >=${min}`
    else if (value > max) message = `Too big: expected number to be <=${max}`
    if (message !== undefined) issues.push({ path, message })
    return message === undefined
  })
}

const flag: Check = check(
  { type: 'boolean' },
  (value, path, issues) => typeof value === 'boolean' || invalidType('boolean', value, path, issues),
)

function oneOf(options: readonly string[]): Check {
  return check({ enum: options }, (value, path, issues) => {
    if (typeof value === 'string' && options.includes(value)) return true
    issues.push({ path, message: `Invalid option: expected one of ${options.map((option) => JSON.stringify(option)).join('|')}` })
    return false
  })
}

/** A scope token (RFC 6749 section 3.3). */
const scopeToken = text(1, (scope) => (SCOPE_TOKEN.test(scope) ? undefined : `${JSON.stringify(scope)} is not a valid scope token`), {
  pattern: SCOPE_TOKEN.source,
})

/** An object with exactly the fields `checks` names (each optional unless listed in `required`). */
function strictObject(
  checks: Readonly<Record<string, Check>>,
  required: readonly string[] = [],
  describe: (field: string) => JsonSchema = () => ({}),
): Check {
  const properties = Object.fromEntries(
    Object.entries(checks).map(([field, fieldCheck]) => [field, { ...describe(field), ...fieldCheck.schema }]),
  )
  const schema = { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false }
  return check(schema, (value, path, issues) => {
    if (!isPlainObject(value)) return invalidType('object', value, path, issues)
    let valid = true
    for (const [field, check] of Object.entries(checks)) {
      if (value[field] === undefined && !required.includes(field)) continue
      valid = check(value[field], [...path, field], issues) && valid
    }
    const unknownKeys = Object.keys(value).filter((key) => !Object.hasOwn(checks, key))
    if (unknownKeys.length > 0) issues.push({ path, unknownKeys })
    return valid && unknownKeys.length === 0
  })
}

const SCOPES_SCHEMA = {
  type: 'object',
  propertyNames: { pattern: SCOPE_TOKEN.source },
  additionalProperties: { type: 'string', minLength: 1 },
}

const scopesCheck: Check = check(SCOPES_SCHEMA, (value, path, issues) => {
  if (!isPlainObject(value)) return invalidType('record', value, path, issues)
  let valid = true
  for (const [scope, words] of Object.entries(value)) {
    if (!SCOPE_TOKEN.test(scope)) {
      issues.push({ path: [...path, scope], message: `scope name ${JSON.stringify(scope)} is not a valid scope token` })
      valid = false
    }
    valid = text(1)(words, [...path, scope], issues) && valid
  }
  return valid
})

function listOf(item: Check): Check {
  return check({ type: 'array', items: item.schema }, (value, path, issues) => {
    if (!Array.isArray(value)) return invalidType('array', value, path, issues)
    return value.map((entry, index) => item(entry, [...path, index], issues)).every(Boolean)
  })
}

const USER_CHECKS: Readonly<Record<string, Check>> = { username: text(1), password: text(1), name: text(0), email: text(0) }
const userCheck = strictObject(USER_CHECKS, ['username', 'password'])

const usersCheck: Check = check(listOf(userCheck).schema, (value, path, issues) => {
  if (!listOf(userCheck)(value, path, issues)) return false
  // A repeated username is reported, but the list has the right shape, so the cross-field rules still run.
  const seen = new Set<string>()
  ;(value as readonly ConfigUser[]).forEach((user, index) => {
    if (seen.has(user.username))
      issues.push({ path: [...path, index, 'username'], message: `${JSON.stringify(user.username)} appears twice` })
    seen.add(user.username)
  })
  return true
})

/** RFC 8414 section 2 as far as a pattern can say it: https, or http on a loopback host; no query or fragment. */
const ISSUER_PATTERN =
  '^(?:[Hh][Tt][Tt][Pp][Ss]://[^?#\\s]+|[Hh][Tt][Tt][Pp]://(?:localhost|127\\.0\\.0\\.1|\\[::1\\])(?::[0-9]{1,5})?(?:/[^?#\\s]*)?)$'

/** The check of each field of {@link CliConfig}. */
const CONFIG_CHECKS: Readonly<Record<string, Check>> = {
  $schema: text(0),
  issuer: text(
    0,
    (issuer) => {
      checkIssuer(issuer)
      return undefined
    },
    { pattern: ISSUER_PATTERN },
  ),
  host: text(1),
  port: wholeNumber(0, 65535),
  store: text(1),
  log: oneOf(['json', 'pretty']),
  demo: flag,
  playground: flag,
  scopes: scopesCheck,
  defaultScopes: listOf(scopeToken),
  users: usersCheck,
  accessTokenLifetime: wholeNumber(1, 31_536_000),
  refreshTokenLifetime: wholeNumber(1, 315_360_000),
  authorizationCodeLifetime: wholeNumber(1, 600),
  accessTokenFormat: oneOf(['opaque', 'jwt']),
  signingAlgorithms: listOf(oneOf(['RS256', 'ES256', 'EdDSA'])),
}

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
  scopes:
    'map each scope (printable ASCII, no spaces, quotes or backslashes) to the words shown on the consent page, e.g. {"profile": "See your name"}',
  defaultScopes: 'list scopes that appear in "scopes", e.g. ["profile"]',
  users: 'give a list of {"username": "...", "password": "...", "name"?: "...", "email"?: "..."} with distinct usernames',
  accessTokenLifetime: 'use a whole number of seconds from 1 to 31536000',
  refreshTokenLifetime: 'use a whole number of seconds from 1 to 315360000',
  authorizationCodeLifetime: 'use a whole number of seconds from 1 to 600 (RFC 6749 section 4.1.2)',
  accessTokenFormat: 'use "opaque" or "jwt"',
  signingAlgorithms: 'list some of "RS256", "ES256", "EdDSA"',
}

const FIELDS = Object.keys(CONFIG_CHECKS)
const USER_FIELDS = Object.keys(USER_CHECKS)
const configCheck = strictObject(CONFIG_CHECKS, [], (field) => ({ description: FIXES[field] }))

/** Where the published schema says it lives (its `$id`). */
export const CONFIG_SCHEMA_ID = 'https://github.com/oauth2-stack/oauth2-stack/raw/main/schema/oauth2-stack.config.schema.json'

/**
 * The JSON Schema (draft 2020-12) of the configuration file, from the same checks as {@link parseConfig};
 * `schema/oauth2-stack.config.schema.json` holds it (`oauth2-stack/config.schema.json` in the package).
 * Three rules are the validator's alone: the issuer is parsed as a URL, usernames are distinct, and the
 * default scopes are among the scopes.
 */
export function configSchema(): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: CONFIG_SCHEMA_ID,
    title: 'oauth2-stack configuration file (oauth2-stack serve --config <file>)',
    ...configCheck.schema,
  }
}

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
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : error instanceof Error ? error.message : String(error)
    throw new UsageError(`cannot read config file ${file}: ${reason}; check the --config path`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new UsageError(
      `config file ${file} is not valid JSON (${jsonErrorWhere(error, text)}); fix the syntax (no comments, no trailing commas)`,
    )
  }
  return parseConfig(json, file)
}

/** Validates an already parsed configuration; `source` names it in errors. */
export function parseConfig(json: unknown, source: string): CliConfig {
  if (!isPlainObject(json)) {
    throw new UsageError(`config file ${source} must hold a JSON object, e.g. {"port": 8080}`)
  }
  const issues: Issue[] = []
  if (configCheck(json, [], issues)) {
    // Once every field has the right shape: the default scopes must be among the scopes.
    const config = json as CliConfig
    const known = config.scopes === undefined ? undefined : Object.keys(config.scopes)
    config.defaultScopes?.forEach((scope, index) => {
      if (known !== undefined && !known.includes(scope))
        issues.push({ path: ['defaultScopes', index], message: `"${scope}" is not one of the scopes` })
    })
    // Every field was checked and no other is present, so the object is a CliConfig.
    if (issues.length === 0) return config
  }
  const lines = issues.map((issue) => describeIssue(issue))
  throw new UsageError(`config file ${source} is invalid:\n${lines.map((line) => `  - ${line}`).join('\n')}`)
}

function describeIssue(issue: Issue): string {
  if ('unknownKeys' in issue) {
    const candidates = issue.path.length > 0 ? USER_FIELDS : FIELDS
    return issue.unknownKeys
      .map((key) => {
        const where = formatPath([...issue.path, key])
        const guess = closest(key, candidates)
        return `${where}: unknown field; ${guess === undefined ? `remove it (known fields: ${candidates.join(', ')})` : `did you mean "${guess}"?`}`
      })
      .join('\n  - ')
  }
  const field = typeof issue.path[0] === 'string' ? issue.path[0] : ''
  const fix = FIXES[field]
  return `${formatPath(issue.path)}: ${issue.message}${fix === undefined ? '' : `; ${fix}`}`
}

/** `users[1].password`, `scopes["a b"]`. */
function formatPath(path: Path): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`
    else out += `[${JSON.stringify(part)}]`
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
        throw new UsageError(
          `${source} ${JSON.stringify(scope)} is not a scope token (printable ASCII without spaces, quotes or backslashes)`,
          command,
        )
      }
      if (!scopes.includes(scope)) scopes.push(scope)
    }
  }
  return scopes
}
