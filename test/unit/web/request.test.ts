import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseForm } from '../../../src/internal/params.ts'
import { Request } from '../../../src/web/request.ts'

const SEED = 20260102
const RUNS = 3000

const anyText = fc.string({
  unit: fc.oneof(
    fc.constantFrom('%', '%zz', '\0', '\uD800', '\uDFFF', '+', '&', '=', ';', ' ', '"', ','),
    fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  ),
  maxLength: 60,
})
const wellFormed = fc.string({ unit: 'binary', maxLength: 12 })
const pairs = fc.array(fc.tuple(fc.oneof(fc.constantFrom('a', 'b', 'client_id'), wellFormed), wellFormed), { maxLength: 10 })

/** RFC 9110 section 5.6.2 token characters, the alphabet of header field names. */
const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
const headerName = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 20 })

const FORM = 'application/x-www-form-urlencoded'

/** Flips the case of each ASCII letter at random. */
const randomCase = (text: string): fc.Arbitrary<string> =>
  fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((flips) => [...text].map((char, i) => (flips[i] === true ? char.toUpperCase() : char.toLowerCase())).join(''))

describe('Request basics', () => {
  it('upper-cases the method and defaults query and headers', () => {
    const request = new Request({ method: 'post', path: '/token' })
    expect(request.method).toBe('POST')
    expect(request.path).toBe('/token')
    expect(request.rawQuery).toBe('')
    expect(request.header('authorization')).toBeUndefined()
    expect(request.bodyError).toBeUndefined()
  })

  it('fromUrl splits path and query at the first ?', () => {
    const request = Request.fromUrl('GET', '/authorize?client_id=abc&x=a?b')
    expect(request.path).toBe('/authorize')
    expect(request.rawQuery).toBe('client_id=abc&x=a?b')
    expect(request.getParam('x')).toBe('a?b')
    const bare = Request.fromUrl('GET', '/authorize')
    expect(bare.path).toBe('/authorize')
    expect(bare.rawQuery).toBe('')
  })

  it('getParam returns the first value of a repeated query parameter, or the default', () => {
    const request = Request.fromUrl('GET', '/authorize?state=1&state=2')
    expect(request.getParam('state')).toBe('1')
    expect(request.queryParams().repeated?.has('state')).toBe(true)
    expect(request.getParam('missing')).toBeUndefined()
    expect(request.getParam('missing', 'dflt')).toBe('dflt')
  })

  it('passes bodyError through', () => {
    expect(new Request({ method: 'POST', path: '/', bodyError: 'too_large' }).bodyError).toBe('too_large')
  })

  it(`queryParams never throws on an arbitrary query string (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(anyText, (query) => {
        const request = new Request({ method: 'GET', path: '/', query })
        expect(request.queryParams()).toEqual(parseForm(query))
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })
})

describe('Request.header', () => {
  it('joins a repeated header with ", " and returns the default when absent', () => {
    const request = new Request({ method: 'GET', path: '/', headers: { accept: ['a', 'b'], host: 'x', gone: undefined } })
    expect(request.header('Accept')).toBe('a, b')
    expect(request.header('HOST')).toBe('x')
    expect(request.header('gone')).toBeUndefined()
    expect(request.header('gone', 'dflt')).toBe('dflt')
  })

  it(`is case-insensitive for any header name (RFC 9110 section 5.1) (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        headerName.chain((name) => fc.tuple(fc.constant(name), randomCase(name))),
        fc.oneof(wellFormed, fc.array(wellFormed, { minLength: 1, maxLength: 3 })),
        ([name, lookup], value) => {
          const request = new Request({ method: 'GET', path: '/', headers: { [name.toLowerCase()]: value } })
          expect(request.header(lookup)).toBe(typeof value === 'string' ? value : value.join(', '))
          expect(request.header(name.toUpperCase())).toBe(request.header(name.toLowerCase()))
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it('treats a header absent from a plain-object header map as absent, even when its name is an Object.prototype member', () => {
    // Node's IncomingMessage.headers is a plain object, so these names are looked up on Object.prototype.
    const request = new Request({ method: 'GET', path: '/', headers: { host: 'x' } })
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
      expect(() => request.header(name)).not.toThrow()
      expect(request.header(name)).toBeUndefined()
      expect(request.header(name, 'dflt')).toBe('dflt')
    }
  })
})

describe('Request.contentType and hasBody', () => {
  it('is the lower-case media type without parameters', () => {
    const request = new Request({
      method: 'POST',
      path: '/',
      headers: { 'content-type': ' Application/X-WWW-Form-URLEncoded ; charset=UTF-8' },
    })
    expect(request.contentType).toBe(FORM)
    expect(new Request({ method: 'POST', path: '/' }).contentType).toBeUndefined()
  })

  it('sees a body from the adapter, Content-Length or Transfer-Encoding', () => {
    expect(new Request({ method: 'POST', path: '/', body: 'a=1' }).hasBody).toBe(true)
    expect(new Request({ method: 'POST', path: '/', body: '' }).hasBody).toBe(false)
    expect(new Request({ method: 'POST', path: '/', body: {} }).hasBody).toBe(true)
    expect(new Request({ method: 'POST', path: '/', headers: { 'content-length': '5' } }).hasBody).toBe(true)
    expect(new Request({ method: 'POST', path: '/', headers: { 'content-length': '0' } }).hasBody).toBe(false)
    expect(new Request({ method: 'POST', path: '/', headers: { 'transfer-encoding': 'chunked' } }).hasBody).toBe(true)
    expect(new Request({ method: 'GET', path: '/' }).hasBody).toBe(false)
  })
})

describe('Request.cookie', () => {
  it('reads cookies, trimming spaces, keeping = inside values, first one winning', () => {
    const request = new Request({ method: 'GET', path: '/', headers: { cookie: 'a=1; b = two=2 ;a=3; junk; c=' } })
    expect(request.cookie('a')).toBe('1')
    expect(request.cookie('b')).toBe('two=2')
    expect(request.cookie('c')).toBe('')
    expect(request.cookie('junk')).toBeUndefined()
    expect(request.cookie('missing')).toBeUndefined()
  })

  it('has no cookies without a Cookie header', () => {
    expect(new Request({ method: 'GET', path: '/' }).cookie('a')).toBeUndefined()
  })

  it(`never throws on an arbitrary Cookie header (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(anyText, anyText, (cookie, name) => {
        const request = new Request({ method: 'GET', path: '/', headers: { cookie } })
        const value = request.cookie(name)
        expect(value === undefined || typeof value === 'string').toBe(true)
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it(`returns the first value of each cookie name (RFC 6265 section 4.2.1) (fast-check seed ${SEED})`, () => {
    const cookieOctet = fc.constantFrom(..."abcXYZ019!#$%&'()*+-./:<>?@[]^_`{|}~")
    const cookieName = fc.string({ unit: fc.constantFrom(...'abcXYZ019_-'), minLength: 1, maxLength: 6 })
    const cookieValue = fc.string({ unit: cookieOctet, maxLength: 10 })
    fc.assert(
      fc.property(fc.array(fc.tuple(cookieName, cookieValue), { minLength: 1, maxLength: 8 }), (list) => {
        const request = new Request({ method: 'GET', path: '/', headers: { cookie: list.map(([k, v]) => `${k}=${v}`).join('; ') } })
        const first = new Map<string, string>()
        for (const [k, v] of list) if (!first.has(k)) first.set(k, v)
        for (const [k, v] of first) expect(request.cookie(k)).toBe(v)
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })
})

describe('Request.formParams (RFC 6749 section 4.1.3: application/x-www-form-urlencoded bodies only)', () => {
  const formType = fc
    .tuple(
      randomCase(FORM),
      fc.constantFrom('', ';charset=UTF-8', '; charset=utf-8', ';CHARSET="utf-8"', '; charset=ISO-8859-1'),
      fc.constantFrom('', ' ', '  '),
    )
    .map(([type, params, pad]) => `${pad}${type}${pad}${params}`)
  const otherType = fc.oneof(
    fc.constantFrom(
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded-evil',
      'application/x-www-form-urlencodedx; charset=utf-8',
      'xapplication/x-www-form-urlencoded',
      'application/x-www-form-urlencoded, text/plain',
      '',
    ),
    anyText,
  )

  it('parses the body for application/x-www-form-urlencoded, with or without ;charset=', () => {
    for (const type of [FORM, `${FORM};charset=UTF-8`, `${FORM}; charset=utf-8`]) {
      const request = new Request({ method: 'POST', path: '/token', headers: { 'content-type': type }, body: 'grant_type=x&a=1&a=2' })
      expect(request.postParam('grant_type')).toBe('x')
      expect(request.postParam('a')).toBe('1')
      expect(request.formParams().repeated?.has('a')).toBe(true)
    }
  })

  it('reads a body a framework parsed, under the form content type only', () => {
    const body = { client_id: 'abc', scope: ['a', 'b'] }
    const form = new Request({ method: 'POST', path: '/token', headers: { 'content-type': FORM }, body })
    expect(form.postParam('client_id')).toBe('abc')
    expect(form.formParams().repeated?.has('scope')).toBe(true)
    const json = new Request({ method: 'POST', path: '/token', headers: { 'content-type': 'application/json' }, body })
    expect(json.postParam('client_id')).toBeUndefined()
    expect(json.postParam('client_id', 'dflt')).toBe('dflt')
  })

  it('is empty for a request that is not a POST, whatever its body (RFC 6749 section 3.2: token requests use POST)', () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const request = new Request({ method, path: '/token', headers: { 'content-type': FORM }, body: 'client_id=abc' })
      expect(request.formParams().values.size, method).toBe(0)
      expect(request.postParam('client_id'), method).toBeUndefined()
    }
    expect(
      new Request({ method: 'post', path: '/token', headers: { 'content-type': FORM }, body: 'client_id=abc' }).postParam('client_id'),
    ).toBe('abc')
  })

  it('is empty without a body or without a content type', () => {
    expect(new Request({ method: 'POST', path: '/', headers: { 'content-type': FORM } }).formParams().values.size).toBe(0)
    expect(new Request({ method: 'POST', path: '/', body: 'a=1' }).formParams().values.size).toBe(0)
  })

  it(`equals parseForm(body) for the form content type in any case and with or without ;charset= (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(formType, pairs, (type, list) => {
        const body = new URLSearchParams(list).toString()
        const request = new Request({ method: 'POST', path: '/token', headers: { 'content-type': type }, body })
        expect(request.formParams()).toEqual(parseForm(body))
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it(`is empty for any other content type (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        otherType,
        fc.oneof(
          anyText,
          pairs.map((list) => new URLSearchParams(list).toString()),
        ),
        (type, body) => {
          fc.pre(type.split(';')[0]?.trim().toLowerCase() !== FORM)
          const request = new Request({ method: 'POST', path: '/token', headers: { 'content-type': type }, body })
          expect(request.formParams().values.size).toBe(0)
          expect(request.formParams().repeated).toBeUndefined()
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })
})
