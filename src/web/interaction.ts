import { UserNotAuthenticated } from '../errors.ts'
import { clientDisplayOf } from '../clients/display.ts'
import { escapeHtml } from '../internal/html.ts'
import type { Client } from '../types.ts'
import { CSRF_FIELD, type CsrfGuard } from './csrf.ts'
import { uiLocalesOf } from './page-hooks.ts'
import type { Request } from './request.ts'
import { protectPage, Response } from './response.ts'
import type { AuthenticationResult, SiteAdapter } from './site-adapter.ts'

/**
 * Asks the site adapter who the user is, treating the seed's thrown `UserNotAuthenticated` like
 * `{ type: 'unauthenticated' }`. Every page that talks to the user through the adapter calls this.
 */
export async function callAuthenticate<Env>(
  adapter: SiteAdapter<Env>,
  request: Request,
  environ: Env,
  scopes: readonly string[],
  client: Client,
): Promise<AuthenticationResult> {
  try {
    return await adapter.authenticate(request, environ, scopes, client)
  } catch (error) {
    if (error instanceof UserNotAuthenticated) return { type: 'unauthenticated' }
    throw error
  }
}

/** What a login/consent page is rendered for. */
export interface ConsentPageInput<Env> {
  readonly request: Request
  readonly environ: Env
  readonly client: Client
  readonly scopes: readonly string[]
  /** Where the page's form posts the decision (the request's own page, with what identifies it in the query). */
  readonly formAction: string
  /** What the CSRF token is bound to: the decision it may carry (RFC 9700 section 4.7). */
  readonly binding: string
}

/**
 * The site adapter's login/consent page, with a CSRF token bound to `binding`, the anti-framing and
 * no-store page headers, and the CSRF cookie when the browser has none yet.
 */
export async function renderConsentPage<Env>(adapter: SiteAdapter<Env>, csrf: CsrfGuard, input: ConsentPageInput<Env>): Promise<Response> {
  const { request, environ, client, scopes, formAction } = input
  const issued = await csrf.issue(request, input.binding)
  const page = await adapter.renderAuthPage(
    request,
    new Response(200, { 'content-type': 'text/html; charset=utf-8' }),
    environ,
    scopes,
    client,
    {
      client,
      scopes,
      formAction,
      csrfField: CSRF_FIELD,
      csrfToken: issued.token,
      csrfInput: csrfInput(issued.token),
      uiLocales: uiLocalesOf(request),
      clientDisplay: clientDisplayOf(client),
    },
  )
  protectPage(page)
  if (issued.setCookie !== undefined) page.addCookie(issued.setCookie)
  return page
}

/** The hidden form field that carries a CSRF token. */
export function csrfInput(token: string): string {
  return `<input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(token)}">`
}
