import { ConfigurationError } from '../errors.ts'
import type { SafeFetch } from '../fetch/types.ts'
import type { Signer } from '../keys/types.ts'
import { metadataEndpoint } from '../endpoints/metadata.ts'
import type { EndpointFunction, Grant, GrantRegistry } from '../grants/types.ts'
import { ClaimRules } from '../oidc/claims.ts'
import { corsPreflight, withCors } from '../oidc/cors.ts'
import { DEFAULT_ID_TOKEN_LIFETIME, IdTokens } from '../oidc/id-token.ts'
import { OFFLINE_ACCESS, OPENID, type ClaimsHook } from '../oidc/types.ts'
import { userinfoEndpoint } from '../oidc/userinfo.ts'
import { verifyIdTokenHint } from '../oidc/verify-id-token.ts'
import { PUBLIC_JSON_HEADERS, Response } from '../web/response.ts'
import { BackChannelLogout } from './back-channel.ts'
import { EndSessionEndpoint } from './end-session.ts'
import type { SessionEnder } from './session-ender.ts'

/** The well-known path of OpenID Connect Discovery 1.0 (section 4). */
export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration'

/** Options of {@link OpenIdConnect}. */
export interface OpenIdConnectOptions<Env = unknown> {
  /** Signs ID tokens and logout tokens, and publishes their keys (RS256 always; ES256, EdDSA per client). */
  readonly signer: Signer
  /**
   * A user's claims (name, email, …) for `/userinfo`; the server releases only those the token's scopes
   * cover (Core 1.0 section 5.4), and sets `sub` itself.
   */
  readonly claims: ClaimsHook
  /** ID-token lifetime in seconds. Default 3600. */
  readonly idTokenLifetime?: number
  /** More scopes and the claims they release, beside `profile`, `email`, `address` and `phone`. */
  readonly scopeClaims?: Readonly<Record<string, readonly string[]>>
  /** Path of the UserInfo endpoint. Default `/userinfo`. */
  readonly userinfoPath?: string
  /**
   * Path of the JWKS endpoint serving the signer's keys (`jwks_uri`). By default the controller's own
   * JWKS endpoint when it has one (its `signer` option, or a `JwtTokenGenerator`): it then serves the
   * signer's keys too, so there is one JWKS (with one `KeySet` for both, the same keys); else `/jwks`.
   * `false` when the host publishes the signer's keys itself.
   */
  readonly jwksPath?: string | false
  /**
   * The login sessions logout ends (RP-Initiated Logout 1.0, served at `endSessionPath`). By default the
   * core's own (`services.sessions`, the login/consent split of the site adapter; see
   * docs/sessions-and-consent.md); a {@link SessionEnder} for sessions the host keeps; `false` for no
   * end-session endpoint. Back-channel logout (with `safeFetch`) tells the clients the `SessionEnder`
   * lists for the session: the core's sessions record each client granted in them.
   */
  readonly sessions?: SessionEnder<Env> | false
  /** Path of the end-session endpoint. Default `/end_session`. */
  readonly endSessionPath?: string
  /**
   * The SSRF-safe fetcher that delivers back-channel logout tokens (Back-Channel Logout 1.0), over the
   * core's sessions or a host `SessionEnder`; without it (or with `sessions: false`), back-channel logout
   * is off and not announced.
   */
  readonly safeFetch?: SafeFetch
}

/**
 * OpenID Connect on top of the OAuth server: ID tokens with the code (and refresh) grant when `openid` is
 * granted, `/userinfo`, Discovery at `{issuer}/.well-known/openid-configuration` (and the RFC 8414 form),
 * the JWKS, CORS for browser relying parties on the token, revocation and userinfo endpoints, and — with
 * `sessions` — RP-Initiated and Back-Channel Logout. See docs/openid-connect.md.
 *
 * @example
 * ```ts
 * import { OpenIdConnect, type Signer } from 'oauth2-stack/oidc'
 *
 * declare const signer: Signer // the issuer's key set (RS256, optionally ES256 and EdDSA)
 * controller.use(
 *   new OpenIdConnect({ signer, claims: async (userId) => ({ name: userId, email: `${userId}@example.com`, email_verified: true }) }),
 * )
 * ```
 */
export class OpenIdConnect<Env = unknown> implements Grant<Env> {
  readonly #options: OpenIdConnectOptions<Env>
  readonly #rules: ClaimRules

  constructor(options: OpenIdConnectOptions<Env>) {
    if (!options.signer.algorithms.includes('RS256')) {
      // OpenID Connect Discovery 1.0 section 3: RS256 MUST be supported.
      throw new ConfigurationError('OpenIdConnect needs a signer with an RS256 key')
    }
    const lifetime = options.idTokenLifetime ?? DEFAULT_ID_TOKEN_LIFETIME
    if (!Number.isInteger(lifetime) || lifetime <= 0)
      throw new ConfigurationError('idTokenLifetime must be a positive whole number of seconds')
    this.#options = options
    this.#rules = new ClaimRules(options.scopeClaims)
  }

  register(registry: GrantRegistry<Env>): void {
    const options = this.#options
    const metadata = registry.metadata()
    const issuer = String(metadata.issuer)
    const scopes = metadata.scopes_supported
    if (Array.isArray(scopes) && !scopes.includes(OPENID)) {
      throw new ConfigurationError('OpenIdConnect needs openid among the scopes the controller allows (scope.available)')
    }
    const signer = options.signer
    registry.extend({
      idTokens: new IdTokens({ issuer, signer, lifetime: options.idTokenLifetime ?? DEFAULT_ID_TOKEN_LIFETIME }),
      // Core 1.0 section 3.1.2.1: id_token_hint at /authorize names the user (and session) the RP expects;
      // an expired one is still a hint (as at the end-session endpoint).
      verifyIdTokenHint: async (token) => {
        const hint = await verifyIdTokenHint(signer, token, { issuer })
        return hint === undefined ? undefined : { sub: hint.sub, ...(hint.sid === undefined ? {} : { sid: hint.sid }) }
      },
    })
    const userinfo = userinfoEndpoint({ claims: options.claims, rules: this.#rules })
    registry.addEndpoint({
      path: options.userinfoPath ?? '/userinfo',
      metadataField: 'userinfo_endpoint',
      handle: (request, _environ, services) => userinfo(request, services),
    })
    if (options.jwksPath === undefined && typeof metadata.jwks_uri === 'string') {
      // One JWKS: the controller's own serves the signer's keys as well (nothing added with the same KeySet).
      registry.wrapEndpoint('jwks', (handle) => withKeys(handle, signer))
    } else if (options.jwksPath !== false) {
      registry.addEndpoint({
        path: options.jwksPath ?? '/jwks',
        metadataField: 'jwks_uri',
        handle: async (request) =>
          request.method === 'OPTIONS'
            ? corsPreflight(request, 'GET')
            : new Response(200, { ...PUBLIC_JSON_HEADERS }, JSON.stringify(await signer.jwks())),
      })
    }
    // Back-Channel Logout 1.0 section 2.7: each session's clients are told, those the core's sessions
    // record (the default) or those a host SessionEnder lists; it needs the end-session endpoint and a fetcher.
    const sessions = options.sessions
    const backChannel =
      options.safeFetch === undefined || sessions === false ? undefined : new BackChannelLogout(issuer, signer, options.safeFetch)
    if (sessions !== false) {
      registry.addEndpoint(new EndSessionEndpoint({ path: options.endSessionPath ?? '/end_session', signer, sessions, backChannel }))
    }
    // CORS for browser relying parties, per client (never on /authorize).
    registry.wrapEndpoint('token', (handle, services) => withCors(handle, services))
    registry.wrapEndpoint('revocation', (handle, services) => withCors(handle, services))
    registry.addMetadata(this.#fields(scopes === undefined, backChannel !== undefined))
    // OpenID Connect Discovery 1.0 section 4: the issuer with the well-known path appended (the mount
    // point's own path); RFC 8414 section 3: the well-known path inserted before the issuer's path. The
    // document is the RFC 8414 one, so the two can never disagree.
    const discovery = metadataEndpoint<Env>(() => registry.metadata())
    registry.addEndpoint({ path: OPENID_CONFIGURATION_PATH, handle: (request, environ) => discovery(request, environ) })
    const issuerPath = new URL(issuer).pathname.replace(/\/$/, '')
    if (issuerPath !== '') {
      registry.addEndpoint({ path: `${OPENID_CONFIGURATION_PATH}${issuerPath}`, handle: (request, environ) => discovery(request, environ) })
    }
  }

  /** The OpenID Connect Discovery 1.0 section 3 fields, added to the RFC 8414 metadata. */
  #fields(announceScopes: boolean, backChannel: boolean): Readonly<Record<string, string | boolean | readonly string[]>> {
    const fields: Record<string, string | boolean | readonly string[]> = {
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: this.#options.signer.algorithms,
      claims_supported: this.#rules.supported,
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
    }
    // With no scope list of its own the controller accepts any scope: announce the standard ones.
    if (announceScopes) fields.scopes_supported = [OPENID, 'profile', 'email', 'address', 'phone', OFFLINE_ACCESS]
    if (backChannel) {
      // Back-Channel Logout 1.0 section 2.1: supported, and every logout token carries the session's sid.
      fields.backchannel_logout_supported = true
      fields.backchannel_logout_session_supported = true
    }
    return fields
  }
}

/**
 * The controller's JWKS endpoint serving `signer`'s keys too: those it does not already publish are
 * added (none when both sign with the same `KeySet`), and CORS preflights are answered.
 */
function withKeys<Env>(handle: EndpointFunction<Env>, signer: Signer): EndpointFunction<Env> {
  return async (request, environ) => {
    if (request.method === 'OPTIONS') return corsPreflight(request, 'GET')
    const response = await handle(request, environ)
    if (response.statusCode !== 200) return response
    const published = JSON.parse(response.body) as { keys: object[] }
    const known = new Set(published.keys.map((key) => JSON.stringify(key)))
    const added = (await signer.jwks()).keys.filter((key) => !known.has(JSON.stringify(key)))
    if (added.length === 0) return response
    return new Response(200, { ...PUBLIC_JSON_HEADERS }, JSON.stringify({ keys: [...published.keys, ...added] }))
  }
}
