import { escapeHtml } from '../internal/html.ts'
import type { DevicePageModel, PageMessage } from '../web/page-hooks.ts'
import { simplePage } from '../web/pages.ts'
import type { Response } from '../web/response.ts'

/** What the page asking for the user code shows. */
export type EntryPageModel = DevicePageModel

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
export const APPROVED: PageMessage = {
  kind: 'device_approved',
  status: 200,
  title: 'Device connected',
  text: 'You are all set. Return to your device; it will continue on its own.',
}

/** Shown once the user denied: the device is told at its next poll. */
export const DENIED: PageMessage = {
  kind: 'device_denied',
  status: 200,
  title: 'Access denied',
  text: 'The device was not given access. You can close this page.',
}

/** Shown for a code that expired or was used meanwhile. */
export const UNUSABLE: PageMessage = {
  kind: 'device_code_unusable',
  status: 400,
  title: 'This code can no longer be used',
  text: 'It has expired or was already used. Start again on your device.',
}
