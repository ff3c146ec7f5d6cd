import { escapeHtml } from '../internal/html.ts'
import type { AuthorizationContext } from '../web/site-adapter.ts'

/** What the demo's login-and-consent page shows. */
export interface LoginPageModel {
  /** The authorization request being decided, from the controller. */
  readonly context: AuthorizationContext
  /** Plain-words descriptions of scopes, by scope name ("See your email address"). */
  readonly scopeDescriptions: Readonly<Record<string, string>>
  /** An error to show above the form, e.g. wrong password. */
  readonly error: string | undefined
  /** The user name to keep in the field after a failed attempt. */
  readonly username: string | undefined
  /** A note shown under the form, e.g. the demo's public account. Plain text. */
  readonly hint?: string | undefined
}

/**
 * The login-and-consent page: one self-contained HTML document (no external assets, no script, works
 * offline) that names the application and each permission in plain words, says where the browser goes
 * next, and has labelled fields, approve and deny buttons in a sensible focus order, and the CSRF field
 * the controller checks. Accessible (WCAG AA contrast in light and dark mode, visible focus, errors
 * announced and tied to the fields) and usable on a phone (one column, 44px targets, 16px inputs so iOS
 * does not zoom).
 */
export function renderLoginPage(model: LoginPageModel): string {
  const { context } = model
  const display = context.clientDisplay
  // A metadata-document client is named by its host, the one verified fact about it; its own name is a claim.
  const name = display?.host ?? context.client.name ?? context.client.clientId
  const clientName = escapeHtml(name)
  const initial = escapeHtml((/[\p{L}\p{N}]/u.exec(name)?.[0] ?? '?').toUpperCase())
  const scopes =
    context.scopes.length === 0
      ? '<li><span class="tick" aria-hidden="true">&#10003;</span><span>Know that you signed in</span></li>'
      : context.scopes
          .map((scope) => {
            const description = model.scopeDescriptions[scope]
            const text = description === undefined ? `Use the permission \u201c${scope}\u201d` : description
            return `<li><span class="tick" aria-hidden="true">&#10003;</span><span>${escapeHtml(text)}<span class="scope"> (${escapeHtml(scope)})</span></span></li>`
          })
          .join('')
  const failed = model.error !== undefined
  const error = failed ? `<p class="error" id="error" role="alert">${escapeHtml(model.error)}</p>` : ''
  const invalid = failed ? ' aria-invalid="true" aria-describedby="error"' : ''
  const destination = destinationHost(context)
  const returnTo =
    destination === undefined ? '' : ` Whatever you choose, you will then go back to <strong>${escapeHtml(destination)}</strong>.`
  const claims = display === undefined ? '' : unverifiedNotes(context.client.name, display.localhostOnly)
  const hint = model.hint === undefined ? '' : `<p class="hint">${escapeHtml(model.hint)}</p>`
  // After a wrong password the user name is kept, so the password field is the one to fill in.
  const focusUser = model.username === undefined || model.username === '' ? ' autofocus' : ''
  const focusPassword = focusUser === '' ? ' autofocus' : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="referrer" content="no-referrer"><link rel="icon" href="data:,">
<title>Sign in to continue to ${clientName}</title>
<style>
:root{--bg:#f3f4f6;--card:#fff;--text:#1f2328;--muted:#57606a;--line:#d0d7de;--accent:#1d4ed8;--accent-text:#fff;--focus:#b45309;--error-bg:#fde8e8;--error:#8a1010}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--text:#e6edf3;--muted:#9da7b3;--line:#3d444d;--accent:#4493f8;--accent-text:#0d1117;--focus:#f0b429;--error-bg:#3c1618;--error:#ffb1ad}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;display:flex;align-items:flex-start;justify-content:center;padding:2rem 1rem}
main{width:100%;max-width:27rem;background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.75rem 1.5rem}
.app{display:flex;align-items:center;gap:.75rem;margin-bottom:1rem}
.avatar{flex:none;width:3rem;height:3rem;border-radius:10px;background:var(--accent);color:var(--accent-text);display:grid;place-items:center;font-size:1.4rem;font-weight:700}
h1{font-size:1.35rem;line-height:1.3;margin:0}
h2{font-size:1rem;margin:1.25rem 0 .5rem}
ul{list-style:none;margin:0;padding:0;border:1px solid var(--line);border-radius:8px}
li{display:flex;gap:.6rem;padding:.6rem .75rem}li+li{border-top:1px solid var(--line)}
.tick{color:var(--accent);font-weight:700}.scope{color:var(--muted);font-size:.875rem}
.note,.hint{color:var(--muted);font-size:.9rem;margin:.75rem 0 0}
.hint{border-top:1px solid var(--line);padding-top:.75rem;margin-top:1.25rem}
label{display:block;font-weight:600;margin:1rem 0 .3rem}
input{width:100%;font:inherit;font-size:1rem;padding:.65rem .75rem;min-height:2.75rem;border:1px solid var(--muted);border-radius:6px;background:var(--card);color:var(--text)}
input[aria-invalid=true]{border-color:var(--error);border-width:2px}
.claim{margin:0 0 .5rem}.warning{background:var(--error-bg);color:var(--error);padding:.6rem .75rem;border-radius:6px;margin:.5rem 0 0}
.error{background:var(--error-bg);color:var(--error);padding:.6rem .75rem;border-radius:6px;margin:1rem 0 0;font-weight:600}
.buttons{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}
button{flex:1 1 8rem;min-height:2.75rem;font:inherit;font-weight:600;padding:.6rem 1rem;border-radius:6px;border:2px solid var(--accent);cursor:pointer}
.allow{flex:2 1 12rem;background:var(--accent);color:var(--accent-text)}.deny{background:transparent;color:var(--accent)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
@media (max-width:30rem){body{padding:0}main{border:0;border-radius:0;min-height:100vh;padding:1.25rem 1rem}}
</style></head><body><main>
<div class="app"><span class="avatar" aria-hidden="true">${initial}</span><h1>Sign in to continue to <strong>${clientName}</strong></h1></div>
${claims}<h2 id="permissions">${clientName} wants to</h2>
<ul aria-labelledby="permissions">${scopes}</ul>
<p class="note">${clientName} will not see your password.${returnTo}</p>
${error}
<form method="post" action="${escapeHtml(context.formAction)}">
${context.csrfInput}
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${escapeHtml(model.username ?? '')}"${invalid}${focusUser}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalid}${focusPassword}>
<div class="buttons"><button type="submit" name="action" value="approve" class="allow">Sign in and allow</button>
<button type="submit" name="action" value="deny" class="deny" formnovalidate>Deny</button></div>
</form>${hint}</main></body></html>`
}

/** The host the browser returns to after the decision: the request's `redirect_uri`, else the only registered one. */
function destinationHost(context: AuthorizationContext): string | undefined {
  let redirectUri: string | undefined
  try {
    redirectUri = new URL(context.formAction, 'http://invalid').searchParams.get('redirect_uri') ?? undefined
  } catch {
    redirectUri = undefined
  }
  if (redirectUri === undefined && !context.formAction.includes('response_type=')) return undefined
  redirectUri ??= context.client.redirectUris.length === 1 ? context.client.redirectUris[0] : undefined
  if (redirectUri === undefined) return undefined
  try {
    const url = new URL(redirectUri)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : url.protocol.slice(0, -1)
  } catch {
    return undefined
  }
}

/**
 * For a client known only by its metadata document: its name marked as its own claim, and a warning when
 * it can only return to this computer (MCP security considerations for Client ID Metadata Documents).
 */
function unverifiedNotes(claimedName: string | undefined, localhostOnly: boolean): string {
  const claim =
    claimedName === undefined
      ? ''
      : `<p class="claim">It calls itself \u201c${escapeHtml(claimedName)}\u201d; that name is not verified.</p>`
  const warning = localhostOnly
    ? '<p class="warning" role="note">This application can only return you to an address on this computer (localhost). Allow it only if you started it yourself.</p>'
    : ''
  return `${claim}${warning}`
}
