/**
 * The one canonical form of resource URIs (RFC 8707 `resource`, RFC 9728 `resource`, the `aud` of access
 * tokens), shared by the authorization server and the resource guards so both compare the same strings.
 *
 * @module
 */

// Visible ASCII only: the URL parser silently drops tabs and newlines and trims spaces, so a value that
// needs any of that is refused rather than quietly turned into another resource.
const VISIBLE_ASCII = /^[\x21-\x7e]+$/

/**
 * The canonical form of a resource URI, or `undefined` when `value` is not one.
 *
 * RFC 8707 section 2: a resource is an absolute URI without a fragment. The canonical form has a lower-case
 * scheme and host, no default port, the URL parser's normalized path, and no trailing slash on a host-only
 * URI — `https://API.example.com/` and `https://api.example.com` are one resource, `https://api.example.com`
 * (the form the MCP specification recommends). A path keeps its trailing slash (`/mcp` and `/mcp/` are two
 * resources). Userinfo is refused: credentials have no place in a resource's name.
 */
export function canonicalResourceUri(value: string): string | undefined {
  if (value.length === 0 || value.length > 2048 || !VISIBLE_ASCII.test(value) || value.includes('#')) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.username !== '' || url.password !== '') return undefined
  // URLs without an authority (urn:, tag:): the parser has lower-cased the scheme, the rest is opaque.
  if (url.host === '' && !value.slice(url.protocol.length).startsWith('//')) return url.href
  // Non-special schemes keep the host's case in the parser; lower-case it here.
  const origin = `${url.protocol}//${url.host.toLowerCase()}`
  const path = url.pathname === '/' && url.search === '' ? '' : url.pathname
  return `${origin}${path}${url.search}`
}

/** Whether two resource URIs name the same resource (both in any form {@link canonicalResourceUri} accepts). */
export function sameResource(a: string, b: string): boolean {
  const left = canonicalResourceUri(a)
  return left !== undefined && left === canonicalResourceUri(b)
}

/**
 * Where a resource's protected resource metadata lives (RFC 9728 section 3.1): the well-known segment
 * inserted between the host and the path, `https://api.example.com/.well-known/oauth-protected-resource/mcp`
 * for `https://api.example.com/mcp`. The resource must be an http(s) URI in canonical form.
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = new URL(resource)
  const path = url.pathname === '/' ? '' : url.pathname
  return `${url.protocol}//${url.host}/.well-known/oauth-protected-resource${path}${url.search}`
}
