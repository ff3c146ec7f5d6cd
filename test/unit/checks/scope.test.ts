import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidScope } from '../../../src/errors.ts'
import { formatScope, parseScopeParameter, Scope } from '../../../src/checks/scope.ts'

const SEED = 20260103
const RUNS = 3000

const isNqchar = (code: number): boolean => code === 0x21 || (code >= 0x23 && code <= 0x5b) || (code >= 0x5d && code <= 0x7e)
/** RFC 6749 section 3.3: NQCHAR = %x21 / %x23-5B / %x5D-7E. */
const nqchar = fc
  .integer({ min: 0x21, max: 0x7e })
  .filter(isNqchar)
  .map((code) => String.fromCharCode(code))
/** A scope-token = 1*NQCHAR, biased to a small vocabulary so duplicates happen. */
const scopeToken = fc.oneof(
  fc.constantFrom('read', 'write', 'admin', 'openid', 'a:b', 'x!', '~'),
  fc.string({ unit: nqchar, minLength: 1, maxLength: 10 }),
)
const scopeTokens = fc.array(scopeToken, { minLength: 1, maxLength: 8 })
/** Any UTF-16 code unit that is not NQCHAR and not the space separator. */
const nonNqchar = fc
  .oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xffff }))
  .filter((code) => !isNqchar(code) && code !== 0x20)
  .map((code) => String.fromCharCode(code))

const dedupe = (list: readonly string[]): string[] => [...new Set(list)]

function expectInvalidScope(run: () => unknown): void {
  let caught: unknown
  try {
    run()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(InvalidScope)
  expect((caught as InvalidScope).error).toBe('invalid_scope')
}

describe('parseScopeParameter (RFC 6749 section 3.3)', () => {
  it('splits on single spaces and drops duplicates, keeping first-seen order', () => {
    expect(parseScopeParameter('read write read admin')).toEqual(['read', 'write', 'admin'])
    expect(parseScopeParameter('read')).toEqual(['read'])
  })

  it('refuses an empty value, empty tokens and characters outside NQCHAR', () => {
    for (const value of ['', ' ', 'read  write', ' read', 'read ', 'read\twrite', 'a"b', 'a\\b', 'café', 'read\nwrite', 'a\0']) {
      expectInvalidScope(() => parseScopeParameter(value))
    }
  })

  it(`round-trips any list of scope-tokens joined by single spaces, deduplicated in order (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(scopeTokens, (tokens) => {
        expect(parseScopeParameter(tokens.join(' '))).toEqual(dedupe(tokens))
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it(`throws InvalidScope for any value with a character outside NQCHAR (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(scopeTokens, nonNqchar, fc.nat(), (tokens, bad, at) => {
        const value = tokens.join(' ')
        const index = at % (value.length + 1)
        expectInvalidScope(() => parseScopeParameter(value.slice(0, index) + bad + value.slice(index)))
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it(`throws InvalidScope for any empty token: double space, leading or trailing space (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(scopeTokens, fc.nat(), fc.constantFrom('double', 'leading', 'trailing'), (tokens, at, where) => {
        let value: string
        if (where === 'leading') value = ` ${tokens.join(' ')}`
        else if (where === 'trailing') value = `${tokens.join(' ')} `
        else {
          const gap = at % (tokens.length + 1)
          value = [...tokens.slice(0, gap), '', ...tokens.slice(gap)].join(' ')
        }
        expectInvalidScope(() => parseScopeParameter(value))
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })
})

describe('formatScope', () => {
  it('joins with single spaces, undefined when empty', () => {
    expect(formatScope(['a', 'b'])).toBe('a b')
    expect(formatScope([])).toBeUndefined()
  })
})

describe('Scope (RFC 6749 section 3.3)', () => {
  it('refuses at construction an available or default scope that is not a scope-token, or a default outside available', () => {
    expect(() => new Scope({ available: ['ok', 'not ok'] })).toThrow(TypeError)
    expect(() => new Scope({ default: ['a"b'] })).toThrow(TypeError)
    expect(() => new Scope({ available: ['read'], default: ['write'] })).toThrow(TypeError)
  })

  it('defines no scopes when neither available nor default is set: none granted, and asking for one is invalid_scope', () => {
    const scope = new Scope()
    expect(scope.ignored).toBe(true)
    expect(scope.available).toBeUndefined()
    expect(scope.parse(undefined)).toEqual([])
    expectInvalidScope(() => scope.parse('read'))
    expectInvalidScope(() => scope.parse('anything at  all'))
  })

  it('makes the default scopes the available ones when only default is set', () => {
    const scope = new Scope({ default: ['read', 'write'] })
    expect(scope.ignored).toBe(false)
    expect(scope.available).toEqual(['read', 'write'])
    expect(scope.parse(undefined)).toEqual(['read', 'write'])
    expect(scope.parse('write')).toEqual(['write'])
    expectInvalidScope(() => scope.parse('admin'))
  })

  it('returns the requested scopes when they are all available', () => {
    const scope = new Scope({ available: ['read', 'write', 'admin'] })
    expect(scope.ignored).toBe(false)
    expect(scope.available).toEqual(['read', 'write', 'admin'])
    expect(scope.parse('write read write')).toEqual(['write', 'read'])
  })

  it('refuses a scope outside available with invalid_scope', () => {
    expectInvalidScope(() => new Scope({ available: ['read'] }).parse('read write'))
  })

  it('refuses a malformed scope value once scopes are checked', () => {
    expectInvalidScope(() => new Scope({ available: ['read'] }).parse('read  read'))
    expectInvalidScope(() => new Scope({ available: ['read'] }).parse(''))
  })

  it('uses the default when the parameter is absent, deduplicated', () => {
    const scope = new Scope({ available: ['read', 'write'], default: ['read', 'read'] })
    expect(scope.parse(undefined)).toEqual(['read'])
    expect(new Scope({ default: ['x'] }).parse(undefined)).toEqual(['x'])
  })

  it('fails with invalid_scope when the parameter is absent, available is set and there is no default', () => {
    expectInvalidScope(() => new Scope({ available: ['read'] }).parse(undefined))
  })

  it('narrows to the client allowance: a scope the client may not request is refused, a default is filtered', () => {
    const scope = new Scope({ available: ['read', 'write', 'admin'], default: ['read', 'write'] })
    expect(scope.parse('read', ['read', 'admin'])).toEqual(['read'])
    expectInvalidScope(() => scope.parse('write', ['read', 'admin']))
    expect(scope.parse(undefined, ['write', 'admin'])).toEqual(['write'])
  })

  it('fails with invalid_scope rather than granting nothing when the client may have none of the default scopes (RFC 6749 section 3.3)', () => {
    const scope = new Scope({ available: ['read', 'write', 'admin'], default: ['read'] })
    expectInvalidScope(() => scope.parse(undefined, ['admin']))
  })

  it('checks a client allowance even when the grant ignores scope, and grants the allowance when the parameter is absent', () => {
    const scope = new Scope()
    expect(scope.parse('a', ['a', 'b'])).toEqual(['a'])
    expectInvalidScope(() => scope.parse('c', ['a', 'b']))
    expect(scope.parse(undefined, ['a', 'b'])).toEqual(['a', 'b'])
  })

  it(`with available set: succeeds exactly when every requested scope is available and allowed to the client (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(scopeToken, { minLength: 1, maxLength: 8 }),
        scopeTokens,
        fc.option(fc.array(scopeToken, { maxLength: 8 }), { nil: undefined }),
        (available, requested, client) => {
          const scope = new Scope({ available })
          const ok = requested.every((name) => available.includes(name) && (client === undefined || client.includes(name)))
          if (ok) expect(scope.parse(requested.join(' '), client)).toEqual(dedupe(requested))
          else expectInvalidScope(() => scope.parse(requested.join(' '), client))
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it(`with a default: an absent parameter grants the default narrowed to the client allowance, or invalid_scope when nothing is left (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(scopeToken, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.option(fc.array(scopeToken, { maxLength: 8 }), { nil: undefined }),
        (available, cut, client) => {
          const defaults = available.slice(0, (cut % available.length) + 1)
          const scope = new Scope({ available, default: defaults })
          const narrowed = client === undefined ? defaults : defaults.filter((name) => client.includes(name))
          // RFC 6749 section 3.3: use a default value or fail with invalid_scope.
          if (narrowed.length === 0) expectInvalidScope(() => scope.parse(undefined, client))
          else expect(scope.parse(undefined, client)).toEqual(narrowed)
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })
})
