/**
 * The canonical form of resource URIs (RFC 8707 section 2), shared by the authorization server and the
 * guards: examples, then properties over generated URLs (fast-check; a failure prints its seed).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalResourceUri, protectedResourceMetadataUrl, sameResource } from '../../../src/checks/resource-uri.ts'

describe('canonicalResourceUri', () => {
  it.each([
    ['https://api.example.com', 'https://api.example.com'],
    ['https://api.example.com/', 'https://api.example.com'],
    ['HTTPS://API.Example.COM/', 'https://api.example.com'],
    ['https://api.example.com:443/mcp', 'https://api.example.com/mcp'],
    ['https://api.example.com:8443', 'https://api.example.com:8443'],
    ['https://api.example.com/mcp/', 'https://api.example.com/mcp/'],
    ['https://api.example.com/MCP', 'https://api.example.com/MCP'],
    ['https://api.example.com/a/../mcp', 'https://api.example.com/mcp'],
    ['https://api.example.com?tenant=1', 'https://api.example.com/?tenant=1'],
    ['http://127.0.0.1:3000/', 'http://127.0.0.1:3000'],
    ['http://[::1]:8080/mcp', 'http://[::1]:8080/mcp'],
    ['custom://Host.Example/', 'custom://host.example'],
    ['URN:example:Resource', 'urn:example:Resource'],
  ])('%s is %s', (value, canonical) => {
    expect(canonicalResourceUri(value)).toBe(canonical)
  })

  it.each([
    ['a relative reference', '/mcp'],
    ['a bare name', 'api.example.com'],
    ['a fragment', 'https://api.example.com/#top'],
    ['an empty fragment', 'https://api.example.com/#'],
    ['userinfo', 'https://user:pass@api.example.com/'],
    ['a space', 'https://api.example.com/a b'],
    ['a tab the parser would drop', 'https://api.\texample.com/'],
    ['a newline', 'https://api.example.com/\n'],
    ['non-ASCII', 'https://bücher.example/'],
    ['the empty string', ''],
    ['a huge value', `https://api.example.com/${'a'.repeat(3000)}`],
  ])('refuses %s', (_name, value) => {
    expect(canonicalResourceUri(value)).toBeUndefined()
  })

  const host = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){1,2}$/)
  const segment = fc.stringMatching(/^[A-Za-z0-9_~-]{1,8}$/)
  const url = fc.record({
    scheme: fc.constantFrom('https', 'http'),
    host,
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    path: fc.array(segment, { maxLength: 4 }),
    trailing: fc.boolean(),
  })
  const build = (
    parts: { scheme: string; host: string; port: number | undefined; path: string[]; trailing: boolean },
    upper: boolean,
  ): string => {
    const scheme = upper ? parts.scheme.toUpperCase() : parts.scheme
    const host = upper ? parts.host.toUpperCase() : parts.host
    const port = parts.port === undefined ? '' : `:${parts.port}`
    const path = parts.path.length === 0 ? '' : `/${parts.path.join('/')}`
    return `${scheme}://${host}${port}${path}${parts.trailing ? '/' : ''}`
  }

  it('is idempotent: the canonical form is its own canonical form', () => {
    fc.assert(
      fc.property(url, fc.boolean(), (parts, upper) => {
        const canonical = canonicalResourceUri(build(parts, upper))
        expect(canonical).toBeDefined()
        expect(canonicalResourceUri(canonical!)).toBe(canonical)
      }),
    )
  })

  it('ignores the case of scheme and host, and a host-only trailing slash; keeps the case of the path', () => {
    fc.assert(
      fc.property(url, (parts) => {
        expect(canonicalResourceUri(build(parts, true))).toBe(canonicalResourceUri(build(parts, false)))
        if (parts.path.length === 0) {
          expect(canonicalResourceUri(build({ ...parts, trailing: true }, false))).toBe(
            canonicalResourceUri(build({ ...parts, trailing: false }, false)),
          )
        } else {
          const canonical = canonicalResourceUri(build(parts, false))!
          expect(canonical.endsWith(`/${parts.path.join('/')}${parts.trailing ? '/' : ''}`)).toBe(true)
        }
      }),
    )
  })

  it('never accepts a fragment, whatever comes before it', () => {
    fc.assert(
      fc.property(url, fc.string({ maxLength: 10 }), (parts, fragment) => {
        expect(canonicalResourceUri(`${build(parts, false)}#${fragment}`)).toBeUndefined()
      }),
    )
  })

  it('sameResource compares canonical forms', () => {
    expect(sameResource('https://API.example.com/', 'https://api.example.com')).toBe(true)
    expect(sameResource('https://api.example.com/mcp', 'https://api.example.com/mcp/')).toBe(false)
    expect(sameResource('not a uri', 'not a uri')).toBe(false)
  })
})

describe('protectedResourceMetadataUrl (RFC 9728 section 3.1)', () => {
  it.each([
    ['https://api.example.com', 'https://api.example.com/.well-known/oauth-protected-resource'],
    ['https://api.example.com/mcp', 'https://api.example.com/.well-known/oauth-protected-resource/mcp'],
    ['http://127.0.0.1:3000/a/b/', 'http://127.0.0.1:3000/.well-known/oauth-protected-resource/a/b/'],
  ])('%s is described at %s', (resource, url) => {
    expect(protectedResourceMetadataUrl(resource)).toBe(url)
  })
})
