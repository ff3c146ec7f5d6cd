/**
 * Browser-like helpers for the authorization-endpoint tests: open the login/consent page, keep its CSRF
 * cookie and field, submit the form (or a tampered copy of it), and read redirects exactly as sent.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { AuthorizationServer } from 'oauth4webapi'
import { USER, type TestServer } from './test-server.ts'

/** An HTTP answer read in full, without following redirects. */
export interface RawResult {
  readonly status: number
  readonly headers: Headers
  readonly body: string
  /** The `Location` header, if any. */
  readonly location: string | undefined
  /** Every `Set-Cookie` header line. */
  readonly setCookies: readonly string[]
}

/** The login/consent page as a browser keeps it. */
export interface LoginPage extends RawResult {
  /** `name=value` of the CSRF cookie the page set (what the browser sends back), or `''`. */
  readonly cookie: string
  /** The hidden CSRF field's value. */
  readonly csrfToken: string
  /** The form's action, resolved against the page URL. */
  readonly action: URL
}

/** The oauth4webapi view of a test server (RFC 8414 metadata, RFC 9207 iss support). */
export function authorizationServer(server: Pick<TestServer, 'issuer' | 'url'>, authorizePath = '/authorize'): AuthorizationServer {
  return {
    issuer: server.issuer,
    authorization_endpoint: `${server.url}${authorizePath}`,
    token_endpoint: `${server.url}/token`,
    authorization_response_iss_parameter_supported: true,
  }
}

/** The path of the authorization endpoint under `base`, with its mount prefix (`/authorize`, `/oauth/authorize`). */
export function authorizePath(base: string, path = '/authorize'): string {
  return `${new URL(base).pathname.replace(/\/$/, '')}${path}`
}

/** The authorization URL of `server` with these query parameters (in order, repeats allowed). */
export function authorizeUrl(
  base: string,
  params: Record<string, string> | readonly (readonly [string, string])[],
  path = '/authorize',
): string {
  // `base` may carry a mount prefix (e.g. http://127.0.0.1:1234/oauth): append, never resolve.
  const url = new URL(`${base.replace(/\/$/, '')}${path}`)
  const entries: readonly (readonly [string, string])[] = isPairList(params) ? params : Object.entries(params)
  const search = new URLSearchParams()
  for (const [name, value] of entries) search.append(name, value)
  url.search = search.toString()
  return url.toString()
}

function isPairList(
  params: Record<string, string> | readonly (readonly [string, string])[],
): params is readonly (readonly [string, string])[] {
  return Array.isArray(params)
}

/** GET or any method, never following redirects; reads the whole body. */
export async function request(url: string | URL, init: RequestInit = {}): Promise<RawResult> {
  const response = await fetch(url, { ...init, redirect: 'manual' })
  const body = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body,
    location: response.headers.get('location') ?? undefined,
    setCookies: response.headers.getSetCookie(),
  }
}

/** Opens an authorization URL and reads the login page's cookie, CSRF field and form action. */
export async function openLoginPage(url: string, cookie?: string): Promise<LoginPage> {
  const page = await request(url, cookie === undefined ? {} : { headers: { cookie } })
  if (page.status !== 200) throw new Error(`expected the login page, got ${page.status}: ${page.body.slice(0, 200)}`)
  const csrfToken = /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1]
  const action = /<form method="post" action="([^"]+)"/.exec(page.body)?.[1]
  if (csrfToken === undefined || action === undefined) throw new Error('login page without form or CSRF field')
  const setCookie = page.setCookies.find((line) => line.startsWith('oauth2_csrf='))
  return {
    ...page,
    cookie: setCookie === undefined ? (cookie ?? '') : (setCookie.split(';')[0] ?? ''),
    csrfToken: unescapeHtml(csrfToken),
    action: new URL(unescapeHtml(action), url),
  }
}

/** What a form submission carries; `undefined` leaves a field (or the cookie) out. */
export interface FormSubmission {
  readonly action?: 'approve' | 'deny' | undefined
  readonly username?: string | undefined
  readonly password?: string | undefined
  /** Defaults to the page's token; `null` sends no csrf_token field. */
  readonly csrfToken?: string | null
  /** Defaults to the page's cookie; `null` sends no cookie. */
  readonly cookie?: string | null
  /** Defaults to the page's form action. */
  readonly target?: string | URL
}

/** Submits the login form as the browser would, with optional tampering. */
export async function submitForm(page: LoginPage, submission: FormSubmission = { action: 'approve', ...USER }): Promise<RawResult> {
  const body = new URLSearchParams()
  const token = submission.csrfToken === undefined ? page.csrfToken : submission.csrfToken
  if (token !== null) body.set('csrf_token', token)
  if (submission.action !== undefined) body.set('action', submission.action)
  if (submission.username !== undefined) body.set('username', submission.username)
  if (submission.password !== undefined) body.set('password', submission.password)
  const cookie = submission.cookie === undefined ? page.cookie : submission.cookie
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (cookie !== null && cookie !== '') headers.cookie = cookie
  return request(submission.target ?? page.action, { method: 'POST', headers, body })
}

/** Response parameters of a redirect: the fragment when there is one, else the query. */
export function redirectParams(location: string): URLSearchParams {
  const url = new URL(location)
  return new URLSearchParams(url.hash.length > 1 ? url.hash.slice(1) : url.search)
}

/**
 * The response parameters of a redirect to `redirectUri`: throws unless `location` is exactly
 * `redirectUri` followed by `?` (or `&` when it has a query) for the query mode, or `#` for the fragment
 * mode (RFC 6749 section 3.1.2, 4.1.2 and 4.2.2).
 */
export function responseParams(location: string | undefined, redirectUri: string, mode: 'query' | 'fragment' = 'query'): URLSearchParams {
  const separator = mode === 'fragment' ? '#' : redirectUri.includes('?') ? '&' : '?'
  const prefix = `${redirectUri}${separator}`
  if (location === undefined || !location.startsWith(prefix)) {
    throw new Error(`expected a redirect to ${prefix}…, got ${String(location)}`)
  }
  const rest = location.slice(prefix.length)
  if (mode === 'query' && rest.includes('#')) throw new Error(`unexpected fragment in ${location}`)
  return new URLSearchParams(rest)
}

/** A PKCE verifier and its S256 challenge (RFC 7636 section 4.1 and 4.2). */
export function pkcePair(): { readonly verifier: string; readonly challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

/** Decodes the five entities `escapeHtml` produces. */
export function unescapeHtml(text: string): string {
  return text.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&')
}

/** The anti-framing / no-referrer / no-store headers every authorization page must carry (RFC 9700 section 4.16). */
export function protectedPageHeaders(headers: Headers): Record<string, string | null> {
  return {
    'x-frame-options': headers.get('x-frame-options'),
    'frame-ancestors': /frame-ancestors 'none'/.exec(headers.get('content-security-policy') ?? '')?.[0] ?? null,
    'referrer-policy': headers.get('referrer-policy'),
    'cache-control': headers.get('cache-control'),
  }
}

/** What {@link protectedPageHeaders} must return. */
export const PROTECTED_PAGE_HEADERS = {
  'x-frame-options': 'DENY',
  'frame-ancestors': "frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const

/** A parsed `Set-Cookie` line: name, value and attributes (names lower-cased; flag attributes map to `''`). */
export interface SetCookie {
  readonly name: string
  readonly value: string
  readonly attributes: ReadonlyMap<string, string>
}

export function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...rest] = line.split(';')
  const equals = pair.indexOf('=')
  const attributes = new Map<string, string>()
  for (const part of rest) {
    const at = part.indexOf('=')
    const name = (at === -1 ? part : part.slice(0, at)).trim().toLowerCase()
    attributes.set(name, at === -1 ? '' : part.slice(at + 1).trim())
  }
  return { name: pair.slice(0, equals).trim(), value: pair.slice(equals + 1).trim(), attributes }
}

/** Whether a cookie with this Path is sent with requests to `requestPath` (RFC 6265 section 5.1.4). */
export function cookiePathCovers(cookiePath: string | undefined, requestPath: string): boolean {
  if (cookiePath === undefined || !cookiePath.startsWith('/')) return false
  if (cookiePath === requestPath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}

/** Types a code into the verification page's form. */
export function enterCode(page: LoginPage, userCode: string, cookie = page.cookie): Promise<RawResult> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (cookie !== '') headers.cookie = cookie
  return request(page.action, { method: 'POST', headers, body: new URLSearchParams({ csrf_token: page.csrfToken, user_code: userCode }) })
}

/** The login/consent form on a page answered to a POST, for {@link submitForm}. */
export function formOf(result: RawResult, from: LoginPage): LoginPage {
  const csrfToken = /name="csrf_token" value="([^"]+)"/.exec(result.body)?.[1]
  const action = /<form method="post" action="([^"]+)"/.exec(result.body)?.[1]
  if (csrfToken === undefined || action === undefined)
    throw new Error(`no form on the page (${result.status}): ${result.body.slice(0, 300)}`)
  return { ...result, cookie: from.cookie, csrfToken: unescapeHtml(csrfToken), action: new URL(unescapeHtml(action), from.action) }
}
