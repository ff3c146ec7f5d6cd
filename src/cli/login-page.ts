import { escapeHtml } from '../internal/html.ts'
import type { AuthorizationContext } from '../web/site-adapter.ts'

/** What the demo's login-and-consent page shows. */
export interface LoginPageModel {
  readonly context: AuthorizationContext
  /** Plain-words descriptions of scopes, by scope name. */
  readonly scopeDescriptions: Readonly<Record<string, string>>
  /** An error to show above the form, e.g. wrong password. */
  readonly error: string | undefined
  /** The user name to keep in the field after a failed attempt. */
  readonly username: string | undefined
}

/**
 * The demo server's login-and-consent page: self-contained HTML (no external assets, works offline),
 * labelled fields, a visible focus order, approve and deny buttons, and the CSRF field the controller
 * checks.
 */
export function renderLoginPage(model: LoginPageModel): string {
  const { context } = model
  const clientName = escapeHtml(context.client.name ?? context.client.clientId)
  const scopes =
    context.scopes.length === 0
      ? '<li>Know that you signed in</li>'
      : context.scopes.map((scope) => `<li>${escapeHtml(model.scopeDescriptions[scope] ?? scope)} <code>${escapeHtml(scope)}</code></li>`).join('')
  const error = model.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(model.error)}</p>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to allow ${clientName}</title>
<style>
body{font-family:system-ui,-apple-system,sans-serif;background:#f4f5f7;color:#111;margin:0;padding:1rem}
main{max-width:26rem;margin:2rem auto;background:#fff;border-radius:8px;padding:1.5rem;box-shadow:0 1px 3px #0003}
h1{font-size:1.3rem;margin-top:0}label{display:block;font-weight:600;margin-top:1rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;font-size:1rem;padding:.6rem;border:1px solid #555;border-radius:4px}
ul{padding-left:1.2rem}code{background:#eef;padding:0 .25rem;border-radius:3px}
.error{background:#fde8e8;color:#8a1010;padding:.6rem;border-radius:4px}
.buttons{display:flex;gap:.75rem;margin-top:1.5rem}
button{flex:1;font-size:1rem;padding:.7rem;border-radius:4px;border:2px solid #1246a8;cursor:pointer}
button[value=approve]{background:#1246a8;color:#fff}button[value=deny]{background:#fff;color:#1246a8}
:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
</style></head><body><main>
<h1><strong>${clientName}</strong> wants to access your account</h1>
<p>If you allow it, ${clientName} will be able to:</p><ul>${scopes}</ul>
${error}
<form method="post" action="${escapeHtml(context.formAction)}">
${context.csrfInput}
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" value="${escapeHtml(model.username ?? '')}" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<div class="buttons"><button type="submit" name="action" value="approve">Sign in and allow</button>
<button type="submit" name="action" value="deny">Deny</button></div>
</form></main></body></html>`
}
