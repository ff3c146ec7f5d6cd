import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromParsedForm, NO_PARAMS, parseForm, type Params } from '../../../src/internal/params.ts'

const SEED = 20260101
const RUNS = 3000

/** Any UTF-16 text, lone surrogates and NUL included, biased towards form syntax and broken escapes. */
const anyText = fc.string({
  unit: fc.oneof(
    fc.constantFrom('%', '%2', '%zz', '%00', '%C3', '%FF', '\0', '\uD800', '\uDC00', '+', '&', '=', ';', ' ', '?', '#'),
    fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 60,
})

/** Well-formed Unicode (URLSearchParams turns lone surrogates into U+FFFD, so they cannot round-trip). */
const wellFormed = fc.string({ unit: 'binary', maxLength: 12 })
/** Few distinct names, so repeats are frequent. */
const name = fc.oneof(fc.constantFrom('', 'a', 'b', 'client_id', 'scope', 'a b', '&', '=', '%', '+', '__proto__'), wellFormed)
const pairs = fc.array(fc.tuple(name, wellFormed), { maxLength: 12 })

/** The oracle: first value per name, and the names occurring more than once. */
function expected(list: readonly (readonly [string, string])[]): { values: Map<string, string>; repeated: Set<string> } {
  const values = new Map<string, string>()
  const repeated = new Set<string>()
  for (const [key, value] of list) {
    if (values.has(key)) repeated.add(key)
    else values.set(key, value)
  }
  return { values, repeated }
}

function repeatedOf(params: Params): Set<string> {
  return new Set(params.repeated ?? [])
}

describe('parseForm (application/x-www-form-urlencoded, RFC 6749 section 3.1 and 3.2)', () => {
  it('returns NO_PARAMS for an empty string', () => {
    expect(parseForm('')).toBe(NO_PARAMS)
    expect(NO_PARAMS.values.size).toBe(0)
    expect(NO_PARAMS.repeated).toBeUndefined()
  })

  it('keeps the first value of a repeated name and marks it repeated (RFC 6749 section 3.1: no parameter more than once)', () => {
    const params = parseForm('a=1&b=2&a=3&c=&a=4')
    expect([...params.values]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', ''],
    ])
    expect(repeatedOf(params)).toEqual(new Set(['a']))
  })

  it('leaves repeated undefined when no name repeats', () => {
    expect(parseForm('a=1&b=2').repeated).toBeUndefined()
  })

  it('decodes + as space and percent escapes as UTF-8', () => {
    expect(parseForm('q=a+b%20c%C3%A9').values.get('q')).toBe('a b cé')
  })

  it('keeps malformed percent escapes as they are instead of throwing', () => {
    const params = parseForm('a=%zz&b=%&c=%C3')
    expect(params.values.get('a')).toBe('%zz')
    expect(params.values.get('b')).toBe('%')
    expect(params.values.get('c')).toBe('\uFFFD')
  })

  it('reads a name without = as an empty value', () => {
    expect(parseForm('flag').values.get('flag')).toBe('')
  })

  it(`answers exactly what URLSearchParams gives, plain text (split in place) and escaped text alike (fast-check seed ${SEED})`, () => {
    /** Text without escapes, `+` or surrogates, dense in separators: the split-in-place path. */
    const plainText = fc.string({ unit: fc.constantFrom('a', 'b', 'é', '\0', ' ', '&', '=', '?', ';', '#', '&&', '=='), maxLength: 40 })
    fc.assert(
      fc.property(fc.oneof(plainText, anyText), (text) => {
        const values = new Map<string, string>()
        const all = new Map<string, string[]>()
        for (const [key, value] of new URLSearchParams(text)) {
          if (!values.has(key)) values.set(key, value)
          all.set(key, [...(all.get(key) ?? []), value])
        }
        const repeated = [...all].filter(([, list]) => list.length > 1)
        const params = parseForm(text)
        expect(new Map(params.values)).toEqual(values)
        expect(repeatedOf(params)).toEqual(new Set(repeated.map(([key]) => key)))
        expect(new Map(params.all ?? [])).toEqual(new Map(repeated))
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it(`round-trips any list of (name, value) pairs encoded with URLSearchParams: first value wins, exactly the names seen twice are repeated (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(pairs, (list) => {
        const text = new URLSearchParams(list).toString()
        const params = parseForm(text)
        const oracle = expected(list)
        expect(new Map(params.values)).toEqual(oracle.values)
        expect(repeatedOf(params)).toEqual(oracle.repeated)
        // `repeated` is undefined exactly when nothing repeated.
        expect(params.repeated === undefined).toBe(oracle.repeated.size === 0)
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it(`never throws on arbitrary text (invalid escapes, lone surrogates, NUL) and keeps repeated a subset of values (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const params = parseForm(text)
        for (const key of params.repeated ?? []) expect(params.values.has(key)).toBe(true)
        // Same answer as the WHATWG parser's first values.
        const reference = new URLSearchParams(text)
        for (const [key, value] of params.values) expect(reference.get(key)).toBe(value)
        expect(params.values.size).toBe(new Set(reference.keys()).size)
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })
})

describe('fromParsedForm (a body a framework already parsed)', () => {
  it('takes strings as they are, the first element of arrays, and marks arrays of more than one as repeated', () => {
    const params = fromParsedForm({ a: 'x', b: ['1', '2'], c: ['only'], d: [] })
    expect([...params.values]).toEqual([
      ['a', 'x'],
      ['b', '1'],
      ['c', 'only'],
    ])
    expect(repeatedOf(params)).toEqual(new Set(['b']))
  })

  it('leaves repeated undefined when no array has more than one element', () => {
    expect(fromParsedForm({ a: 'x', c: ['only'] }).repeated).toBeUndefined()
  })

  it('leaves out undefined, null, numbers, qs-style nested objects and a non-string first array element', () => {
    const params = fromParsedForm({ u: undefined, n: null, arr: [1, 'two'], nested: { b: 'c' }, num: 5, ok: 'yes' })
    expect([...params.values]).toEqual([['ok', 'yes']])
    expect(repeatedOf(params)).toEqual(new Set(['arr']))
  })

  it(`agrees with parseForm for the same pairs grouped the way body parsers group them (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(pairs, (list) => {
        const grouped = new Map<string, string[]>()
        for (const [key, value] of list) grouped.set(key, [...(grouped.get(key) ?? []), value])
        const form = Object.fromEntries([...grouped].map(([key, values]) => [key, values.length === 1 ? values[0] : values]))
        const viaObject = fromParsedForm(form)
        const viaText = parseForm(new URLSearchParams(list).toString())
        expect(new Map(viaObject.values)).toEqual(new Map(viaText.values))
        expect(repeatedOf(viaObject)).toEqual(repeatedOf(viaText))
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })
})
