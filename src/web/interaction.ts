import { UserNotAuthenticated } from '../errors.ts'
import { clientDisplayOf } from '../clients/display.ts'
import { escapeHtml } from '../internal/html.ts'
import { valuesOf } from '../internal/params.ts'
import type { Client } from '../types.ts'
import { CSRF_FIELD, type CsrfGuard } from './csrf.ts'
import { uiLocalesOf } from './page-hooks.ts'
import type { Request } from './request.ts'
import { protectPage, Response } from './response.ts'
import type { AuthenticationResult, AuthorizationContext, InteractionContext, SiteAdapter } from './site-adapter.ts'

/** The OAuth authorization-request parameters that must not be repeated (RFC 6749 section 3.1). */
export const OAUTH_PARAMETERS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
] as const

/**
 * The OpenID Connect request parameters (Core section 3.1.2.1) that travel with the login/consent form
 * and are bound to its CSRF token beside the OAuth ones; like them, none may be repeated.
 */
export const OIDC_PARAMETERS = ['nonce', 'prompt', 'max_age', 'login_hint', 'id_token_hint', 'acr_values'] as const

/** Every parameter the login/consent form carries and its CSRF token is bound to. */
export const BOUND_PARAMETERS: readonly string[] = [...OAUTH_PARAMETERS, ...OIDC_PARAMETERS]

/**
 * Where the login/consent form posts: the authorization endpoint with the request's parameters in the
 * query, wherever the request itself carried them (query or POST body), and the user's languages
 * (`ui_locales`, OpenID Connect Core section 3.1.2.1) for the pages after it. `stage` is the login/consent
 * split's `interaction` (`login` or `consent`).
 */
export function formActionOf(request: Request, param: (name: string) => string | undefined, stage?: 'login' | 'consent'): string {
  const query = new URLSearchParams()
  for (const name of BOUND_PARAMETERS) {
    const value = param(name)
    if (value !== undefined) query.append(name, value)
  }
  // The resources asked for (RFC 8707, repeatable) travel with the form too.
  for (const resource of resourcesOf(request)) query.append('resource', resource)
  // The user's languages (OpenID Connect Core section 3.1.2.1) stay with the form, for the pages after it.
  const uiLocales = param('ui_locales')
  if (uiLocales !== undefined) query.append('ui_locales', uiLocales)
  if (stage !== undefined) query.append('interaction', stage)
  return `${request.basePath}${request.path}?${query.toString()}`
}

/** Every `resource` of an authorization request: the query's, else the form body's. */
function resourcesOf(request: Request): readonly string[] {
  const inQuery = valuesOf(request.queryParams(), 'resource')
  return inQuery.length > 0 || request.method !== 'POST' ? inQuery : valuesOf(request.formParams(), 'resource')
}

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
  /** For the login/consent split: the stage and what the login and consent pages are told beside the rest. */
  readonly interaction?: Omit<InteractionContext, keyof AuthorizationContext>
}

/**
 * The site adapter's login/consent page, with a CSRF token bound to `binding`, the anti-framing and
 * no-store page headers, and the CSRF cookie when the browser has none yet.
 */
export async function renderConsentPage<Env>(adapter: SiteAdapter<Env>, csrf: CsrfGuard, input: ConsentPageInput<Env>): Promise<Response> {
  const { request, environ, client, scopes, formAction } = input
  const issued = await csrf.issue(request, input.binding)
  const response = new Response(200, { 'content-type': 'text/html; charset=utf-8' })
  const context: AuthorizationContext = {
    client,
    scopes,
    formAction,
    csrfField: CSRF_FIELD,
    csrfToken: issued.token,
    csrfInput: csrfInput(issued.token),
    uiLocales: uiLocalesOf(request),
    clientDisplay: clientDisplayOf(client),
    ...input.interaction,
  }
  const { interaction } = input
  let page: Response
  if (interaction === undefined) {
    page = await adapter.renderAuthPage(request, response, environ, scopes, client, context)
  } else {
    const full: InteractionContext = { ...context, ...interaction }
    if (interaction.stage === 'login' && adapter.renderLoginPage !== undefined) {
      page = await adapter.renderLoginPage(request, response, environ, full)
    } else if (interaction.stage === 'consent' && adapter.renderConsentPage !== undefined) {
      page = await adapter.renderConsentPage(request, response, environ, full)
    } else {
      page = await adapter.renderAuthPage(request, response, environ, scopes, client, full)
    }
  }
  protectPage(page)
  if (issued.setCookie !== undefined) page.addCookie(issued.setCookie)
  return page
}

/** The hidden form field that carries a CSRF token. */
export function csrfInput(token: string): string {
  return `<input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(token)}">`
}
