/**
 * The one way the server reaches a URL a client gave it (a Client ID Metadata Document, a back-channel
 * logout URI): every such URL is attacker-chosen once registration is open, so the implementation refuses
 * what could reach the server's own network (RFC 9700 section 4.15 and the SSRF rules of issue 14).
 */
export interface SafeFetch {
  (url: string, init?: SafeFetchInit): Promise<SafeFetchResponse>
}

/** The request of a {@link SafeFetch}. */
export interface SafeFetchInit {
  /** `GET` (the default) or `POST`. */
  readonly method?: 'GET' | 'POST'
  /** Request headers, lower-case names. */
  readonly headers?: Readonly<Record<string, string>>
  /** A request body (with `POST`), e.g. a form-encoded logout token. */
  readonly body?: string
}

/** What a {@link SafeFetch} read: the status, the lower-case headers and the body as text (capped). */
export interface SafeFetchResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}
