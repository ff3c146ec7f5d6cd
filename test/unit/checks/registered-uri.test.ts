/**
 * Finding 7 of the security review (issue 17): one rule for every URI a client registers, applied to the
 * raw string that is stored and compared, so that no two parsers read a registered URI differently.
 */
import { describe, expect, it } from 'vitest'
import { checkRegisteredUri, type RegisteredUriKind, type RegisteredUriProblemCode } from '../../../src/checks/registered-uri.ts'

const redirect = { kind: 'redirect' } as const

describe('checkRegisteredUri: accepted', () => {
  it.each([
    'https://client.example.com/cb',
    'https://client.example.com/cb?x=1&y=%2F',
    'https://client.example.com:8443/cb',
    'https://xn--bcher-kva.example/cb',
    'https://client.example.com',
    'http://localhost/cb',
    'http://localhost:3000/cb',
    'http://127.0.0.1/cb',
    'http://127.0.0.1:51004/oauth2redirect/example-provider',
    'http://[::1]:8080/cb',
    'https://[2001:db8::1]/cb',
    'com.example.app:/oauth2redirect/example-provider',
    'com.example.app://callback',
    "https://client.example.com/a;b,c!$'()*+=@:~_-.",
  ])('%s', (uri) => {
    expect(checkRegisteredUri(uri, redirect)).toBeUndefined()
  })
})

describe('checkRegisteredUri: refused, with the reason', () => {
  it.each<[string, string, RegisteredUriProblemCode]>([
    [
      'a backslash before userinfo (loopback to WHATWG, evil.example to others)',
      'http://127.0.0.1\\@evil.example/cb',
      'forbidden_character',
    ],
    ['a backslash in the path', 'https://client.example/a\\b', 'forbidden_character'],
    ['CR LF (a header injection once in Location)', 'https://client.example/cb\r\nSet-Cookie: x=1', 'forbidden_character'],
    ['a LF the WHATWG parser strips', 'http://local\nhost/cb', 'forbidden_character'],
    ['a tab', 'https://client.example/\tcb', 'forbidden_character'],
    ['a NUL', 'https://client.example/cb\0', 'forbidden_character'],
    ['a space', 'https://client.example/my cb', 'forbidden_character'],
    ['a leading space', ' https://client.example/cb', 'forbidden_character'],
    ['a non-ASCII path', 'https://client.example/café', 'forbidden_character'],
    ['a Unicode host (not IDNA ASCII form)', 'https://bücher.example/cb', 'forbidden_character'],
    ['a "<"', 'https://client.example/<cb>', 'forbidden_character'],
    ['a "%" without hex digits', 'https://client.example/100%', 'bad_percent_encoding'],
    ['a "%" with one hex digit', 'https://client.example/%2', 'bad_percent_encoding'],
    ['a "%" with non-hex digits', 'https://client.example/%zz', 'bad_percent_encoding'],
    ['userinfo', 'https://user:pass@client.example.com/cb', 'userinfo'],
    ['a user name', 'https://user@client.example.com/cb', 'userinfo'],
    ['userinfo that makes a loopback URI point elsewhere', 'http://127.0.0.1:80@evil.example/cb', 'userinfo'],
    ['a fragment (RFC 6749 section 3.1.2)', 'https://client.example.com/cb#frag', 'fragment'],
    ['an empty fragment', 'https://client.example.com/cb#', 'fragment'],
    ['an upper-case host', 'https://Client.Example.com/cb', 'host_not_canonical'],
    ['LOCALHOST', 'http://LOCALHOST/cb', 'host_not_canonical'],
    ['an IPv4 address spelled as a number', 'http://2130706433/cb', 'host_not_canonical'],
    ['an IPv4 address in hexadecimal', 'http://0x7f.0.0.1/cb', 'host_not_canonical'],
    ['a short IPv4 address', 'http://127.1/cb', 'host_not_canonical'],
    ['an IPv4 address with leading zeros', 'http://127.000.000.001/cb', 'host_not_canonical'],
    ['a long IPv6 loopback', 'http://[0:0:0:0:0:0:0:1]/cb', 'host_not_canonical'],
    ['a percent-encoded host', 'https://client%2Eexample/cb', 'host_not_canonical'],
    ['a port with leading zeros', 'https://client.example:0443/cb', 'host_not_canonical'],
    ['a port above 65535', 'https://client.example:65536/cb', 'host_not_canonical'],
    ['an empty port', 'https://client.example:/cb', 'host_not_canonical'],
    ['an upper-case scheme', 'HTTPS://client.example/cb', 'scheme_not_allowed'],
    ['no host', 'https:///cb', 'not_absolute'],
    ['https without //', 'https:client.example/cb', 'not_absolute'],
    ['a relative URI', '/cb', 'not_absolute'],
    ['an empty string', '', 'not_absolute'],
    ['http on a non-loopback host (RFC 9700 section 2.6)', 'http://client.example.com/cb', 'http_not_loopback'],
    ['http on a host that only starts with localhost', 'http://localhost.evil.example/cb', 'http_not_loopback'],
    ['http on a host that only starts with 127.0.0.1', 'http://127.0.0.1.nip.io/cb', 'http_not_loopback'],
    ['a private-use scheme without a dot (RFC 8252 section 7.1)', 'myapp:/cb', 'scheme_not_allowed'],
    ['javascript:', 'javascript:alert(1)', 'scheme_not_allowed'],
    ['data:', 'data:text/html,hi', 'scheme_not_allowed'],
  ])('%s', (_why, uri, code) => {
    const problem = checkRegisteredUri(uri, redirect)
    expect(problem?.code).toBe(code)
    // The message quotes the URI with every control character escaped: safe for logs and terminals.
    expect(problem?.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
  })
})

describe('checkRegisteredUri: kinds', () => {
  it.each<[RegisteredUriKind, string, boolean]>([
    ['post_logout_redirect', 'com.example.app:/logged-out', true],
    ['post_logout_redirect', 'http://127.0.0.1\\@evil.example/', false],
    ['backchannel_logout', 'https://rp.example/logout', true],
    ['backchannel_logout', 'http://127.0.0.1:9000/logout', true],
    ['backchannel_logout', 'com.example.app:/logout', false],
    ['backchannel_logout', 'https://rp.example/logout#x', false],
  ])('%s %s → %s', (kind, uri, accepted) => {
    expect(checkRegisteredUri(uri, { kind }) === undefined).toBe(accepted)
  })
})
