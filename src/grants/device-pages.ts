import { escapeHtml } from '../internal/html.ts'
import { Response } from '../web/response.ts'

/** What the page asking for the user code shows. */
export interface EntryPageModel {
  /** Where the form posts to (the verification page itself). */
  readonly action: string
  /** The ready-made hidden CSRF field. */
  readonly csrfInput: string
  /** The code to put in the field (from `?user_code=` or the last attempt). */
  readonly userCode: string
  /** An error to show above the form. */
  readonly error: string | undefined
  /** The code's length without dashes, for the field's hint. */
  readonly codeLength: number
}

const STYLE = `body{font-family:system-ui,-apple-system,sans-serif;background:#f4f5f7;color:#111;margin:0;padding:1rem}
main{max-width:26rem;margin:2rem auto;background:#fff;border-radius:8px;padding:1.5rem;box-shadow:0 1px 3px #0003}
h1{font-size:1.3rem;margin-top:0}label{display:block;font-weight:600;margin-top:1rem}
input[type=text]{width:100%;box-sizing:border-box;font-size:1.4rem;letter-spacing:.15em;text-transform:uppercase;padding:.6rem;border:1px solid #555;border-radius:4px}
.error{background:#fde8e8;color:#8a1010;padding:.6rem;border-radius:4px}
button{width:100%;margin-top:1.5rem;font-size:1rem;padding:.7rem;border-radius:4px;border:2px solid #1246a8;background:#1246a8;color:#fff;cursor:pointer}
:focus-visible{outline:3px solid #f5a623;outline-offset:2px}`

function page(status: number, title: string, content: string): Response {
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

/**
 * The page where the user types the code shown on the device (RFC 8628 section 3.3). Self-contained HTML
 * with the anti-framing, no-referrer and no-store headers of `PAGE_HEADERS`.
 */
export function entryPage(status: number, model: EntryPageModel): Response {
  const error = model.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(model.error)}</p>`
  return page(
    status,
    'Connect a device',
    `<p>Enter the code shown on your device.</p>
${error}
<form method="post" action="${escapeHtml(model.action)}">
${model.csrfInput}
<label for="user_code">Code</label>
<input id="user_code" name="user_code" type="text" value="${escapeHtml(model.userCode)}" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="${4 * model.codeLength}" aria-describedby="code-hint" autofocus required>
<p id="code-hint">${model.codeLength} letters; dashes and case do not matter.</p>
<button type="submit">Continue</button>
</form>`,
  )
}

/** A page that ends the flow or explains why it cannot go on: a title and a sentence, no form. */
export function messagePage(status: number, title: string, text: string): Response {
  return page(status, title, `<p role="status">${escapeHtml(text)}</p>`)
}

/** Shown once the user approved: the device gets its tokens at its next poll. */
export function approvedPage(): Response {
  return messagePage(200, 'Device connected', 'You are all set. Return to your device; it will continue on its own.')
}

/** Shown once the user denied: the device is told at its next poll. */
export function deniedPage(): Response {
  return messagePage(200, 'Access denied', 'The device was not given access. You can close this page.')
}
