/**
 * Redirect-URI rules: registration (what may be registered) and matching (which registered URI a request
 * names).
 *
 * RFC 9700 section 2.1: redirect URIs are compared by exact string matching, except for the port of a
 * loopback IP redirect URI of a native app (RFC 8252 section 7.3). No wildcards, no prefixes.
 *
 * @module
 */

import { ConfigurationError } from '../errors.ts'
import { checkRegisteredUri } from './registered-uri.ts'

/**
 * Throws a `TypeError` when `uri` may not be registered as a redirect URI: {@link checkRegisteredUri} with
 * kind `redirect` (absolute, RFC 3986 characters only, no userinfo, no fragment (RFC 6749 section 3.1.2),
 * a canonical host, `https` — or `http` only on a loopback host (RFC 9700 section 2.6) — or a private-use
 * scheme with a dot, as native apps use (RFC 8252 section 7.1)).
 */
export function assertRegistrableRedirectUri(uri: string): void {
  const problem = checkRegisteredUri(uri, { kind: 'redirect' })
  if (problem !== undefined) throw new ConfigurationError(`redirect ${problem.message}`)
}

/**
 * Finds the registered redirect URI a request names.
 *
 * - `presented` given: it must equal a registered URI exactly; for an `http` loopback redirect URI
 *   (127.0.0.1, [::1] or localhost) the port may differ (RFC 8252 section 7.3, which native apps need
 *   since they listen on an ephemeral port). Returns the presented URI.
 * - `presented` omitted: allowed only when exactly one URI is registered (RFC 6749 section 3.1.2.3).
 *
 * Returns `undefined` when nothing matches.
 */
export function matchRedirectUri(registered: readonly string[], presented: string | undefined): string | undefined {
  if (presented === undefined) return registered.length === 1 ? registered[0] : undefined
  if (registered.includes(presented)) return presented
  for (const candidate of registered) {
    if (sameExceptLoopbackPort(candidate, presented)) return presented
  }
  return undefined
}

// http://<loopback host>[:port]<rest>, compared as text: only the port may differ, nothing is normalized.
const LOOPBACK_URI = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(?::\d{1,5})?([/?].*)?$/

function sameExceptLoopbackPort(registered: string, presented: string): boolean {
  const a = LOOPBACK_URI.exec(registered)
  const b = LOOPBACK_URI.exec(presented)
  if (a === null || b === null) return false
  const port = /^http:\/\/[^/?]*:(\d+)/.exec(presented)?.[1]
  if (port !== undefined && Number(port) > 65535) return false
  return a[1] === b[1] && (a[2] ?? '') === (b[2] ?? '') && !presented.includes('#')
}

/**
 * Appends response parameters to a redirect URI, keeping its own query (RFC 6749 section 3.1.2), in the
 * query (`code` flow) or in the fragment (implicit flow).
 */
export function buildRedirect(
  redirectUri: string,
  params: Readonly<Record<string, string | undefined>>,
  mode: 'query' | 'fragment',
): string {
  const encoded = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) if (value !== undefined) encoded.append(name, value)
  const text = encoded.toString()
  if (mode === 'fragment') return `${redirectUri}#${text}`
  return `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${text}`
}
