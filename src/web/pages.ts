import type { AnyOAuthError } from '../errors.ts'
import { escapeHtml } from '../internal/html.ts'
import { Response } from './response.ts'

// The pages the core renders itself (the site adapter renders login and consent): the authorization
// endpoint's error page, and the plain pages of flows such as the device verification page.

const STYLE = `body{font-family:system-ui,-apple-system,sans-serif;background:#f4f5f7;color:#111;margin:0;padding:1rem}
main{max-width:26rem;margin:2rem auto;background:#fff;border-radius:8px;padding:1.5rem;box-shadow:0 1px 3px #0003}
h1{font-size:1.3rem;margin-top:0}label{display:block;font-weight:600;margin-top:1rem}
input[type=text]{width:100%;box-sizing:border-box;font-size:1.4rem;letter-spacing:.15em;text-transform:uppercase;padding:.6rem;border:1px solid #555;border-radius:4px}
.error{background:#fde8e8;color:#8a1010;padding:.6rem;border-radius:4px}
button{width:100%;margin-top:1.5rem;font-size:1rem;padding:.7rem;border-radius:4px;border:2px solid #1246a8;background:#1246a8;color:#fff;cursor:pointer}
:focus-visible{outline:3px solid #f5a623;outline-offset:2px}`

/**
 * A self-contained page (inline style, no script) with the anti-framing, no-referrer and no-store headers of
 * `PAGE_HEADERS`: `content` is HTML the caller escaped, `title` is text.
 */
export function simplePage(status: number, title: string, content: string): Response {
  return Response.html(
    status,
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head><body><main>
<h1>${escapeHtml(title)}</h1>
${content}
</main></body></html>`,
  )
}

/** A page that ends the flow or explains why it cannot go on: a title and a sentence, no form. */
export function messagePage(status: number, title: string, text: string): Response {
  return simplePage(status, title, `<p role="status">${escapeHtml(text)}</p>`)
}

/**
 * An error shown to the user instead of being redirected: used while the client or the redirect URI is
 * not validated, so the authorization endpoint never becomes an open redirector (RFC 6749 section
 * 4.1.2.1, RFC 9700 section 4.11).
 */
export function errorPage(error: AnyOAuthError): Response {
  const status = error.status === 401 ? 400 : error.status
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authorization error</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}code{background:#f2f2f2;padding:.1rem .3rem}</style>
</head><body><main><h1>This authorization request cannot be completed</h1>
<p>${escapeHtml(error.description)}</p>
<p>Error code: <code>${escapeHtml(error.error)}</code></p>
<p>Go back to the application you came from and try again.</p></main></body></html>`
  const response = Response.html(status, body)
  if (error.error === 'too_many_requests') response.headers['retry-after'] = String(error.retryAfter)
  return response
}
