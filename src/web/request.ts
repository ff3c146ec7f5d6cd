import { fromParsedForm, NO_PARAMS, parseForm, type Params, type ParsedForm } from '../internal/params.ts'

/** Why an adapter could not read a request body; the controller answers with the matching RFC error. */
export type BodyError = 'too_large' | 'timeout' | 'aborted'

/** Header values as Node and most frameworks give them (names in lower case). */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>

/** What an adapter knows about an HTTP request. */
export interface RequestInit {
  /** HTTP method, upper case. */
  readonly method: string
  /** The path, without the query string, relative to where the controller is mounted. */
  readonly path: string
  /** Where the controller is mounted (e.g. `/oauth` for `app.use('/oauth', …)`); default none. */
  readonly basePath?: string | undefined
  /** The query string without its leading `?`. */
  readonly query?: string | undefined
  /** Request headers, names in lower case. */
  readonly headers?: HeaderMap | undefined
  /**
   * The body: its raw text, or a form a framework already parsed. Only `application/x-www-form-urlencoded`
   * bodies are read as parameters.
   */
  readonly body?: string | ParsedForm | undefined
  /** Set when the adapter could not read the body. */
  readonly bodyError?: BodyError | undefined
}

/**
 * An HTTP request as the controller sees it (the seed's `oauth2.web.Request`): framework-free, parsed
 * once, read-only.
 */
export class Request {
  /** HTTP method, upper case. */
  readonly method: string
  /** The path, without the query string, relative to where the controller is mounted. */
  readonly path: string
  /** Where the controller is mounted (`''` at the root), so pages can link back to it. */
  readonly basePath: string
  /** The raw query string, without its leading `?`. */
  readonly rawQuery: string
  /** Set when the adapter could not read the body. */
  readonly bodyError: BodyError | undefined
  readonly #headers: HeaderMap
  readonly #body: string | ParsedForm | undefined
  #query: Params | undefined
  #form: Params | undefined
  #cookies: Map<string, string> | undefined
  #contentType: string | undefined | null = null

  constructor(init: RequestInit) {
    this.method = init.method.toUpperCase()
    this.path = init.path
    this.basePath = init.basePath ?? ''
    this.rawQuery = init.query ?? ''
    this.#headers = init.headers ?? {}
    this.#body = init.body
    this.bodyError = init.bodyError
  }

  /** Parses a URL such as `/authorize?client_id=abc` into method, path and query. */
  static fromUrl(method: string, url: string, init: Omit<RequestInit, 'method' | 'path' | 'query'> = {}): Request {
    const question = url.indexOf('?')
    const path = question === -1 ? url : url.slice(0, question)
    const query = question === -1 ? '' : url.slice(question + 1)
    return new Request({ ...init, method, path, query })
  }

  /** A query-string parameter (the seed's `get_param`); the first one if it was repeated. */
  getParam(name: string): string | undefined
  getParam(name: string, defaultValue: string): string
  getParam(name: string, defaultValue?: string): string | undefined {
    return this.queryParams().values.get(name) ?? defaultValue
  }

  /** A form-body parameter (the seed's `post_param`); the first one if it was repeated. */
  postParam(name: string): string | undefined
  postParam(name: string, defaultValue: string): string
  postParam(name: string, defaultValue?: string): string | undefined {
    return this.formParams().values.get(name) ?? defaultValue
  }

  /** A request header by case-insensitive name; repeated headers are joined with `, `. */
  header(name: string): string | undefined
  header(name: string, defaultValue: string): string
  header(name: string, defaultValue?: string): string | undefined {
    const key = name.toLowerCase()
    if (!Object.hasOwn(this.#headers, key)) return defaultValue
    const value = this.#headers[key]
    if (typeof value === 'string') return value
    return Array.isArray(value) ? value.join(', ') : defaultValue
  }

  /**
   * The body as the adapter gave it: its raw text (a JSON body, e.g. at the registration endpoint, RFC 7591
   * section 3.1), or the object a framework's body parser already made of it. `undefined` without a body.
   */
  get rawBody(): string | ParsedForm | undefined {
    return this.#body
  }

  /** The media type of the body, lower case, without parameters (`application/x-www-form-urlencoded`). */
  get contentType(): string | undefined {
    if (this.#contentType !== null) return this.#contentType
    const value = this.header('content-type')
    const semicolon = value === undefined ? -1 : value.indexOf(';')
    this.#contentType = value === undefined ? undefined : (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase()
    return this.#contentType
  }

  /** Whether the request carries a body (by its headers, or because the adapter gave one). */
  get hasBody(): boolean {
    if (this.#body !== undefined) return typeof this.#body === 'string' ? this.#body.length > 0 : true
    const length = this.header('content-length')
    return (length !== undefined && length !== '0') || this.header('transfer-encoding') !== undefined
  }

  /** A cookie sent with the request. */
  cookie(name: string): string | undefined {
    if (this.#cookies === undefined) {
      this.#cookies = new Map()
      for (const pair of (this.header('cookie') ?? '').split(';')) {
        const equals = pair.indexOf('=')
        if (equals === -1) continue
        const key = pair.slice(0, equals).trim()
        if (!this.#cookies.has(key)) this.#cookies.set(key, pair.slice(equals + 1).trim())
      }
    }
    return this.#cookies.get(name)
  }

  /** All query parameters, parsed once. */
  queryParams(): Params {
    return (this.#query ??= parseForm(this.rawQuery))
  }

  /**
   * All form-body parameters, parsed once; empty unless this is a POST with an
   * `application/x-www-form-urlencoded` body.
   */
  formParams(): Params {
    if (this.#form !== undefined) return this.#form
    const body = this.#body
    if (body === undefined || this.method !== 'POST' || this.contentType !== 'application/x-www-form-urlencoded') this.#form = NO_PARAMS
    else this.#form = typeof body === 'string' ? parseForm(body) : fromParsedForm(body)
    return this.#form
  }
}
