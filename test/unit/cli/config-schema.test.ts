/**
 * The published JSON Schema of the configuration file and the hand-written validator agree: the schema
 * file is what `configSchema()` derives from the validator's own field table, and a set of good and bad
 * configurations gets the same verdict from both (a small JSON-Schema checker below, for the keywords the
 * schema uses). The three rules only the validator knows are checked as such.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { configSchema, parseConfig, type JsonSchema } from '../../../src/cli/config.ts'

const SCHEMA_FILE = new URL('../../../schema/oauth2-stack.config.schema.json', import.meta.url)

/** Whether `value` fits `schema`, for the keywords the configuration schema uses (anything else fails the test). */
function fits(schema: JsonSchema, value: unknown): boolean {
  const known = new Set([
    '$schema',
    '$id',
    'title',
    'description',
    'type',
    'minLength',
    'pattern',
    'minimum',
    'maximum',
    'enum',
    'properties',
    'required',
    'additionalProperties',
    'propertyNames',
    'items',
  ])
  for (const keyword of Object.keys(schema)) if (!known.has(keyword)) throw new Error(`the checker does not know ${keyword}`)
  const type = schema.type
  if (type === 'string' && typeof value !== 'string') return false
  if (type === 'integer' && !Number.isInteger(value)) return false
  if (type === 'boolean' && typeof value !== 'boolean') return false
  if (type === 'array' && !Array.isArray(value)) return false
  if (type === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value))) return false
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return false
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength) return false
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) return false
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return false
    if (typeof schema.maximum === 'number' && value > schema.maximum) return false
  }
  if (Array.isArray(value) && schema.items !== undefined) return value.every((item) => fits(schema.items as JsonSchema, item))
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>
    if (Array.isArray(schema.required) && !schema.required.every((field) => typeof field === 'string' && field in record)) return false
    for (const [key, item] of Object.entries(record)) {
      if (schema.propertyNames !== undefined && !fits(schema.propertyNames as JsonSchema, key)) return false
      const property = properties[key]
      if (property !== undefined) {
        if (!fits(property, item)) return false
      } else if (schema.additionalProperties === false) {
        return false
      } else if (typeof schema.additionalProperties === 'object' && !fits(schema.additionalProperties as JsonSchema, item)) {
        return false
      }
    }
  }
  return true
}

function validatorAccepts(config: unknown): boolean {
  try {
    parseConfig(config, 'fixture.json')
    return true
  } catch {
    return false
  }
}

const GOOD: readonly unknown[] = [
  {},
  { $schema: './node_modules/oauth2-stack/schema/oauth2-stack.config.schema.json' },
  {
    issuer: 'https://auth.example.com',
    host: '0.0.0.0',
    port: 443,
    store: 'postgres://u@db/x',
    log: 'json',
    demo: false,
    playground: false,
  },
  { issuer: 'http://127.0.0.1:8080' },
  { issuer: 'http://localhost/tenant' },
  { issuer: 'http://[::1]:9000' },
  { port: 0 },
  { port: 65535 },
  { scopes: { profile: 'See your name', 'read:all': 'Read everything' }, defaultScopes: ['profile'] },
  {
    users: [
      { username: 'alice', password: 'a', name: 'Alice', email: '' },
      { username: 'bob', password: 'b' },
    ],
  },
  { accessTokenLifetime: 1, refreshTokenLifetime: 315_360_000, authorizationCodeLifetime: 600 },
]

const BAD: readonly unknown[] = [
  [],
  'port=8080',
  { prot: 8080 },
  { port: -1 },
  { port: 65536 },
  { port: 80.5 },
  { port: '8080' },
  { host: '' },
  { store: '' },
  { log: 'text' },
  { demo: 'yes' },
  { playground: 1 },
  { issuer: 'http://auth.example.com' },
  { issuer: 'https://auth.example.com/?tenant=a' },
  { issuer: 'https://auth.example.com/#x' },
  { issuer: 'ftp://auth.example.com' },
  { scopes: { 'a b': 'Spaces' } },
  { scopes: { profile: '' } },
  { scopes: { profile: 1 } },
  { scopes: ['profile'] },
  { defaultScopes: ['a"b'] },
  { defaultScopes: 'profile' },
  { users: [{ username: 'alice' }] },
  { users: [{ username: '', password: 'a' }] },
  { users: [{ username: 'alice', password: 'a', role: 'admin' }] },
  { users: {} },
  { accessTokenLifetime: 0 },
  { refreshTokenLifetime: 315_360_001 },
  { authorizationCodeLifetime: 601 },
  { $schema: 1 },
]

/** What JSON Schema cannot say: the validator refuses these, the schema lets them through. */
const VALIDATOR_ONLY: readonly unknown[] = [
  {
    users: [
      { username: 'alice', password: 'a' },
      { username: 'alice', password: 'b' },
    ],
  },
  { scopes: { profile: 'See your name' }, defaultScopes: ['email'] },
  { issuer: 'https://exa^mple.com' },
]

describe('the configuration file JSON Schema', () => {
  it('is the file schema/oauth2-stack.config.schema.json (derived from the validator; update with vitest -u)', async () => {
    await expect(`${JSON.stringify(configSchema(), null, 2)}\n`).toMatchFileSnapshot('../../../schema/oauth2-stack.config.schema.json')
    expect(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))).toEqual(configSchema())
  })

  it('is exported as oauth2-stack/config.schema.json', () => {
    expect(createRequire(import.meta.url).resolve('oauth2-stack/config.schema.json')).toBe(fileURLToPath(SCHEMA_FILE))
  })

  it('describes every field the validator knows, and no other', () => {
    const properties = (configSchema().properties ?? {}) as Record<string, unknown>
    for (const field of Object.keys(properties)) expect(validatorAccepts({ [field]: undefined }), field).toBe(true)
    expect(validatorAccepts({ notAField: 1 })).toBe(false)
    expect(Object.keys(properties)).toContain('$schema')
  })

  it.each(GOOD.map((config) => [JSON.stringify(config), config]))('both accept %s', (_, config) => {
    expect(validatorAccepts(config)).toBe(true)
    expect(fits(configSchema(), config)).toBe(true)
  })

  it.each(BAD.map((config) => [JSON.stringify(config), config]))('both refuse %s', (_, config) => {
    expect(validatorAccepts(config)).toBe(false)
    expect(fits(configSchema(), config)).toBe(false)
  })

  it.each(VALIDATOR_ONLY.map((config) => [JSON.stringify(config), config]))('only the validator refuses %s (documented)', (_, config) => {
    expect(validatorAccepts(config)).toBe(false)
    expect(fits(configSchema(), config)).toBe(true)
  })
})
