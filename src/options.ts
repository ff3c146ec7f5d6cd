import { ConfigurationError } from './errors.ts'

export type { IntrospectionOptions } from './endpoints/introspect.ts'
import type { AnyOAuthError } from './errors.ts'
import type { Logger } from './events/logger.ts'
import type { AuditEventHandler } from './events/types.ts'
import type { Scope } from './checks/scope.ts'
import type { ClientIdMetadataDocumentOptions } from './clients/metadata-document-clients.ts'
import type { ResourceOptions } from './grants/resource-binding.ts'
import type { IntrospectionOptions } from './endpoints/introspect.ts'
import type { ClientAddressFunction } from './limits/client-address.ts'
import type { LimitsOptions } from './limits/policies.ts'
import type { AccessTokenStore, AuthCodeStore, ClientStore, RecordStore } from './stores/types.ts'
import type { TokenGenerator } from './tokens/types.ts'
import type { Request } from './web/request.ts'
import type { PageHooks } from './web/page-hooks.ts'
import type { SiteAdapter } from './web/site-adapter.ts'

/**
 * Options of the {@link AuthorizationController} (the seed's constructor arguments, plus what the RFCs
 * need).
 *
 * @typeParam Env - the type of `environ` given to `dispatch`.
 */
export interface AuthorizationControllerOptions<Env = unknown> {
  /** Where access and refresh tokens are kept. */
  readonly accessTokenStore: AccessTokenStore
  /** Where authorization codes are kept (often the same object as `accessTokenStore`). */
  readonly authCodeStore: AuthCodeStore
  /** Where clients are registered. */
  readonly clientStore: ClientStore
  /** Login and consent; grants may override it. Required by the code, implicit and password grants. */
  readonly siteAdapter?: SiteAdapter<Env>
  /**
   * Replaces or translates the pages the core renders itself: the authorization endpoint's error page
   * (`error`), the message pages (`message`) and the device verification page (`devicePage`), each told
   * the user's `ui_locales` (OpenID Connect Core section 3.1.2.1). A hook returns HTML it escaped itself
   * (with `escapeHtml` from `oauth2-stack/web`) or a whole `Response`; the core keeps the anti-framing,
   * no-referrer and no-store headers on it either way. The login-and-consent page stays the site adapter's
   * `renderAuthPage` (its context carries `uiLocales`). Default: the built-in English pages.
   */
  readonly pages?: PageHooks
  /** Makes codes and tokens. Default: {@link "oauth2-stack/tokengenerator"!RandomTokenGenerator} (256 bits). */
  readonly tokenGenerator?: TokenGenerator
  /**
   * The issuer identifier: an `https` URL (or `http` on a loopback host for development) without query or
   * fragment, e.g. `https://auth.example.com`. Sent as `iss` on authorization responses (RFC 9207) and
   * never taken from the `Host` header.
   */
  readonly issuer: string
  /** Path of the authorization endpoint. Default `/authorize`. */
  readonly authorizePath?: string
  /** Path of the token endpoint. Default `/token`. */
  readonly tokenPath?: string
  /** Path of the revocation endpoint (RFC 7009). Default `/revoke`. */
  readonly revocationPath?: string
  /** Path of the introspection endpoint (RFC 7662). Default `/introspect`. */
  readonly introspectionPath?: string
  /** Path of the JWKS endpoint, served when the token generator publishes keys. Default `/jwks`. */
  readonly jwksPath?: string
  /** Who may introspect what (RFC 7662 section 2.1). */
  readonly introspection?: IntrospectionOptions
  /**
   * Access-token lifetime in seconds for grant types the token generator has no lifetime for.
   * Default 3600 (one hour).
   */
  readonly accessTokenLifetime?: number
  /**
   * Authorization-code lifetime in seconds, at most 600 (RFC 6749 section 4.1.2 recommends 10 minutes at
   * most). Default 60.
   */
  readonly authorizationCodeLifetime?: number
  /** The scope policy of every grant that sets none. Default: the `scope` parameter is ignored (seed). */
  readonly scope?: Scope
  /**
   * Resource indicators (RFC 8707): the resource a request without `resource` gets (`default`), and which
   * resources a client may ask for (`allowed`, after the client's own `resources` list). Without a list and
   * a function, only the default is allowed; without any of them a request naming a resource gets
   * `invalid_target`. The access token's resources are its audience. See `docs/resource-indicators.md`.
   */
  readonly resources?: ResourceOptions
  /**
   * Milliseconds a store call may take before the request is answered 503 `temporarily_unavailable`.
   * Applies to stores other than the in-memory ones. Default 2000.
   */
  readonly storeTimeoutMs?: number
  /** Clock in milliseconds since the epoch. Default `Date.now`. For tests. */
  readonly clock?: () => number
  /**
   * Hand back a still-valid token (at least 60 s left) that the client already holds for the same user
   * and scope instead of minting a new one (python-oauth2's `unique_token`). Applies to the grants that do
   * not redeem a code (client credentials, password, implicit): a code's tokens stay its own, so a replayed
   * code can revoke them (RFC 6749 section 4.1.2). Tokens are kept encrypted
   * for this with AES-256-GCM under `key` (32 bytes; default: a random key per process, so reuse stops
   * at a restart). Off by default.
   */
  readonly uniqueToken?: boolean | { readonly key: Uint8Array }
  /**
   * Called with every OAuth error answered, for logging or metrics. `error.cause` holds the internal
   * cause of a `server_error`. Default: log `server_error`s at `error` and store outages
   * (`temporarily_unavailable`) at `warn` through {@link AuthorizationControllerOptions.logger}.
   */
  readonly onError?: (error: AnyOAuthError, request: Request) => void
  /**
   * Where rate-limit counters, spent CSRF tokens and the server's CSRF key are kept (`RecordStore`).
   * Default: the access-token store when it offers the `RecordStore` primitives (every built-in store
   * does), else a `LocalRecordStore` in this process's memory — then each process counts on its own, so
   * pass a shared one when running several. Bounded by `storeTimeoutMs` like the other stores.
   */
  readonly recordStore?: RecordStore
  /**
   * The rate limits (RFC 6749 section 4.3.2 and 10.10, OAuth 2.1 section 2.4.1, RFC 8628 section 5.1): per
   * limit `{ max, windowSeconds }` or `false`; `false` turns every limit off. On by default; the limits,
   * their defaults and what a limited request gets are in `docs/limits.md`.
   */
  readonly limits?: LimitsOptions | false
  /**
   * How many proxies of your own stand in front of the server, each appending the address it saw to
   * `X-Forwarded-For`; the client's address (for the rate limits) is then the entry that many places from
   * the right. Default: none, the socket's address is used and the header ignored (anyone can send it).
   */
  readonly trustProxy?: number
  /**
   * Accept client secrets shorter than 43 characters on an issuer that is not a loopback one. They are
   * hashed with scrypt, so every wrong guess costs the server about 30 ms of CPU (issue 17). Without it
   * the controller warns at start-up about every stored client with such a secret (they keep working).
   * Default `false`.
   */
  readonly allowWeakClientSecrets?: boolean
  /**
   * Receives the audit events (`token.issued`, `refresh.reused`, `client.auth_failed`, …; see
   * `AuditEvent`): typed data with the request id, client, user, address and time, never a secret,
   * token, code or password. Called after the response is decided and the store agreed; what it throws
   * or rejects with is logged, and a returned promise is not awaited, so it can neither break nor slow
   * a request. Default: no events (and no cost).
   */
  readonly onEvent?: AuditEventHandler
  /**
   * Where the controller logs (pino's shape: `logger.error(fields, message)`; `pino()` fits): the
   * default `onError` reporting, and failures of the `onError` and `onEvent` hooks. Default: errors and
   * warnings to `console.error`.
   */
  readonly logger?: Logger
  /**
   * The client's address, for the rate limits and the audit events, from the adapter's `environ` and the
   * request. Default: the socket's remote address (`nodeHandler`, Express, Fastify, Koa; none for the
   * Fetch adapter, whose `Request` has no socket), or the `X-Forwarded-For` entry of `trustProxy`. Behind a
   * reverse proxy, read the address from a header only that proxy sets. The rate limits count IPv6
   * addresses per /64.
   */
  readonly clientAddress?: ClientAddressFunction<Env>
  /**
   * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, as MCP uses them): a
   * `client_id` that is an https URL with a path names the JSON document describing the client, which
   * the server fetches through an SSRF-safe fetcher, validates and caches; the metadata then says
   * `client_id_metadata_document_supported: true`. Such clients are public (PKCE, no secret). Host
   * allow/deny lists, the loopback development switch, the fetcher and the cache bounds are options; see
   * `docs/client-id-metadata-documents.md`. Default: off.
   */
  readonly clientIdMetadataDocuments?: ClientIdMetadataDocumentOptions | false
}

/** The authorization-code lifetime cap (RFC 6749 section 4.1.2). */
export const MAX_CODE_LIFETIME = 600

/** Throws a `TypeError` unless `issuer` is a valid issuer identifier (RFC 8414 section 2). */
export function checkIssuer(issuer: string): string {
  let url: URL
  try {
    url = new URL(issuer)
  } catch {
    throw new ConfigurationError(`issuer ${JSON.stringify(issuer)} is not a URL`)
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigurationError(`issuer ${JSON.stringify(issuer)} must use https (http is allowed on loopback hosts only)`)
  }
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#')) {
    throw new ConfigurationError(`issuer ${JSON.stringify(issuer)} must not have a query or fragment (RFC 8414 section 2)`)
  }
  return issuer
}

/** Throws a `TypeError` unless `value` is a whole number from 1 to `max`. */
export function checkSeconds(name: string, value: number, max: number = Number.MAX_SAFE_INTEGER, unit: string = 'seconds'): number {
  if (!Number.isSafeInteger(value) || value <= 0 || value > max) {
    throw new ConfigurationError(`${name} must be a whole number of ${unit} from 1 to ${max}`)
  }
  return value
}

/** Throws a `TypeError` unless `path` is an absolute path without query. */
export function checkPath(name: string, path: string): string {
  if (!path.startsWith('/') || path.includes('?') || path.includes('#')) {
    throw new ConfigurationError(`${name} must be an absolute path such as /token`)
  }
  return path
}
