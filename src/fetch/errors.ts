/**
 * Why a `SafeFetch` refused or failed:
 * - `invalid_url`: not an absolute `https` URL, or it carries a user name or password;
 * - `forbidden_address`: the host is, or resolves to, an address that is not public (see `AddressKind`);
 * - `dns`: the name did not resolve;
 * - `redirect`: the server answered 3xx (redirects are never followed);
 * - `too_large`: the response is longer than the cap;
 * - `timeout`: the whole exchange (resolution, connection, TLS, response) took longer than the limit;
 * - `network`: the connection or TLS handshake failed (e.g. an untrusted certificate).
 */
export type SafeFetchErrorCode = 'invalid_url' | 'forbidden_address' | 'dns' | 'redirect' | 'too_large' | 'timeout' | 'network'

/**
 * The error a `SafeFetch` rejects with. Its message names the URL's host and
 * the reason, never a body; `cause` holds the underlying network error, if any.
 */
export class SafeFetchError extends Error {
  /** Why; see {@link SafeFetchErrorCode}. */
  readonly code: SafeFetchErrorCode

  constructor(code: SafeFetchErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }

  override get name(): string {
    return 'SafeFetchError'
  }
}
