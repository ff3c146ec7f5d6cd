import type { AnyOAuthError } from '../errors.ts'
import { errorPage, messagePage } from './pages.ts'
import type { Request } from './request.ts'
import { protectPage, Response } from './response.ts'

/**
 * What every page hook is told. A hook returns HTML it is responsible for: every value it puts in markup
 * must go through `escapeHtml` (exported by `oauth2-stack/web`); the context's texts are plain, unescaped.
 */
export interface PageContext {
  /** The request the page answers. */
  readonly request: Request
  /**
   * The end user's preferred languages, most preferred first: the request's `ui_locales` parameter
   * (OpenID Connect Core section 3.1.2.1), a space-separated list of BCP 47 tags. Malformed tags are left
   * out; empty when the parameter is absent. A hint: fall back to a language you have.
   */
  readonly uiLocales: readonly string[]
  /** The HTTP status the page is answered with when the hook returns a string. */
  readonly status: number
}

/** An error shown to the user instead of being redirected (the authorization endpoint, RFC 6749 section 4.1.2.1). */
export interface ErrorPageContext extends PageContext {
  /** The OAuth error code (`invalid_request`, `invalid_client`, `too_many_requests`, …). */
  readonly error: string
  /** The error's description, in English: plain text. */
  readonly description: string
  /** Seconds until the user may try again, for `too_many_requests`; the core sends it as `Retry-After`. */
  readonly retryAfter: number | undefined
}

/**
 * Which message page is shown: `method_not_allowed`; on the device verification page (RFC 8628 section
 * 3.3) `too_many_requests`, `error` (the flow cannot go on), `device_code_unusable` (expired or used),
 * `device_approved` and `device_denied`; at the end-session endpoint `logged_out`.
 */
export type MessageKind =
  'method_not_allowed' | 'too_many_requests' | 'error' | 'device_code_unusable' | 'device_approved' | 'device_denied' | 'logged_out'

/** A page that ends a flow or explains why it cannot go on: a title and a sentence, no form. */
export interface MessagePageContext extends PageContext {
  /** Which message this is; translate by this, not by `title`. */
  readonly kind: MessageKind
  /** The default page's title, in English: plain text. */
  readonly title: string
  /** The default page's sentence, in English: plain text. */
  readonly text: string
  /** Seconds until the user may try again, for `too_many_requests`; the core sends it as `Retry-After`. */
  readonly retryAfter: number | undefined
}

/** What the page asking for the device's user code (RFC 8628 section 3.3) shows. */
export interface DevicePageModel {
  /** Where the form must POST to (the verification page itself); escape it in the attribute. */
  readonly action: string
  /** The ready-made hidden CSRF field (already HTML): put it inside the form as it is. */
  readonly csrfInput: string
  /** The code to put in the `user_code` field (from `?user_code=` or the last attempt): plain text. */
  readonly userCode: string
  /** An error to show above the form, in English (plain text), or `undefined`. */
  readonly error: string | undefined
  /** The code's length without dashes, for the field's hint. */
  readonly codeLength: number
}

/** The device page's context: the form's model, the status and the languages. */
export interface DevicePageContext extends PageContext, DevicePageModel {}

/** What a hook returns: the page's HTML (answered with `status`), or a whole response. */
export type PageResult = string | Response

/**
 * Replaces or translates the pages the core renders itself (the `pages` controller option). The
 * login-and-consent page is the site adapter's `renderAuthPage`, which gets `uiLocales` in its context.
 * Whatever a hook returns, the core sets `X-Frame-Options: DENY`, `Content-Security-Policy:
 * frame-ancestors 'none'` (replacing any `frame-ancestors` the hook set), `Referrer-Policy: no-referrer`
 * and `Cache-Control: no-store` (RFC 9700 section 4.16), and `Retry-After` on a rate-limit page. A hook
 * that throws is logged and the default page is shown.
 */
export interface PageHooks {
  /** The authorization endpoint's error page. */
  error?(context: ErrorPageContext): PageResult | Promise<PageResult>
  /** The message pages (device flow outcomes and errors, a wrong method). */
  message?(context: MessagePageContext): PageResult | Promise<PageResult>
  /** The device verification page's code form. Its form must POST `user_code` and the CSRF field to `action`. */
  devicePage?(context: DevicePageContext): PageResult | Promise<PageResult>
}

/** A BCP 47 language tag, loosely (RFC 5646 section 2.1): alphanumeric subtags of 1 to 8 characters. */
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/
const MAX_LOCALES = 10

/**
 * The `ui_locales` parameter (OpenID Connect Core section 3.1.2.1) as a list of BCP 47 tags, most
 * preferred first: space-separated, malformed tags and repeats left out, at most ten.
 */
export function parseUiLocales(value: string | undefined): string[] {
  const tags: string[] = []
  for (const tag of (value ?? '').split(' ')) {
    if (!LANGUAGE_TAG.test(tag) || tags.some((seen) => seen.toLowerCase() === tag.toLowerCase())) continue
    tags.push(tag)
    if (tags.length === MAX_LOCALES) break
  }
  return tags
}

/** The request's `ui_locales`, from the query or else the form. */
export function uiLocalesOf(request: Request): string[] {
  return parseUiLocales(
    request.getParam('ui_locales') ??
      (request.contentType === 'application/x-www-form-urlencoded' ? request.postParam('ui_locales') : undefined),
  )
}

const PROTECTED = new Set(['x-frame-options', 'content-security-policy', 'referrer-policy', 'cache-control', 'pragma'])

/** The page protections on a hook's response, overriding whatever the hook set (RFC 9700 section 4.16). */
function lockPage(response: Response): Response {
  // Header names are lower case by contract; a hook's `X-Frame-Options` must not survive beside ours.
  for (const name of Object.keys(response.headers)) {
    if (name !== name.toLowerCase() && PROTECTED.has(name.toLowerCase())) delete response.headers[name]
  }
  const csp = response.headers['content-security-policy']
  if (csp !== undefined) {
    const kept = csp
      .split(';')
      .filter((directive) => !/^\s*frame-ancestors(\s|$)/i.test(directive))
      .map((directive) => directive.trim())
      .filter((directive) => directive !== '')
    response.headers['content-security-policy'] = [...kept, "frame-ancestors 'none'"].join('; ')
  }
  return protectPage(response)
}

/** A message page of {@link PageRenderer.message}. */
export interface PageMessage {
  readonly kind: MessageKind
  readonly status: number
  readonly title: string
  readonly text: string
  readonly retryAfter?: number
}

/** Renders the core's pages, through the `pages` hooks when given. */
export class PageRenderer {
  readonly #hooks: PageHooks
  readonly #onHookError: (error: unknown) => void

  /** `onHookError` hears of a hook that threw (the default page is shown instead). */
  constructor(hooks: PageHooks | undefined, onHookError: (error: unknown) => void) {
    this.#hooks = hooks ?? {}
    this.#onHookError = onHookError
  }

  /** The authorization endpoint's error page, answered with `status` (default: the error's, 400 for 401). */
  error(request: Request, error: AnyOAuthError, status: number = error.status === 401 ? 400 : error.status): Promise<Response> {
    const retryAfter = error.error === 'too_many_requests' ? error.retryAfter : undefined
    const context = (): ErrorPageContext => ({
      request,
      uiLocales: uiLocalesOf(request),
      status,
      error: error.error,
      description: error.description,
      retryAfter,
    })
    return this.#render(this.#hooks.error?.bind(this.#hooks), context, retryAfter, () => {
      const page = errorPage(error)
      page.statusCode = status
      return page
    })
  }

  /** A message page. */
  message(request: Request, message: PageMessage): Promise<Response> {
    const { kind, status, title, text } = message
    const retryAfter = message.retryAfter
    const context = (): MessagePageContext => ({ request, uiLocales: uiLocalesOf(request), status, kind, title, text, retryAfter })
    return this.#render(this.#hooks.message?.bind(this.#hooks), context, retryAfter, () => messagePage(status, title, text))
  }

  /** The device verification page's code form; `fallback` renders the default one. */
  devicePage(request: Request, status: number, model: DevicePageModel, fallback: () => Response): Promise<Response> {
    const context = (): DevicePageContext => ({ ...model, request, uiLocales: uiLocalesOf(request), status })
    return this.#render(this.#hooks.devicePage?.bind(this.#hooks), context, undefined, fallback)
  }

  async #render<C extends PageContext>(
    hook: ((context: C) => PageResult | Promise<PageResult>) | undefined,
    context: () => C,
    retryAfter: number | undefined,
    fallback: () => Response,
  ): Promise<Response> {
    let response: Response | undefined
    if (hook !== undefined) {
      const built = context()
      try {
        const result = await hook(built)
        response = typeof result === 'string' ? Response.html(built.status, result) : lockPage(result)
      } catch (error) {
        this.#onHookError(error)
      }
    }
    response ??= fallback()
    if (retryAfter !== undefined) response.headers['retry-after'] = String(retryAfter)
    return response
  }
}
