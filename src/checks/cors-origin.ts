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
 * exact string (Fetch Standard, section 3.2.5), so only the one spelling a browser sends is accepted.
 *
 * @example
 * ```ts
 * checkCorsOrigin('https://app.example') // undefined
 * checkCorsOrigin('https://app.example/') // 'origin "https://app.example/" must be scheme://host[:port] only, …'
 * ```
 */
export function checkCorsOrigin(origin: string): string | undefined {
  const problem = checkRegisteredUri(origin, { kind: 'client_page' })
  if (problem !== undefined) return `origin ${problem.message}`
  // Every other problem is one of shape: a path, query or fragment, or a default port the browser leaves out.
  if (new URL(origin).origin !== origin) {
    return `origin ${JSON.stringify(origin)} must be scheme://host[:port] only, as a browser sends it: no path (not even "/"), no query, no default port (RFC 6454 section 6.2)`
  }
  return undefined
}
