import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readClientCredentials } from '../../../src/client-auth/read-credentials.ts'
import { InvalidClient, InvalidRequest } from '../../../src/errors.ts'
import { Request } from '../../../src/web/request.ts'

const SEED = 20260106
const FORM = 'application/x-www-form-urlencoded'

/** The application/x-www-form-urlencoded serialization of one value (space as +). */
const formEncode = (value: string): string => new URLSearchParams([['', value]]).toString().slice(1)
const basic = (id: string, secret: string, encode: (value: string) => string = formEncode): string =>
  `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`, 'utf8').toString('base64')}`

function tokenRequest(headers: Record<string, string>, body?: Record<string, string>): Request {
  return new Request({
    method: 'POST',
    path: '/token',
    headers: body === undefined ? headers : { 'content-type': FORM, ...headers },
    body: body === undefined ? undefined : new URLSearchParams(body).toString(),
  })
}

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  return undefined
}

/** Well-formed Unicode, biased towards the characters that need encoding in Basic credentials. */
const credential = fc.oneof(
  fc.string({ unit: fc.constantFrom(':', '%', '+', ' ', '=', '&', '/', 'é', '€', '😀', '\0', 'a', 'Z', '9'), maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
)

describe('readClientCredentials: client_secret_basic (RFC 6749 section 2.3.1)', () => {
  it('decodes the RFC 6749 section 2.3.1 example header', () => {
    const request = tokenRequest({ authorization: 'Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3' })
    expect(readClientCredentials(request)).toEqual({
      method: 'client_secret_basic',
      clientId: 's6BhdRkqt3',
      secret: '7Fjfp0ZBr1KtDRbnfVdmIw',
    })
  })

  it(`decodes any id and secret that were form-urlencoded, joined with ':' and base64-encoded (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        credential.filter((id) => id.length > 0),
        credential,
        fc.constantFrom('form', 'uri'),
        (id, secret, style) => {
          const header = basic(id, secret, style === 'form' ? formEncode : encodeURIComponent)
          expect(readClientCredentials(tokenRequest({ authorization: header }))).toEqual({
            method: 'client_secret_basic',
            clientId: id,
            secret,
          })
        },
      ),
      { seed: SEED, numRuns: 3000 },
    )
  })

  it('treats the scheme name case-insensitively and tolerates extra spaces before the credentials', () => {
    const encoded = Buffer.from('abc:xyz').toString('base64')
    for (const header of [`basic ${encoded}`, `BASIC ${encoded}`, `Basic   ${encoded}`]) {
      expect(readClientCredentials(tokenRequest({ authorization: header }))?.clientId).toBe('abc')
    }
  })

  it('ignores other authorization schemes', () => {
    expect(readClientCredentials(tokenRequest({ authorization: 'Bearer abc' }))).toBeUndefined()
    expect(readClientCredentials(tokenRequest({ authorization: 'Basic' }))).toBeUndefined()
  })

  it.each([
    ['not base64', 'Basic !!!'],
    ['no colon', `Basic ${Buffer.from('abc').toString('base64')}`],
    ['an empty client id', `Basic ${Buffer.from(':secret').toString('base64')}`],
    ['a broken percent escape in the id', `Basic ${Buffer.from('a%zz:secret').toString('base64')}`],
    ['a broken percent escape in the secret', `Basic ${Buffer.from('abc:%E0%A4%A').toString('base64')}`],
    ['an empty credentials part', 'Basic  '],
  ])('refuses %s with invalid_client', (_why, header) => {
    const error = thrown(() => readClientCredentials(tokenRequest({ authorization: header })))
    expect(error).toBeInstanceOf(InvalidClient)
    expect((error as InvalidClient).status).toBe(401)
  })

  it('refuses Basic together with client_secret in the body: one method per request (RFC 6749 section 2.3)', () => {
    const error = thrown(() =>
      readClientCredentials(tokenRequest({ authorization: basic('abc', 'xyz') }, { client_id: 'abc', client_secret: 'xyz' })),
    )
    expect(error).toBeInstanceOf(InvalidRequest)
  })

  it('accepts a body client_id equal to the Basic one and refuses a different one', () => {
    expect(readClientCredentials(tokenRequest({ authorization: basic('abc', 'xyz') }, { client_id: 'abc' }))?.method).toBe(
      'client_secret_basic',
    )
    expect(
      thrown(() => readClientCredentials(tokenRequest({ authorization: basic('abc', 'xyz') }, { client_id: 'other' }))),
    ).toBeInstanceOf(InvalidRequest)
  })
})

describe('readClientCredentials: body credentials (RFC 6749 section 2.3.1, 3.2.1)', () => {
  it('reads client_secret_post', () => {
    expect(readClientCredentials(tokenRequest({}, { client_id: 'abc', client_secret: 'x y' }))).toEqual({
      method: 'client_secret_post',
      clientId: 'abc',
      secret: 'x y',
    })
  })

  it('reads a bare client_id as a public client (none)', () => {
    expect(readClientCredentials(tokenRequest({}, { client_id: 'abc' }))).toEqual({ method: 'none', clientId: 'abc', secret: undefined })
  })

  it('refuses client_secret without client_id', () => {
    expect(thrown(() => readClientCredentials(tokenRequest({}, { client_secret: 'xyz' })))).toBeInstanceOf(InvalidRequest)
  })

  it('returns undefined when no client is named', () => {
    expect(readClientCredentials(tokenRequest({}, { grant_type: 'client_credentials' }))).toBeUndefined()
    expect(readClientCredentials(tokenRequest({}))).toBeUndefined()
  })

  it('does not read credentials from a body that is not form-urlencoded', () => {
    const request = new Request({
      method: 'POST',
      path: '/token',
      headers: { 'content-type': 'application/json' },
      body: 'client_id=abc&client_secret=xyz',
    })
    expect(readClientCredentials(request)).toBeUndefined()
  })

  it('does not read credentials from the query string', () => {
    const request = new Request({ method: 'POST', path: '/token', query: 'client_id=abc&client_secret=xyz' })
    expect(readClientCredentials(request)).toBeUndefined()
  })
})
