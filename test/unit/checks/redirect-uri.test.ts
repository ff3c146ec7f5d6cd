import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assertRegistrableRedirectUri, buildRedirect, matchRedirectUri } from '../../../src/checks/redirect-uri.ts'

const SEED = 20260104
const RUNS = 3000

// ---- generators -------------------------------------------------------------------------------------

const segment = fc.string({ unit: fc.constantFrom(...'abcz09_-~.'), minLength: 1, maxLength: 6 }).filter((s) => s !== '.' && s !== '..')
const path = fc
  .array(segment, { maxLength: 3 })
  .chain((segments) => fc.constantFrom(`/${segments.join('/')}`, `/${segments.join('/')}/`))
  .map((p) => p.replace('//', '/'))
const query = fc.option(
  fc
    .array(
      fc.tuple(
        fc.string({ unit: fc.constantFrom(...'abxy'), minLength: 1, maxLength: 3 }),
        fc.string({ unit: fc.constantFrom(...'0123abc'), maxLength: 3 }),
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((kv) => `?${kv.map(([k, v]) => `${k}=${v}`).join('&')}`),
  { nil: '' },
)
const port = fc.option(
  fc.integer({ min: 1024, max: 65535 }).map((n) => `:${n}`),
  { nil: '' },
)
const loopbackHost = fc.constantFrom('127.0.0.1', '[::1]', 'localhost')

/** Registrable redirect URIs, in the canonical form the WHATWG URL serializer would give them. */
const canonicalUri = fc.oneof(
  fc
    .tuple(fc.constantFrom('example.com', 'app.example.org', '127.0.0.1', '[::1]', 'localhost'), port, path, query)
    .map(([h, p, pa, q]) => `https://${h}${p}${pa}${q}`),
  fc.tuple(fc.constantFrom('127.0.0.1', '[::1]', 'localhost'), port, path, query).map(([h, p, pa, q]) => `http://${h}${p}${pa}${q}`),
  fc.tuple(fc.constantFrom('com.example.app', 'org.example.native'), path, query).map(([s, pa, q]) => `${s}:${pa}${q}`),
)

/** Registrable loopback-IP URIs written in a non-canonical way (empty path, empty query, dot segments, other IP spellings). */
const nonCanonicalLoopbackUri = fc
  .tuple(
    fc.constantFrom(
      '127.0.0.1',
      '[::1]',
      'localhost',
      'LocalHost',
      '127.000.000.001',
      '2130706433',
      '0x7f.0.0.1',
      '127.1',
      '[0:0:0:0:0:0:0:1]',
    ),
    port,
    fc.constantFrom('', '/cb?', '/a/../cb', '/./cb', '/cb/.', '?x=1'),
  )
  .map(([h, p, rest]) => `http://${h}${p}${rest}`)

const editChar = fc.constantFrom(...'/:.?&#=@%aZ09-_~[] \t')

/** Strings close to a registered URI: the URI itself, another port, one character edited, a suffix, case changes, userinfo, or noise. */
function near(uri: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(uri),
    fc
      .tuple(port, fc.constantFrom('', ':0', ':80', ':443', ':080', ':', ':65536', ':1024'))
      .map(([p, q]) => withPort(uri, p === '' ? q : p)),
    fc.tuple(fc.nat(), editChar).map(([at, ch]) => {
      const i = at % (uri.length + 1)
      return uri.slice(0, i) + ch + uri.slice(i)
    }),
    fc.nat().map((at) => {
      const i = at % Math.max(uri.length, 1)
      return uri.slice(0, i) + uri.slice(i + 1)
    }),
    fc.tuple(fc.nat(), editChar).map(([at, ch]) => {
      const i = at % Math.max(uri.length, 1)
      return uri.slice(0, i) + ch + uri.slice(i + 1)
    }),
    fc.constantFrom('/', '#', '#frag', '?', '&', '&x=1', '%2F', '.', '/.', '/..').map((suffix) => uri + suffix),
    fc.constant(uri.toUpperCase()),
    fc.constant(uri.replace('://', '://user:pass@')),
    fc.constant(uri.replace('://', '://evil.example@')),
    fc.string({ maxLength: 30 }),
  )
}

/** Replaces (or adds, or removes) the port of an http(s) URI with `portText` (e.g. ':8080' or ''). */
function withPort(uri: string, portText: string): string {
  return uri.replace(/^(https?:\/\/(?:\[[^\]]*\]|[^/?#:]*))(?::\d*)?/, `$1${portText}`)
}

const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(?::\d+)?(?=[/?]|$)/

/**
 * The rule of RFC 9700 section 2.1 and RFC 8252 section 7.3 as plain string operations: equal strings, or
 * both `http` loopback URIs (127.0.0.1, [::1], localhost: src/checks/redirect-uri.ts relaxes the port of
 * all three) that are equal once the port is removed.
 */
function allowed(registered: string, presented: string): boolean {
  if (registered === presented) return true
  if (!LOOPBACK_HTTP.test(registered) || !LOOPBACK_HTTP.test(presented)) return false
  const strip = (uri: string): string => uri.replace(/^(http:\/\/(?:127\.0\.0\.1|\[::1\]|localhost))(?::\d+)?/, '$1')
  return strip(registered) === strip(presented)
}

// ---- tests ------------------------------------------------------------------------------------------

describe('assertRegistrableRedirectUri (RFC 6749 section 3.1.2, RFC 9700 section 2.6, RFC 8252 section 7)', () => {
  it.each([
    'https://client.example.com/cb',
    'https://client.example.com/cb?x=1',
    'https://client.example.com:8443/cb',
    'http://localhost/cb',
    'http://localhost:3000/cb',
    'http://127.0.0.1/cb',
    'http://127.0.0.1:51004/oauth2redirect/example-provider',
    'http://[::1]:8080/cb',
    'com.example.app:/oauth2redirect/example-provider',
    'com.example.app://callback',
  ])('accepts %s', (uri) => {
    expect(() => assertRegistrableRedirectUri(uri)).not.toThrow()
  })

  it.each([
    ['a relative URI (section 3.1.2: absolute)', '/cb'],
    ['a string that is not a URI', 'not a uri'],
    ['an empty string', ''],
    ['a fragment (section 3.1.2)', 'https://client.example.com/cb#frag'],
    ['an empty fragment', 'https://client.example.com/cb#'],
    ['http on a non-loopback host (RFC 9700 section 2.6)', 'http://client.example.com/cb'],
    ['http on a host that only starts with localhost', 'http://localhost.evil.example/cb'],
    ['http on a host that only starts with 127.0.0.1', 'http://127.0.0.1.nip.io/cb'],
    ['credentials in the URI', 'https://user:pass@client.example.com/cb'],
    ['a username in the URI', 'https://user@client.example.com/cb'],
    ['a private-use scheme without a dot (RFC 8252 section 7.1)', 'myapp:/cb'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,hi'],
    ['ftp:', 'ftp://client.example.com/cb'],
  ])('refuses %s', (_why, uri) => {
    expect(() => assertRegistrableRedirectUri(uri)).toThrow(TypeError)
  })

  it(`accepts every generated canonical https / loopback-http / private-use URI (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(canonicalUri, (uri) => {
        expect(() => assertRegistrableRedirectUri(uri)).not.toThrow()
      }),
      { seed: SEED, numRuns: 500 },
    )
  })
})

describe('matchRedirectUri (RFC 9700 section 2.1: exact string matching; RFC 8252 section 7.3: loopback port)', () => {
  const registered = ['https://client.example.com/cb', 'http://127.0.0.1/native', 'http://[::1]:4000/v6', 'http://localhost:3000/cb']

  it('returns the only registered URI when redirect_uri is omitted (RFC 6749 section 3.1.2.3)', () => {
    expect(matchRedirectUri(['https://a.example/cb'], undefined)).toBe('https://a.example/cb')
  })

  it('returns undefined when redirect_uri is omitted and zero or several URIs are registered', () => {
    expect(matchRedirectUri([], undefined)).toBeUndefined()
    expect(matchRedirectUri(registered, undefined)).toBeUndefined()
  })

  it('matches an exactly equal URI', () => {
    for (const uri of registered) expect(matchRedirectUri(registered, uri)).toBe(uri)
  })

  it('lets the port of an http loopback redirect URI differ (RFC 8252 section 7.3, RFC 9700 section 2.1), returning the presented URI', () => {
    expect(matchRedirectUri(registered, 'http://127.0.0.1:51004/native')).toBe('http://127.0.0.1:51004/native')
    expect(matchRedirectUri(registered, 'http://[::1]:5000/v6')).toBe('http://[::1]:5000/v6')
    expect(matchRedirectUri(registered, 'http://[::1]/v6')).toBe('http://[::1]/v6')
    expect(matchRedirectUri(registered, 'http://localhost:3001/cb')).toBe('http://localhost:3001/cb')
  })

  it('does not relax the port for https, for another loopback host, or for any other host', () => {
    expect(matchRedirectUri(['https://127.0.0.1/cb'], 'https://127.0.0.1:8443/cb')).toBeUndefined()
    expect(matchRedirectUri(registered, 'https://client.example.com:444/cb')).toBeUndefined()
    expect(matchRedirectUri(registered, 'http://127.0.0.1:3000/cb')).toBeUndefined()
    expect(matchRedirectUri(registered, 'http://localhost:4000/native')).toBeUndefined()
  })

  it('refuses other paths, queries, fragments, userinfo, case changes and prefixes', () => {
    for (const presented of [
      'https://client.example.com/cb/',
      'https://client.example.com/cb?x=1',
      'https://client.example.com/cb#x',
      'https://client.example.com/CB',
      'HTTPS://client.example.com/cb',
      'https://client.example.com/c',
      'https://client.example.com/cb/../cb',
      'https://evil.example/cb',
      'http://127.0.0.1:8080/native/extra',
      'http://127.0.0.1:8080/native?x=1',
      'http://127.0.0.1:8080/native#f',
      'http://user@127.0.0.1:8080/native',
      'http://127.0.0.2:8080/native',
      'http://[::1]:4000/v6/',
    ]) {
      expect(matchRedirectUri(registered, presented), presented).toBeUndefined()
    }
  })

  it.each([
    ['an empty path', 'http://127.0.0.1', 'http://127.0.0.1/'],
    ['an empty path, other port', 'http://127.0.0.1', 'http://127.0.0.1:5000/'],
    ['an empty query', 'http://127.0.0.1/cb?', 'http://127.0.0.1/cb'],
    ['dot segments', 'http://127.0.0.1/a/../cb', 'http://127.0.0.1:5000/cb'],
    ['another spelling of the IPv4 loopback', 'http://2130706433/cb', 'http://127.0.0.1/cb'],
    ['another spelling of the IPv6 loopback', 'http://[0:0:0:0:0:0:0:1]/cb', 'http://[::1]:5000/cb'],
    ['another case of localhost', 'http://LocalHost/cb', 'http://localhost:5000/cb'],
  ])('does not match a presented URI that differs from the registered one by more than the port: %s', (_why, reg, presented) => {
    expect(matchRedirectUri([reg], presented)).toBeUndefined()
  })

  it(`never matches a string that differs from every registered URI except by the port of an http loopback URI (canonical registered URIs, fast-check seed ${SEED})`, () => {
    const scenario = fc
      .array(canonicalUri, { minLength: 1, maxLength: 4 })
      .chain((list) => fc.tuple(fc.constant(list), fc.constantFrom(...list).chain(near)))
    fc.assert(
      fc.property(scenario, ([list, presented]) => {
        const result = matchRedirectUri(list, presented)
        if (result !== undefined) {
          expect(result).toBe(presented)
          expect(list.some((uri) => allowed(uri, presented))).toBe(true)
        }
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it(`never matches a string that differs from the registered URI except by the port of an http loopback URI (non-canonical registered loopback URIs, fast-check seed ${SEED})`, () => {
    const scenario = nonCanonicalLoopbackUri.chain((uri) => {
      let canonical = uri
      try {
        canonical = new URL(uri).href
      } catch {
        // keep as is
      }
      return fc.tuple(fc.constant(uri), fc.oneof(near(uri), near(canonical)))
    })
    fc.assert(
      fc.property(scenario, ([uri, presented]) => {
        const result = matchRedirectUri([uri], presented)
        if (result !== undefined) expect(allowed(uri, presented), `${uri} matched ${presented}`).toBe(true)
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it(`matches any registered http loopback URI presented with any other port (fast-check seed ${SEED})`, () => {
    const loopbackUri = fc.tuple(loopbackHost, port, path, query).map(([h, p, pa, q]) => `http://${h}${p}${pa}${q}`)
    fc.assert(
      fc.property(loopbackUri, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), (uri, newPort) => {
        const presented = withPort(uri, newPort === undefined || newPort === 80 ? '' : `:${newPort}`)
        expect(matchRedirectUri(['https://other.example/cb', uri], presented)).toBe(presented)
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })
})

describe('buildRedirect (RFC 6749 section 3.1.2, 4.1.2, 4.2.2)', () => {
  it('appends to the query with ? or &, keeping the registered query, and skips undefined values', () => {
    expect(buildRedirect('https://c.example/cb', { code: 'a b', state: undefined }, 'query')).toBe('https://c.example/cb?code=a+b')
    expect(buildRedirect('https://c.example/cb?x=1', { code: 'c' }, 'query')).toBe('https://c.example/cb?x=1&code=c')
  })

  it('puts the parameters in the fragment for the implicit flow', () => {
    expect(buildRedirect('https://c.example/cb?x=1', { access_token: 't', state: 's&=#' }, 'fragment')).toBe(
      'https://c.example/cb?x=1#access_token=t&state=s%26%3D%23',
    )
  })

  it(`keeps the registered URI as a prefix and the parameters round-trip through URLSearchParams (fast-check seed ${SEED})`, () => {
    const value = fc.option(fc.string({ unit: 'binary', maxLength: 10 }), { nil: undefined, freq: 4 })
    const params = fc
      .uniqueArray(
        fc.tuple(
          fc.oneof(fc.constantFrom('code', 'state', 'iss', '__proto__', '0', 'x'), fc.string({ unit: 'binary', maxLength: 8 })),
          value,
        ),
        {
          selector: ([key]) => key,
          maxLength: 6,
        },
      )
      .map((entries) => Object.fromEntries(entries))
    fc.assert(
      fc.property(canonicalUri, params, fc.constantFrom('query' as const, 'fragment' as const), (uri, record, mode) => {
        const result = buildRedirect(uri, record, mode)
        expect(result.startsWith(uri)).toBe(true)
        const separator = result.charAt(uri.length)
        expect(separator).toBe(mode === 'fragment' ? '#' : uri.includes('?') ? '&' : '?')
        const sent = Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined)
        expect([...new URLSearchParams(result.slice(uri.length + 1))]).toEqual(sent)
        if (mode === 'query' && /^https?:/.test(uri)) {
          // A URL parser sees the registered query first, then the response parameters, and no fragment.
          const url = new URL(result)
          expect(url.hash).toBe('')
          expect([...url.searchParams]).toEqual([...new URL(uri).searchParams, ...sent])
        }
      }),
      { seed: SEED, numRuns: 1000 },
    )
  })
})
