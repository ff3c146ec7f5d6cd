/**
 * A small cookie jar for driving the authorization endpoint like a browser over plain `fetch`: keeps the
 * cookies the server sets (a `Max-Age=0` or empty value removes one), sends them back, and follows the
 * login and consent forms.
 */
import { parseSetCookie, request, type RawResult } from './browser.ts'

export class CookieJar {
  readonly #cookies = new Map<string, string>()

  /** The `Cookie` header value, or `undefined` when the jar is empty. */
  get header(): string | undefined {
    if (this.#cookies.size === 0) return undefined
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  /** A cookie's value, if the jar holds it. */
  get(name: string): string | undefined {
    return this.#cookies.get(name)
  }

  /** Sets a cookie by hand (a planted one, in fixation tests). */
  set(name: string, value: string): void {
    this.#cookies.set(name, value)
  }

  delete(name: string): void {
    this.#cookies.delete(name)
  }

  /** Takes the `Set-Cookie` lines of a response. */
  take(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const cookie = parseSetCookie(line)
      if (cookie.value === '' || cookie.attributes.get('max-age') === '0') this.#cookies.delete(cookie.name)
      else this.#cookies.set(cookie.name, cookie.value)
    }
  }

  /** A request with the jar's cookies, taking the cookies of the answer; never follows redirects. */
  async fetch(url: string | URL, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<RawResult> {
    const headers: Record<string, string> = { ...init.headers }
    const cookie = this.header
    if (cookie !== undefined) headers.cookie = cookie
    const result = await request(url, { ...init, headers })
    this.take(result.setCookies)
    return result
  }

  /** Submits the page's form (its CSRF field and action) with `fields`. */
  async submit(page: RawResult, pageUrl: string | URL, fields: Record<string, string>): Promise<RawResult> {
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1]
    const action = /<form method="post" action="([^"]+)"/.exec(page.body)?.[1]
    if (csrf === undefined || action === undefined) throw new Error(`no form on the page (${page.status}): ${page.body.slice(0, 200)}`)
    const body = new URLSearchParams({ csrf_token: unescape(csrf), ...fields })
    return this.fetch(new URL(unescape(action), pageUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
  }
}

function unescape(text: string): string {
  return text.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&')
}

/** The stage a split page shows (`login`, `consent`), or `undefined` when it is not one. */
export function stageOf(page: RawResult): string | undefined {
  return /<p id="stage">(\w+)<\/p>/.exec(page.body)?.[1]
}
