/**
 * The seed's confirmation-form site adapter, shared by the framework examples: the user confirms with one
 * button; the form carries the CSRF field the controller checks.
 */
import type { Client } from 'oauth2-stack'
import {
  escapeHtml,
  type AuthenticationResult,
  type AuthorizationContext,
  type Request,
  type Response,
  type SiteAdapter,
} from 'oauth2-stack/web'

export class ConfirmSiteAdapter implements SiteAdapter {
  async authenticate(request: Request): Promise<AuthenticationResult> {
    if (request.postParam('confirm') === '1') return { type: 'granted', userId: 'example-user' }
    return { type: 'unauthenticated' }
  }

  async renderAuthPage(
    _request: Request,
    response: Response,
    _environ: unknown,
    _scopes: readonly string[],
    client: Client,
    context: AuthorizationContext,
  ): Promise<Response> {
    response.body = `<html><body>
<p>${escapeHtml(client.name ?? client.clientId)} asks for access.</p>
<form method="POST" name="confirmation_form" action="${escapeHtml(context.formAction)}">
${context.csrfInput}
<input name="confirm" type="hidden" value="1" />
<input type="submit" value="confirm" />
</form></body></html>`
    return response
  }

  async userHasDeniedAccess(): Promise<boolean> {
    return false
  }
}

/** The seed's client: `abc` / `xyz`, redirect `http://localhost/callback`. */
export const SEED_CLIENT = { clientId: 'abc', clientSecret: 'xyz', redirectUris: ['http://localhost/callback'] } as const

/** The port to listen on: `$PORT` or 8080, as the seed's examples. */
export const PORT = Number(process.env.PORT ?? 8080)
