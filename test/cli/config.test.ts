import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/cli/args.ts'
import { parseConfig } from '../../src/cli/config.ts'

/** The lines of the error `parseConfig` throws for `json`. */
function problems(json: unknown): string[] {
  try {
    parseConfig(json, 'c.json')
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as Error).message
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/^ {2}- /, ''))
  }
  throw new Error('parseConfig accepted the configuration')
}

describe('parseConfig (the hand-written validator of the configuration file)', () => {
  it('returns a valid configuration unchanged', () => {
    const config = {
      $schema: './schema.json',
      issuer: 'https://auth.example.com',
      host: '0.0.0.0',
      port: 0,
      store: 'memory:',
      log: 'json',
      demo: false,
      playground: false,
      scopes: { profile: 'See your name', 'read:all': 'Read everything' },
      defaultScopes: ['profile'],
      users: [
        { username: 'alice', password: 'a', name: 'Alice', email: 'alice@example.com' },
        { username: 'bob', password: 'b' },
      ],
      accessTokenLifetime: 60,
      refreshTokenLifetime: 315_360_000,
      authorizationCodeLifetime: 600,
    }
    expect(parseConfig(config, 'c.json')).toEqual(config)
    expect(parseConfig({}, 'c.json')).toEqual({})
  })

  it('names each wrong value, its path and its fix', () => {
    expect(problems({ port: 80.5 })).toEqual([
      'port: Invalid input: expected int, received number; use a whole number from 0 to 65535 (0 picks a free port)',
    ])
    expect(problems({ accessTokenLifetime: 0 })[0]).toMatch(/^accessTokenLifetime: Too small: expected number to be >=1; /)
    expect(problems({ host: '' })[0]).toMatch(/^host: Too small: expected string to have >=1 characters; give an address/)
    expect(problems({ demo: 'yes' })[0]).toMatch(/^demo: Invalid input: expected boolean, received string; use true or false$/)
    expect(problems({ scopes: ['profile'] })[0]).toMatch(/^scopes: Invalid input: expected record, received array; /)
    expect(problems({ scopes: { profile: '' } })[0]).toMatch(/^scopes\.profile: Too small: expected string to have >=1 characters; /)
    expect(problems({ defaultScopes: ['a"b'] })[0]).toMatch(/^defaultScopes\[0\]: "a\\"b" is not a valid scope token; /)
    expect(problems({ users: [null] })[0]).toMatch(/^users\[0\]: Invalid input: expected object, received null; /)
    expect(problems({ issuer: 5 })[0]).toMatch(/^issuer: Invalid input: expected string, received number; /)
  })

  it('an unknown field with no near name lists the known ones; nested unknown fields suggest user fields', () => {
    expect(problems({ zzzzzzzz: 1 })).toEqual([
      expect.stringMatching(/^zzzzzzzz: unknown field; remove it \(known fields: \$schema, issuer, host, port, /),
    ])
    expect(problems({ users: [{ username: 'a', password: 'b', emial: 'x' }] })).toEqual([
      'users[0].emial: unknown field; did you mean "email"?',
    ])
  })

  it('the default scopes are checked against the scopes only once both have the right shape', () => {
    expect(problems({ scopes: { profile: 'p' }, defaultScopes: ['email'] })).toEqual([
      'defaultScopes[0]: "email" is not one of the scopes; list scopes that appear in "scopes", e.g. ["profile"]',
    ])
    expect(problems({ scopes: 'profile', defaultScopes: ['email'] })).toHaveLength(1)
    expect(parseConfig({ defaultScopes: ['email'] }, 'c.json')).toEqual({ defaultScopes: ['email'] })
  })
})
