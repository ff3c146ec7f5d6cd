/**
 * How long a fetched document may be kept, from its `Cache-Control` header (RFC 9111 section 5.2.2),
 * within bounds the server sets: a client's document cannot make the server keep it forever, nor make it
 * fetch on every request.
 *
 * @module
 */

/** The bounds of {@link freshnessSeconds}, in seconds. */
export interface FreshnessBounds {
  /** The shortest time a cacheable document is kept (a smaller `max-age` is raised to it). */
  readonly minSeconds: number
  /** The longest time any document is kept. */
  readonly maxSeconds: number
  /** How long a document without `max-age` is kept. */
  readonly defaultSeconds: number
}

const DIRECTIVE = /^\s*([a-z-]+)\s*(?:=\s*"?([^",]*)"?)?\s*$/i

/**
 * Seconds to keep a document, or 0 when it must not be kept: `no-store`, `no-cache` or `max-age=0`
 * (RFC 9111 sections 5.2.2.4, 5.2.2.5, 5.2.2.1). Otherwise `max-age` clamped to the bounds, or
 * `defaultSeconds` without one. `Expires` is not read: `max-age` is what documents of today send.
 * For example `public, max-age=30` with a 60 s minimum gives 60.
 */
export function freshnessSeconds(cacheControl: string | undefined, bounds: FreshnessBounds): number {
  let maxAge: number | undefined
  for (const part of (cacheControl ?? '').split(',')) {
    if (part.trim() === '') continue
    const match = DIRECTIVE.exec(part)
    if (match === null) continue
    const name = (match[1] as string).toLowerCase()
    if (name === 'no-store' || name === 'no-cache') return 0
    if (name === 'max-age') {
      // RFC 9111 section 1.2.2: delta-seconds is digits; anything else is invalid, so not fresh.
      const value = match[2] ?? ''
      maxAge = /^\d+$/.test(value) ? Number(value) : 0
    }
  }
  if (maxAge === undefined) return Math.min(bounds.defaultSeconds, bounds.maxSeconds)
  if (maxAge === 0) return 0
  return Math.min(Math.max(maxAge, bounds.minSeconds), bounds.maxSeconds)
}
