import { createHmac, randomBytes } from 'node:crypto'
import { constantTimeEqual } from '../tokens/hash.ts'
import type { Request } from './request.ts'

/** Name of the form field that carries the anti-CSRF token. */
export const CSRF_FIELD = 'csrf_token'
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/

/** The anti-CSRF state of one page render: the token for the form and the cookie to set, if any. */
export interface CsrfIssue {
  readonly token: string
  readonly setCookie: string | undefined
}

/**
 * Anti-CSRF protection of the login/consent POST (RFC 9700 section 4.7 and 4.16): a random cookie
 * (HttpOnly, SameSite=Strict) and a form token that is an HMAC of the authorization request made with the
 * cookie as key. A forged cross-site POST has neither; a token lifted from one request does not fit
 * another. The cookie is cleared once the user has decided, so each decision is made once.
 *
 * On an https issuer the cookie is `__Host-oauth2_csrf` (Secure, Path=/, no Domain), which neither a
 * sibling subdomain nor a network attacker on http can plant; only the http loopback issuers of
 * development use a plain `oauth2_csrf` cookie.
 */
export class CsrfGuard {
  readonly #cookie: string
  readonly #cookieAttributes: string

  constructor(secure: boolean) {
    this.#cookie = secure ? '__Host-oauth2_csrf' : 'oauth2_csrf'
    // Path=/ because the controller may be mounted under any prefix.
    this.#cookieAttributes = `; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
  }

  /** The token for a page about to be rendered, reusing the browser's cookie when it has one. */
  issue(request: Request, binding: string): CsrfIssue {
    const existing = request.cookie(this.#cookie)
    if (existing !== undefined && COOKIE_VALUE.test(existing)) {
      return { token: sign(existing, binding), setCookie: undefined }
    }
    const secret = randomBytes(32).toString('base64url')
    return { token: sign(secret, binding), setCookie: `${this.#cookie}=${secret}${this.#cookieAttributes}; Max-Age=3600` }
  }

  /** Whether a POST carries a token made for this browser and this authorization request. */
  verify(request: Request, binding: string): boolean {
    const secret = request.cookie(this.#cookie)
    const token = request.postParam(CSRF_FIELD)
    if (secret === undefined || token === undefined || !COOKIE_VALUE.test(secret)) return false
    return constantTimeEqual(sign(secret, binding), token)
  }

  /** The `Set-Cookie` value that ends the token once the user has decided. */
  get clearCookie(): string {
    return `${this.#cookie}=${this.#cookieAttributes}; Max-Age=0`
  }
}

function sign(secret: string, binding: string): string {
  return createHmac('sha256', secret).update(binding).digest('base64url')
}
