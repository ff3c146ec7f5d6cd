/** Headers that every response carrying a token, a code or an OAuth error must have (RFC 6749 section 5.1). */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  pragma: 'no-cache',
})

/**
 * Headers for the self-contained HTML pages oauth2-stack itself serves (error pages, the demo's login):
 * no framing (RFC 9700 section 4.16, clickjacking), no referrer (the page's URL carries the authorization
 * request), no caching, and a CSP that allows nothing external. No `form-action`: browsers apply it to the
 * redirect that follows the consent POST, which goes to the client.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
})

/**
 * Headers for public JSON documents (RFC 8414 metadata, the JWKS): cacheable for five minutes and readable
 * from any origin, since browser-based clients fetch them too.
 */
export const PUBLIC_JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  'cache-control': 'public, max-age=300',
  'access-control-allow-origin': '*',
})

/**
 * What the controller answers (the seed's `oauth2.web.Response`): a status, headers with lower-case names,
 * and a text body. Adapters write it to their framework as it is.
 */
export class Response {
  /** HTTP status code. */
  statusCode: number
  /** Response headers, names in lower case. */
  headers: Record<string, string>
  /** The body text. */
  body: string
  /**
   * `Set-Cookie` values, one per cookie (a header map holds one value per name, cookies need several).
   * Adapters send them together with any `set-cookie` in {@link Response.headers}.
   */
  readonly cookies: string[] = []

  constructor(statusCode = 200, headers: Record<string, string> = {}, body = '') {
    this.statusCode = statusCode
    this.headers = headers
    this.body = body
  }

  /** Adds a `Set-Cookie` value and returns this response. */
  addCookie(value: string): this {
    this.cookies.push(value)
    return this
  }

  /** Every `Set-Cookie` value: the one in `headers` (if a site adapter set it there) and {@link Response.cookies}. */
  get setCookies(): string[] {
    const inHeaders = this.headers['set-cookie']
    return inHeaders === undefined ? this.cookies : [inHeaders, ...this.cookies]
  }

  /** A JSON response that must not be cached (token and error responses). */
  static json(statusCode: number, value: unknown, headers?: Readonly<Record<string, string>>): Response {
    // A literal (one shape for every JSON response) rather than spreads: this is on every token request.
    const all: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' }
    if (headers !== undefined) Object.assign(all, headers)
    return new Response(statusCode, all, JSON.stringify(value))
  }

  /** A redirect that must not be cached. Use 303 after a POST so the browser does not re-post (RFC 9700 section 4.12). */
  static redirect(location: string, statusCode: 302 | 303 = 302): Response {
    return new Response(statusCode, { location, ...NO_STORE_HEADERS }, '')
  }

  /** An HTML page with the anti-framing, no-referrer and no-store headers of {@link PAGE_HEADERS}. */
  static html(statusCode: number, body: string): Response {
    return new Response(statusCode, { ...PAGE_HEADERS }, body)
  }

  /** Sets a header (name lower-cased) and returns this response. */
  setHeader(name: string, value: string): this {
    this.headers[name.toLowerCase()] = value
    return this
  }
}

/**
 * Adds what every authorization page needs to a page the site adapter rendered, keeping the host's own
 * headers: anti-framing (RFC 9700 section 4.16), no referrer, no caching.
 */
export function protectPage(response: Response): Response {
  const headers = response.headers
  headers['x-frame-options'] = 'DENY'
  const csp = headers['content-security-policy']
  if (csp === undefined) headers['content-security-policy'] = "frame-ancestors 'none'"
  else if (!/frame-ancestors/i.test(csp)) headers['content-security-policy'] = `${csp}; frame-ancestors 'none'`
  headers['referrer-policy'] = 'no-referrer'
  headers['cache-control'] = 'no-store'
  headers.pragma = 'no-cache'
  if (response.body.length > 0) headers['content-type'] ??= 'text/html; charset=utf-8'
  return response
}
