import { createHmac, randomBytes, timingSafeEqual } from '../internal/crypto.ts'
import type { ServerKey } from './server-key.ts'
import type { RecordStore } from '../stores/types.ts'
import { constantTimeEqual, hashToken } from '../tokens/hash.ts'
import type { Request } from './request.ts'

/** Name of the form field that carries the anti-CSRF token. */
export const CSRF_FIELD = 'csrf_token'
/** 32 bytes, base64url: a 16-byte nonce and its 16-byte MAC (a cookie the server issued). */
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/
/** `issuedAt.random.MAC`. */
const TOKEN_VALUE = /^(\d{1,15})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/
/** How long a token and the cookie live, in seconds. */
const LIFETIME = 3600
/** RecordStore kind of spent tokens. */
const SPENT = 'csrf_spent'

/** The anti-CSRF state of one page render: the token for the form and the cookie to set, if any. */
export interface CsrfIssue {
  readonly token: string
  readonly setCookie: string | undefined
}

/** What the guard keeps its state with. */
export interface CsrfGuardOptions {
  /** The server-held MAC key (shared by every process through the record store). */
  readonly key: ServerKey
  /** Where spent tokens are remembered until they expire. */
  readonly records: RecordStore
  /** Now, in epoch seconds. */
  readonly now: () => number
}

/**
 * Anti-CSRF protection of the login/consent POST (RFC 9700 section 4.7 and 4.16): an HttpOnly,
 * SameSite=Strict cookie holding a random nonce and its MAC (128 bits each) and, per page render, a form token `issuedAt.random.MAC`
 * over the cookie's nonce and what the form decides (the authorization request, or the device user
 * code). Both MACs are under a server-held key, so only cookies and tokens the server issued are
 * accepted and nobody can mint a token offline. A token lives an hour and is spent by its first POST
 * (`consumeOnce`), so a cookie/token pair cannot be replayed after the decision; a page rendered again
 * (after a wrong password) carries a fresh token. The cookie is cleared once the user has decided.
 *
 * On an https issuer the cookie is `__Host-oauth2_csrf` (Secure, Path=/, no Domain), which neither a
 * sibling subdomain nor a network attacker on http can plant; only the http loopback issuers of
 * development use a plain `oauth2_csrf` cookie.
 */
export class CsrfGuard {
  readonly #cookie: string
  readonly #cookieAttributes: string
  readonly #options: CsrfGuardOptions

  constructor(secure: boolean, options: CsrfGuardOptions) {
    this.#cookie = secure ? '__Host-oauth2_csrf' : 'oauth2_csrf'
    // Path=/ because the controller may be mounted under any prefix.
    this.#cookieAttributes = `; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
    this.#options = options
  }

  /** A fresh token for a page about to be rendered, reusing the browser's cookie when the server issued it. */
  async issue(request: Request, binding: string): Promise<CsrfIssue> {
    const key = await this.#options.key.get()
    let nonce = this.#nonce(request, key)
    let setCookie: string | undefined
    if (nonce === undefined) {
      const raw = randomBytes(16)
      nonce = raw.toString('base64url')
      const value = Buffer.concat([raw, cookieMac(key, nonce)]).toString('base64url')
      setCookie = `${this.#cookie}=${value}${this.#cookieAttributes}; Max-Age=${LIFETIME}`
    }
    const issuedAt = String(this.#options.now())
    const random = randomBytes(16).toString('base64url')
    return { token: `${issuedAt}.${random}.${mac(key, tokenInput(nonce, issuedAt, random, binding))}`, setCookie }
  }

  /**
   * Whether a POST carries a token this server issued for this browser and this decision, within its
   * lifetime and not spent before; a token that passes is spent now (single-use).
   */
  async verify(request: Request, binding: string): Promise<boolean> {
    const token = request.postParam(CSRF_FIELD)
    const parts = token === undefined ? null : TOKEN_VALUE.exec(token)
    if (token === undefined || parts === null) return false
    const [, issuedAt = '', random = '', presented = ''] = parts
    const age = this.#options.now() - Number(issuedAt)
    if (age < -60 || age > LIFETIME) return false
    const key = await this.#options.key.get()
    const nonce = this.#nonce(request, key)
    if (nonce === undefined || !constantTimeEqual(mac(key, tokenInput(nonce, issuedAt, random, binding)), presented)) return false
    return this.#options.records.consumeOnce(SPENT, hashToken(token), Number(issuedAt) + LIFETIME + 60)
  }

  /** The `Set-Cookie` value that ends the cookie once the user has decided. */
  get clearCookie(): string {
    return `${this.#cookie}=${this.#cookieAttributes}; Max-Age=0`
  }

  /** The nonce of the browser's cookie, when the server issued it. */
  #nonce(request: Request, key: Buffer): string | undefined {
    const value = request.cookie(this.#cookie)
    if (value === undefined || !COOKIE_VALUE.test(value)) return undefined
    const raw = Buffer.from(value, 'base64url')
    const nonce = raw.subarray(0, 16).toString('base64url')
    return timingSafeEqual(cookieMac(key, nonce), raw.subarray(16)) ? nonce : undefined
  }
}

/** The cookie's MAC: HMAC-SHA-256 cut to 128 bits, so nonce and MAC fit the 43 characters of a cookie value. */
function cookieMac(key: Buffer, nonce: string): Buffer {
  return createHmac('sha256', key).update(`cookie\0${nonce}`).digest().subarray(0, 16)
}

function tokenInput(nonce: string, issuedAt: string, random: string, binding: string): string {
  return `token\0${nonce}\0${issuedAt}\0${random}\0${binding}`
}

function mac(key: Buffer, input: string): string {
  return createHmac('sha256', key).update(input).digest('base64url')
}
