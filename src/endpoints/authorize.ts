import { isClientIdSyntax } from '../checks/identifier.ts'
import { buildRedirect, matchRedirectUri } from '../checks/redirect-uri.ts'
import {
  AccessDenied,
  type AnyOAuthError,
  ConfigurationError,
  InvalidClient,
  InvalidRequest,
  UnauthorizedClient,
  UnsupportedResponseType,
} from '../errors.ts'
import type { AuthorizeHandler, AuthorizeRequestContext, GrantServices } from '../grants/types.ts'
import { CSRF_FIELD, type CsrfGuard } from '../web/csrf.ts'
import { applySignInLimits } from '../limits/sign-in.ts'
import { valuesOf, type Params } from '../internal/params.ts'
import { NO_USER_DATA, type Client } from '../types.ts'
import type { Request } from '../web/request.ts'
import { callAuthenticate, renderConsentPage } from '../web/interaction.ts'
import { protectPage, Response } from '../web/response.ts'
import type { SiteAdapter } from '../web/site-adapter.ts'
import { allows } from '../checks/allows.ts'
import { bodyErrorToOAuthError, redirectErrorResponse, toOAuthError } from '../web/error-response.ts'

/** The authorization-request parameters that must not be repeated (RFC 6749 section 3.1). */
const OAUTH_PARAMETERS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  // OpenID Connect Core 1.0 section 3.1.2.1: kept with the code, so bound to the decision like the others.
  'nonce',
] as const

/** Where errors go once the client and the redirect URI are validated. */
interface ErrorTarget {
  readonly redirectUri: string
  readonly mode: 'query' | 'fragment'
  readonly state: string | undefined
}

/**
 * The authorization endpoint (RFC 6749 section 3.1): GET or POST. It validates the client and the
 * redirect URI first and, until both are valid, shows errors to the user instead of redirecting
 * (section 4.1.2.1; no open redirect). It then asks the site adapter, keeps the login/consent POST safe
 * from CSRF, and redirects with `state` and `iss` (RFC 9207).
 */
export class AuthorizeEndpoint<Env> {
  readonly #handlers: ReadonlyMap<string, AuthorizeHandler<Env>>
  readonly #services: GrantServices<Env>
  readonly #csrf: CsrfGuard
  readonly #onError: (error: AnyOAuthError, request: Request) => void

  constructor(
    handlers: ReadonlyMap<string, AuthorizeHandler<Env>>,
    services: GrantServices<Env>,
    onError: (error: AnyOAuthError, request: Request) => void,
  ) {
    this.#handlers = handlers
    this.#services = services
    this.#csrf = services.csrf
    this.#onError = onError
  }

  async handle(request: Request, environ: Env): Promise<Response> {
    let target: ErrorTarget | undefined
    const post = request.method === 'POST'
    try {
      if (request.bodyError !== undefined) throw bodyErrorToOAuthError(request.bodyError)
      if (request.method !== 'GET' && !post) {
        const response = await this.#services.pages.error(
          request,
          new InvalidRequest('The authorization endpoint accepts GET and POST only.'),
          405,
        )
        response.headers.allow = 'GET, POST'
        return response
      }
      if (post && request.hasBody && request.contentType !== 'application/x-www-form-urlencoded') {
        // RFC 6749 section 3.1: parameters sent by POST are form-encoded.
        throw new InvalidRequest('A POST to the authorization endpoint must be application/x-www-form-urlencoded.')
      }
      const query = request.queryParams()
      const form = post ? request.formParams() : undefined
      const repeated = repeatedParameters(query, form)
      const param = (name: string): string | undefined => query.values.get(name) ?? form?.values.get(name)
      const paramValues = (name: string): readonly string[] => allValues(query, form, name)

      // RFC 6749 section 4.1.2.1: until client_id and redirect_uri are valid, never redirect.
      if (repeated.includes('client_id') || repeated.includes('redirect_uri')) {
        throw new InvalidRequest('client_id and redirect_uri must not be repeated.')
      }
      const clientId = param('client_id')
      if (clientId === undefined) throw new InvalidRequest('The client_id parameter is missing.')
      // No registration accepts a client_id outside *VSCHAR (a NUL fails PostgreSQL): unknown, without a store call.
      const client = isClientIdSyntax(clientId) ? await this.#services.clientStore.fetchByClientId(clientId) : undefined
      if (client === undefined) throw new InvalidClient('Unknown client.')
      const redirectUriParameter = param('redirect_uri')
      const redirectUri = matchRedirectUri(client.redirectUris, redirectUriParameter)
      if (redirectUri === undefined) {
        throw new InvalidRequest(
          redirectUriParameter === undefined
            ? 'The redirect_uri parameter is required for this client.'
            : 'The redirect_uri does not match any URI registered for this client.',
        )
      }
      const responseType = param('response_type')
      const handler = responseType === undefined ? undefined : this.#handlers.get(responseType)
      const state = param('state')
      target = { redirectUri, mode: handler?.responseMode ?? 'query', state }

      // From here on, errors go back to the client.
      if (repeated.length > 0) throw new InvalidRequest(`Repeated parameter: ${repeated.join(', ')}.`)
      if (responseType === undefined) throw new InvalidRequest('The response_type parameter is missing.')
      if (handler === undefined) throw new UnsupportedResponseType(`Unsupported response_type: ${responseType}.`)
      if (!allows(client.responseTypes, responseType)) {
        throw new UnauthorizedClient(`The client is not allowed to use response_type ${responseType}.`)
      }
      const context: AuthorizeRequestContext<Env> = {
        request,
        environ,
        client,
        redirectUri,
        redirectUriParameter,
        state,
        param,
        paramValues,
        services: this.#services,
      }
      const pending = await handler.validate(context)
      const adapter = handler.siteAdapter ?? this.#services.siteAdapter
      if (adapter === undefined) throw new ConfigurationError(`no site adapter for response_type ${responseType}`)
      const scopes = pending.scopes
      // The consent is for these resources too (RFC 8707): they are part of what the CSRF token binds.
      const binding = `${OAUTH_PARAMETERS.map((name) => param(name) ?? '').join('\0')}\0${paramValues('resource').join(' ')}`
      // A POST without the CSRF field is an authorization request sent by POST (RFC 6749 section 3.1):
      // nothing in it is a decision, so it only gets the page. A POST with a wrong token is refused.
      const decision = post && request.postParam(CSRF_FIELD) !== undefined
      if (decision && !(await this.#csrf.verify(request, binding))) {
        target = undefined
        throw new InvalidRequest('This form has expired or was not sent from this site. Start the sign-in again.')
      }
      const status = post ? 303 : 302
      if (post && !decision) {
        return await this.#renderPage(adapter, request, environ, scopes, client, binding, param, paramValues)
      }
      if (await adapter.userHasDeniedAccess(request, environ, scopes, client)) {
        throw new AccessDenied('The resource owner denied the request.')
      }
      const result = await callAuthenticate(adapter, request, environ, scopes, client)
      // A password typed on the form: the sign-in limits (RFC 6749 section 4.3.2) decide first.
      if (decision) await applySignInLimits(this.#services.limits, result, this.#services.limits.address(environ, request))
      switch (result.type) {
        case 'granted': {
          const params = await pending.issue({ userId: result.userId, data: result.data ?? NO_USER_DATA })
          // After issue: the code (or token) is stored.
          this.#services.emit(request, { type: 'consent.granted', clientId: client.clientId, userId: result.userId, responseType, scopes })
          // RFC 9207 section 2: iss on every authorization response.
          const location = buildRedirect(redirectUri, { ...params, state, iss: this.#services.issuer }, handler.responseMode)
          const response = Response.redirect(location, status)
          if (post) response.addCookie(this.#csrf.clearCookie)
          return response
        }
        case 'denied':
          throw new AccessDenied('The resource owner denied the request.')
        case 'respond':
          return protectPage(result.response)
        case 'failed':
          this.#services.emit(request, { type: 'user.login_failed', clientId: client.clientId, username: result.username })
          return await this.#renderPage(adapter, request, environ, scopes, client, binding, param, paramValues)
        case 'unauthenticated':
          return await this.#renderPage(adapter, request, environ, scopes, client, binding, param, paramValues)
      }
    } catch (thrown) {
      const error = toOAuthError(thrown)
      this.#onError(error, request)
      if (target === undefined || !error.redirectable) return await this.#services.pages.error(request, error)
      const response = redirectErrorResponse(error, target.redirectUri, target.mode, target.state, this.#services.issuer, post ? 303 : 302)
      if (post) response.addCookie(this.#csrf.clearCookie)
      return response
    }
  }

  /** Renders the login/consent page with a CSRF token bound to this authorization request. */
  async #renderPage(
    adapter: SiteAdapter<Env>,
    request: Request,
    environ: Env,
    scopes: readonly string[],
    client: Client,
    binding: string,
    param: (name: string) => string | undefined,
    paramValues: (name: string) => readonly string[],
  ): Promise<Response> {
    // The form posts the decision back with the authorization request in the query, wherever the request
    // itself carried it (query or POST body).
    const query = new URLSearchParams()
    for (const name of OAUTH_PARAMETERS) {
      const value = param(name)
      if (value !== undefined) query.append(name, value)
    }
    // The user's languages (OpenID Connect Core section 3.1.2.1) stay with the form, for the pages after it.
    for (const resource of paramValues('resource')) query.append('resource', resource)
    const uiLocales = param('ui_locales')
    if (uiLocales !== undefined) query.append('ui_locales', uiLocales)
    const formAction = `${request.basePath}${request.path}?${query.toString()}`
    return renderConsentPage(adapter, this.#csrf, { request, environ, client, scopes, formAction, binding })
  }
}

/** Every value of a repeatable parameter: the query's, else the form body's. */
function allValues(query: Params, form: Params | undefined, name: string): readonly string[] {
  const inQuery = valuesOf(query, name)
  return inQuery.length > 0 || form === undefined ? inQuery : valuesOf(form, name)
}

/** OAuth parameters repeated in the query, in the body, or present in both. */
function repeatedParameters(query: Params, form: Params | undefined): string[] {
  const repeated: string[] = []
  for (const name of OAUTH_PARAMETERS) {
    const inQuery = query.values.has(name)
    const inForm = form?.values.has(name) === true
    if ((inQuery && inForm) || query.repeated?.has(name) === true || form?.repeated?.has(name) === true) repeated.push(name)
  }
  return repeated
}
