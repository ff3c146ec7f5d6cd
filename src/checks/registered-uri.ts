/**
 * The one rule for every URI a client registers: redirect URIs now; post-logout redirect URIs, back-channel
 * logout URIs and the URIs of registration requests and client metadata documents as they arrive.
 *
 * The URI is checked as the raw string that will be stored and compared, not as one parser reads it: a
 * string that parsers disagree about (`http://127.0.0.1\@evil.example/cb` is loopback to the WHATWG parser
 * and `evil.example` to others) is refused, so what is stored means one thing to everyone. Comparison
 * at the authorization endpoint stays exact string matching (RFC 9700 section 2.1).
 *
 * @module
 */

/** Which kind of URI is registered; the kinds differ only in the schemes they allow. */
export type RegisteredUriKind =
  /** `redirect_uris` (RFC 6749 section 3.1.2): https, http on loopback, or a private-use scheme (RFC 8252 section 7.1). */
  | 'redirect'
  /** `post_logout_redirect_uris` (OpenID Connect RP-Initiated Logout): the redirect rules. */
  | 'post_logout_redirect'
  /** `backchannel_logout_uri` (OpenID Connect Back-Channel Logout): https, or http on loopback; no private-use scheme. */
  | 'backchannel_logout'
  /**
   * A web page about the client that a registration names (RFC 7591 section 2: `client_uri`, `logo_uri`,
   * `tos_uri`, `policy_uri`), shown or linked on the consent page: https, or http on loopback.
   */
  | 'client_page'

/** Why a URI may not be registered. */
export type RegisteredUriProblemCode =
  /** Not an absolute URI with a scheme, or (http/https) no `//` authority with a host. */
  | 'not_absolute'
  /** A backslash, a space, a control character or any other character RFC 3986 does not allow in a URI. */
  | 'forbidden_character'
  /** A `%` not followed by two hexadecimal digits (RFC 3986 section 2.1). */
  | 'bad_percent_encoding'
  /** `user:password@` in the authority (RFC 9700 section 4.1.3: parsers disagree about it). */
  | 'userinfo'
  /** A fragment (RFC 6749 section 3.1.2). */
  | 'fragment'
  /** A host or port not in canonical form: upper case, Unicode instead of punycode (IDNA), another IP spelling, a port with leading zeros. */
  | 'host_not_canonical'
  /** A scheme this kind of URI may not use. */
  | 'scheme_not_allowed'
  /** `http` on a host that is not 127.0.0.1, [::1] or localhost (RFC 9700 section 2.6, RFC 8252 section 8.3). */
  | 'http_not_loopback'

/** A URI refused by {@link checkRegisteredUri}: a code to act on and a sentence naming the URI. */
export interface RegisteredUriProblem {
  readonly code: RegisteredUriProblemCode
  /** For people: what is wrong, with the URI quoted (control characters escaped). */
  readonly message: string
}

/** Options of {@link checkRegisteredUri}. */
export interface RegisteredUriOptions {
  readonly kind: RegisteredUriKind
}

/** The hosts on which `http` is allowed (RFC 8252 sections 7.3 and 8.3), in the only spelling accepted. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])
// RFC 3986 section 2: unreserved, reserved and '%' (checked separately). Nothing else: no '\', space,
// control character, '"', '<', '>', '^', '`', '{', '|', '}' or non-ASCII character.
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/
// RFC 3986 section 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); lower case is canonical.
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/
// A DNS name in its ASCII (IDNA, punycode) form, lower case; or an IPv6 literal.
const ASCII_HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])$/
const PORT = /^(?:0|[1-9][0-9]{0,4})$/

/**
 * Checks a URI a client registers and returns what is wrong with it, or `undefined` when it may be
 * registered. Refused: anything but RFC 3986 characters (backslashes, spaces, control characters,
 * non-ASCII), bad %-encoding, userinfo, fragments, hosts not in canonical IDNA form (ASCII, punycode,
 * lower case, the one spelling of an IP address that the WHATWG parser would print), a scheme the kind
 * does not allow, and `http` anywhere but on 127.0.0.1, [::1] or localhost.
 *
 * @example
 * ```ts
 * import { checkRegisteredUri } from 'oauth2-stack/store'
 *
 * checkRegisteredUri('http://127.0.0.1\\@evil.example/cb', { kind: 'redirect' })?.code // 'forbidden_character'
 * ```
 */
export function checkRegisteredUri(uri: string, options: RegisteredUriOptions): RegisteredUriProblem | undefined {
  const quoted = quote(uri)
  const problem = (code: RegisteredUriProblemCode, why: string): RegisteredUriProblem => ({ code, message: `URI ${quoted} ${why}` })
  if (typeof uri !== 'string' || uri === '') return problem('not_absolute', 'is not an absolute URI')
  if (!URI_CHARACTERS.test(uri)) {
    return problem(
      'forbidden_character',
      'has a character a URI may not contain (a backslash, space, control or non-ASCII character); percent-encode it (RFC 3986 section 2)',
    )
  }
  if (BAD_PERCENT.test(uri))
    return problem('bad_percent_encoding', 'has a "%" not followed by two hexadecimal digits (RFC 3986 section 2.1)')
  // RFC 6749 section 3.1.2: the redirection endpoint URI MUST NOT include a fragment component.
  if (uri.includes('#')) return problem('fragment', 'must not have a fragment (RFC 6749 section 3.1.2)')
  const scheme = SCHEME.exec(uri)?.[1]
  if (scheme === undefined) return problem('not_absolute', 'is not an absolute URI')
  if (scheme !== scheme.toLowerCase()) return problem('scheme_not_allowed', 'must have a lower-case scheme')
  const rest = uri.slice(scheme.length + 1)
  const web = scheme === 'http' || scheme === 'https'
  if (web && !rest.startsWith('//')) return problem('not_absolute', 'must have an authority (scheme://host/…)')
  let url: URL | undefined
  try {
    url = new URL(uri)
  } catch {
    url = undefined
  }
  if (rest.startsWith('//')) {
    const authority = /^\/\/([^/?]*)/.exec(rest)?.[1] ?? ''
    const found = authorityProblem(authority, url?.hostname, web)
    if (found !== undefined) return problem(found[0], found[1])
  }
  if (url === undefined) return problem('not_absolute', 'is not an absolute URI')
  if (scheme === 'https') return undefined
  if (scheme === 'http') {
    // RFC 9700 section 2.6 / RFC 8252 section 8.3: http only for loopback redirects.
    if (LOOPBACK_HOSTS.has(url.hostname)) return undefined
    return problem(
      'http_not_loopback',
      'uses http on a host that is not loopback; use https, or http on 127.0.0.1, [::1] or localhost (RFC 9700 section 2.6)',
    )
  }
  // RFC 8252 section 7.1: private-use URI schemes are reverse domain names, so they have a dot.
  const webOnly = options.kind === 'backchannel_logout' || options.kind === 'client_page'
  if (!webOnly && scheme.includes('.')) return undefined
  return problem(
    'scheme_not_allowed',
    webOnly
      ? 'must use https, or http on loopback'
      : 'must use https, http on loopback, or a private-use scheme such as com.example.app (RFC 8252 section 7.1)',
  )
}

/** What is wrong with an authority (`host[:port]`), as a code and a reason, or `undefined`. */
function authorityProblem(authority: string, hostname: string | undefined, web: boolean): [RegisteredUriProblemCode, string] | undefined {
  // RFC 9700 section 4.1.3: userinfo is where parsers disagree; it has no place in a registered URI.
  if (authority.includes('@')) return ['userinfo', 'must not carry a user name or password']
  const portAt = authority.startsWith('[') ? authority.indexOf(':', authority.indexOf(']')) : authority.indexOf(':')
  const host = portAt === -1 ? authority : authority.slice(0, portAt)
  const port = portAt === -1 ? undefined : authority.slice(portAt + 1)
  if (host === '') return web ? ['not_absolute', 'must name a host'] : undefined
  if (port !== undefined && (!PORT.test(port) || Number(port) > 65535))
    return ['host_not_canonical', 'has a port that is not a number from 0 to 65535 without leading zeros']
  // The host must already be what the WHATWG parser (IDNA ToASCII, IP canonicalization) makes of it.
  if (!ASCII_HOST.test(host) || (web && hostname !== undefined && host !== hostname)) {
    return [
      'host_not_canonical',
      'has a host that is not in canonical form: lower-case ASCII (punycode for international names) and the usual spelling of an IP address',
    ]
  }
  return undefined
}

/** A URI in quotes for a message, control and non-ASCII characters escaped so it prints safely. */
function quote(uri: unknown): string {
  return typeof uri === 'string'
    ? JSON.stringify(uri).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : String(uri)
}
