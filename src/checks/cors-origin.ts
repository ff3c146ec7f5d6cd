/**
 * The rule for a browser origin a client registers in `allowedCorsOrigins`: an origin as a browser sends
 * it in the `Origin` header, and nothing more.
 *
 * @module
 */
import { checkRegisteredUri } from './registered-uri.ts'

/**
 * What is wrong with `origin` as a registered CORS origin, as a sentence, or `undefined` when it may be
 * registered. An origin is a scheme, a host and an optional port (RFC 6454 section 6.2), serialized as the
 * browser sends it: `https://app.example` or `https://app.example:8443` — https, or http on a loopback
 * host (the rule of {@link checkRegisteredUri} for web pages); no path (not even `/`), query, fragment or
 * user name; the host in canonical form; no default port. It is compared with the `Origin` header as an
 * exact string (RFC 6454 section 7), so only the one spelling a browser sends is accepted.
 *
 * `https://app.example` passes; `https://app.example/`, `https://app.example:443` and `*` do not.
 */
export function checkCorsOrigin(origin: string): string | undefined {
  const quoted = JSON.stringify(origin)
  const problem = checkRegisteredUri(origin, { kind: 'client_page' })
  if (problem !== undefined) return `${quoted} is not an origin: ${problem.message}`
  // Every other problem is one of shape: a path, query or fragment, or a default port the browser leaves out.
  if (new URL(origin).origin !== origin) {
    return `${quoted} is not an origin: scheme://host[:port] only, as a browser sends it; no path (not even "/"), query or default port (RFC 6454 section 6.2)`
  }
  return undefined
}
