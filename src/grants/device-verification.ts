import { bodyErrorToOAuthError, toOAuthError } from '../web/error-response.ts'
import { ConfigurationError, InvalidRequest, TooManyRequests } from '../errors.ts'
import type { CsrfGuard } from '../web/csrf.ts'
import { waitInWords } from '../limits/rate-limits.ts'
import { applySignInLimits } from '../limits/sign-in.ts'
import type { DeviceAuthorization, DeviceCodeStore } from '../stores/device-code-store.ts'
import { hashToken } from '../tokens/hash.ts'
import { NO_USER_DATA, type Client } from '../types.ts'
import type { Request } from '../web/request.ts'
import { callAuthenticate, csrfInput, renderConsentPage } from '../web/interaction.ts'
import { protectPage, type Response } from '../web/response.ts'
import type { SiteAdapter } from '../web/site-adapter.ts'
import { APPROVED, DENIED, entryPage, UNUSABLE } from './device-pages.ts'
import type { GrantServices } from './types.ts'
import { formatUserCode, normalizeUserCode } from './user-code.ts'

/** What the verification page needs from the grant. */
export interface VerificationConfig<Env> {
  readonly store: DeviceCodeStore
  readonly alphabet: string
  readonly length: number
  readonly siteAdapter: SiteAdapter<Env> | undefined
}

const ENTER = 'device-verification\0enter'
const decideBinding = (userCodeHash: string): string => `device-verification\0decide\0${userCodeHash}`

/**
 * The verification page (RFC 8628 section 3.3): GET shows a form for the user code (prefilled from
 * `?user_code=`, never submitted on its own, section 5.4); its POST checks the code and shows the site
 * adapter's login/consent page, whose POST (with the code in the query) approves or denies. Every POST
 * carries a single-use CSRF token bound to its step; the decision's token is a MAC under the server's key
 * over the user code's hash, issued only by a check that found the code, so the decision step accepts
 * only a code this browser's check step accepted. Every failed lookup, at either step, counts against the
 * client's address (the `userCodeGuesses` limit, RFC 8628 section 5.1).
 */
export class DeviceVerification<Env> {
  readonly #config: VerificationConfig<Env>

  constructor(config: VerificationConfig<Env>) {
    this.#config = config
  }

  /** Answers a request at the verification path. Never rejects. */
  async handle(request: Request, environ: Env, services: GrantServices<Env>): Promise<Response> {
    try {
      if (request.bodyError !== undefined) throw bodyErrorToOAuthError(request.bodyError)
      const csrf = services.csrf
      if (request.method === 'GET' || request.method === 'HEAD') {
        return await this.#entry(request, services, 200, request.getParam('user_code') ?? '', undefined)
      }
      if (request.method !== 'POST') {
        const response = await services.pages.message(request, {
          kind: 'method_not_allowed',
          status: 405,
          title: 'Method not allowed',
          text: 'This page accepts GET and POST only.',
        })
        response.headers.allow = 'GET, POST'
        return response
      }
      if (request.contentType !== 'application/x-www-form-urlencoded')
        throw new InvalidRequest('The form must be sent as application/x-www-form-urlencoded.')
      const decided = request.getParam('user_code')
      return decided === undefined
        ? await this.#check(request, environ, services, csrf)
        : await this.#decide(request, environ, services, csrf, decided)
    } catch (thrown) {
      const error = toOAuthError(thrown)
      services.reportError(error, request)
      const status = error.status === 401 ? 400 : error.status
      if (error.error === 'too_many_requests') {
        const retryAfter = error.retryAfter
        return await services.pages.message(request, {
          kind: 'too_many_requests',
          status,
          title: 'Too many attempts',
          text: error.description,
          retryAfter,
        })
      }
      const text = `${error.description} Start again on your device.`
      return await services.pages.message(request, { kind: 'error', status, title: 'Something went wrong', text })
    }
  }

  /** The code form, with a CSRF token for the code-entry step. */
  async #entry(
    request: Request,
    services: GrantServices<Env>,
    status: number,
    userCode: string,
    error: string | undefined,
  ): Promise<Response> {
    const issued = await services.csrf.issue(request, ENTER)
    const model = {
      action: `${request.basePath}${request.path}${localesQuery(request, '?')}`,
      csrfInput: csrfInput(issued.token),
      userCode: userCode.slice(0, 4 * this.#config.length),
      error,
      codeLength: this.#config.length,
    }
    const response = await services.pages.devicePage(request, status, model, () => entryPage(status, model))
    if (issued.setCookie !== undefined) response.addCookie(issued.setCookie)
    return response
  }

  /** The code-entry POST: the address's limit, then the code, then the site adapter's login/consent page. */
  async #check(request: Request, environ: Env, services: GrantServices<Env>, csrf: CsrfGuard): Promise<Response> {
    const typed = request.postParam('user_code') ?? ''
    if (!(await csrf.verify(request, ENTER)))
      return this.#entry(request, services, 400, typed, 'This form has expired. Enter the code again.')
    const { store, alphabet, length } = this.#config
    const address = services.limits.address(environ, request)
    const wait = await services.limits.userCodeLockedFor(address)
    if (wait > 0) return this.#lockedOut(request, services, typed, wait)
    if (typed.trim() === '') return this.#entry(request, services, 400, '', 'Enter the code shown on your device.')
    const code = normalizeUserCode(typed, alphabet, length)
    const authorization = code === undefined ? undefined : await store.fetchByUserCode(hashToken(code), services.now())
    if (code === undefined || authorization === undefined) {
      // RFC 8628 section 5.1: wrong codes are counted and limited, so guessing one is hopeless.
      await services.limits.userCodeFailed(address)
      return this.#entry(
        request,
        services,
        400,
        typed,
        'That code is not valid, or it has expired or been used. Check the code on your device.',
      )
    }
    const { client, adapter } = await this.#party(authorization, services)
    return this.#consent(request, environ, csrf, adapter, client, authorization, code)
  }

  /** The login/consent POST for one user code: deny, or authenticate and approve. */
  async #decide(request: Request, environ: Env, services: GrantServices<Env>, csrf: CsrfGuard, typed: string): Promise<Response> {
    const address = services.limits.address(environ, request)
    const wait = await services.limits.userCodeLockedFor(address)
    if (wait > 0) return this.#lockedOut(request, services, typed, wait)
    const code = normalizeUserCode(typed, this.#config.alphabet, this.#config.length)
    const userCodeHash = hashToken(code ?? '')
    // The token was issued by a check step that found this code (a MAC under the server's key), for this
    // browser, and is spent now: anything else is a guess, and counted as one (RFC 8628 section 5.1).
    if (code === undefined || !(await csrf.verify(request, decideBinding(userCodeHash)))) {
      await services.limits.userCodeFailed(address)
      return this.#entry(request, services, 400, typed, 'This form has expired. Enter the code again.')
    }
    const { store } = this.#config
    const authorization = await store.fetchByUserCode(userCodeHash, services.now())
    if (authorization === undefined) {
      await services.limits.userCodeFailed(address)
      return services.pages.message(request, UNUSABLE)
    }
    const { client, adapter } = await this.#party(authorization, services)
    const scopes = authorization.scopes
    if (await adapter.userHasDeniedAccess(request, environ, scopes, client)) {
      return (await store.deny(userCodeHash, services.now()))
        ? services.pages.message(request, DENIED)
        : services.pages.message(request, UNUSABLE)
    }
    const result = await callAuthenticate(adapter, request, environ, scopes, client)
    await applySignInLimits(services.limits, result, address)
    switch (result.type) {
      case 'granted': {
        const user = { userId: result.userId, data: result.data ?? NO_USER_DATA }
        if (!(await store.approve(userCodeHash, user, services.now()))) return services.pages.message(request, UNUSABLE)
        services.emit(request, {
          type: 'consent.granted',
          clientId: client.clientId,
          userId: user.userId,
          responseType: 'device_code',
          scopes,
        })
        return services.pages.message(request, APPROVED)
      }
      case 'denied':
        return (await store.deny(userCodeHash, services.now()))
          ? services.pages.message(request, DENIED)
          : services.pages.message(request, UNUSABLE)
      case 'respond':
        return protectPage(result.response)
      case 'failed':
        services.emit(request, { type: 'user.login_failed', clientId: client.clientId, username: result.username })
        return this.#consent(request, environ, csrf, adapter, client, authorization, code)
      case 'unauthenticated':
        return this.#consent(request, environ, csrf, adapter, client, authorization, code)
    }
  }

  /** The code form again, with 429 and when to try again. */
  async #lockedOut(request: Request, services: GrantServices<Env>, typed: string, wait: number): Promise<Response> {
    // Reported like every refused request (the `rate_limited` event, the `onError` hook).
    services.reportError(new TooManyRequests('Too many wrong user codes.', wait, { limit: 'userCodeGuesses' }), request)
    const response = await this.#entry(request, services, 429, typed, `Too many wrong codes. Try again in ${waitInWords(wait)}.`)
    response.headers['retry-after'] = String(wait)
    return response
  }

  /** The site adapter's login/consent page; its form posts back here with the user code in the query. */
  async #consent(
    request: Request,
    environ: Env,
    csrf: CsrfGuard,
    adapter: SiteAdapter<Env>,
    client: Client,
    authorization: DeviceAuthorization,
    code: string,
  ): Promise<Response> {
    const formAction = `${request.basePath}${request.path}?${new URLSearchParams({ user_code: formatUserCode(code) }).toString()}${localesQuery(request, '&')}`
    return renderConsentPage(adapter, csrf, {
      request,
      environ,
      client,
      scopes: authorization.scopes,
      formAction,
      binding: decideBinding(authorization.userCodeHash),
    })
  }

  /** The client that asked and the site adapter that talks to the user. */
  async #party(authorization: DeviceAuthorization, services: GrantServices<Env>): Promise<{ client: Client; adapter: SiteAdapter<Env> }> {
    const client = await services.clientStore.fetchByClientId(authorization.clientId)
    if (client === undefined) throw new InvalidRequest('The application that asked is no longer registered.')
    const adapter = this.#config.siteAdapter ?? services.siteAdapter
    if (adapter === undefined)
      throw new ConfigurationError('DeviceCodeGrant needs a site adapter: pass siteAdapter to the controller or the grant')
    return { client, adapter }
  }
}

/** `ui_locales` (OpenID Connect Core section 3.1.2.1) for a form's action, so the next page keeps the user's languages. */
function localesQuery(request: Request, separator: '?' | '&'): string {
  const locales = request.getParam('ui_locales')
  return locales === undefined ? '' : `${separator}${new URLSearchParams({ ui_locales: locales }).toString()}`
}
