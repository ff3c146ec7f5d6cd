import { escapeHtml } from '../internal/html.ts'
import { messagePage, simplePage } from '../web/pages.ts'
import type { Response } from '../web/response.ts'

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

/**
 * The page where the user types the code shown on the device (RFC 8628 section 3.3). Self-contained HTML
 * with the anti-framing, no-referrer and no-store headers of `PAGE_HEADERS`.
 */
export function entryPage(status: number, model: EntryPageModel): Response {
  const error = model.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(model.error)}</p>`
  return simplePage(
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

/** Shown once the user approved: the device gets its tokens at its next poll. */
export function approvedPage(): Response {
  return messagePage(200, 'Device connected', 'You are all set. Return to your device; it will continue on its own.')
}

/** Shown once the user denied: the device is told at its next poll. */
export function deniedPage(): Response {
  return messagePage(200, 'Access denied', 'The device was not given access. You can close this page.')
}
