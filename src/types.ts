/**
 * The data types passed between the controller and the stores (the seed's `oauth2.datatype`).
 *
 * Codes and tokens never appear in these records in plaintext: they are identified by
 * {@link hashToken | their SHA-256 hash}, so a dump of a store holds nothing a client could present.
 * Times are whole seconds since the Unix epoch.
 *
 * @module
 */

/** User data returned by the site adapter, kept with codes and tokens and handed back on refresh. */
export type UserData = Readonly<Record<string, unknown>>

/** The empty user data, shared so tokens without a user allocate nothing for it. */
export const NO_USER_DATA: UserData = Object.freeze({})

/**
 * How a client authenticates at the token endpoint (RFC 6749 section 2.3, RFC 7591 names).
 * `none` is a public client: it identifies itself with `client_id` and proves nothing.
 */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none'

/** A registered client application (the seed's `oauth2.Client`). */
export interface Client {
  /** The `client_id`. */
  readonly clientId: string
  /**
   * The hash of the client secret made by `hashClientSecret`; `undefined` for a public client.
   * The plaintext secret is never stored.
   */
  readonly clientSecretHash: string | undefined
  /** Every redirect URI, registered in full; compared as exact strings (RFC 9700 section 2.1). */
  readonly redirectUris: readonly string[]
  /** The `grant_type`s this client may use at the token endpoint (`unauthorized_client` otherwise). */
  readonly grantTypes: readonly string[]
  /** The `response_type`s this client may use at the authorization endpoint. */
  readonly responseTypes: readonly string[]
  /** How the client authenticates at the token endpoint. Confidential clients may use either secret method. */
  readonly tokenEndpointAuthMethods: readonly ClientAuthMethod[]
  /** The scopes this client may ask for; `undefined` leaves it to the grant's {@link "oauth2-stack/grant"!Scope}. */
  readonly scopes: readonly string[] | undefined
  /** Whether this client must use PKCE even when confidential. Public clients always must. */
  readonly requirePkce: boolean
  /** A name to show the user on the consent page. */
  readonly name: string | undefined
  /**
   * OpenID Connect RP-Initiated Logout 1.0 section 3.1: where the client may ask to be sent after logout,
   * registered in full and compared as exact strings.
   */
  readonly postLogoutRedirectUris?: readonly string[] | undefined
  /** OpenID Connect Back-Channel Logout 1.0 section 2.2: where logout tokens are POSTed. */
  readonly backchannelLogoutUri?: string | undefined
  /** The algorithm of this client's ID tokens (`id_token_signed_response_alg`); RS256 when unset. */
  readonly idTokenSignedResponseAlg?: 'RS256' | 'ES256' | 'EdDSA' | undefined
  /** Browser origins (`https://app.example`) allowed to call the token, revocation and userinfo endpoints (CORS). */
  readonly allowedCorsOrigins?: readonly string[] | undefined
  /**
   * Where the record comes from: `metadata-document` for a client whose `client_id` is the URL of its
   * Client ID Metadata Document (its name and URIs are what that document says, not verified by anyone);
   * `undefined` for a client registered with the server.
   */
  readonly source?: 'metadata-document' | undefined
  /** The client's logo (RFC 7591 `logo_uri`), for display only. */
  readonly logoUri?: string | undefined
  /** The client's home page (RFC 7591 `client_uri`), for display only. */
  readonly clientUri?: string | undefined
  /**
   * The resources (RFC 8707) this client may ask tokens for, in canonical form; `undefined` leaves it to
   * the controller's `resources` policy. See `docs/resource-indicators.md`.
   */
  readonly resources?: readonly string[] | undefined
  /**
   * For clients whose metadata can change after registration (RFC 7591/7592 self-registered clients,
   * client ID metadata documents): a version or hash of that metadata. When set, remembered consent is
   * kept per redirect URI and dropped once the version changes. `undefined` for clients registered by an
   * administrator.
   */
  readonly metadataVersion?: string | undefined
}

/** Whether a client is public (no secret, RFC 6749 section 2.1). */
export function isPublicClient(client: Client): boolean {
  return client.clientSecretHash === undefined
}

/** The PKCE transformations (RFC 7636 section 4.2). */
export type CodeChallengeMethod = 'S256' | 'plain'

/**
 * Whose token it is: `user` for a resource owner's grant, `client` for a client acting on its own behalf
 * (`client_credentials`). An API must not take a client's token for a user of the same name
 * (RFC 9068 section 5, RFC 9700 section 4.15).
 */
export type SubjectType = 'user' | 'client'

/**
 * What a grant carries beyond its tokens, from the authorization to every token of its family: who
 * authorized it, when, in which login session, under which remembered consent, for which resources.
 * Kept with codes, device authorizations and tokens, and on the family's row, so features that end
 * families by session or by grant (logout, consent revocation) and audience-bound tokens need no other
 * migration. Every field is optional: what a flow does not know stays `undefined`.
 */
export interface GrantContext {
  /** Whose token it is; see {@link SubjectType}. */
  readonly subjectType?: SubjectType | undefined
  /** When the user last authenticated, in epoch seconds (OpenID Connect `auth_time`). */
  readonly authTime?: number | undefined
  /** The login session the grant was made in (OpenID Connect `sid`). */
  readonly sessionId?: string | undefined
  /** The remembered consent the grant was made under. */
  readonly grantId?: string | undefined
  /**
   * The resources (RFC 8707 `resource`) the grant is bound to, in canonical form. On a code, a device
   * authorization, a refresh token and a family's row: the whole bound set. On an access token: its
   * audience, the resources it is for (`aud`), which a refresh may narrow to a subset of the set.
   */
  readonly resources?: readonly string[] | undefined
  /** The OpenID Connect `nonce` of the authorization request, echoed in the ID token (Core 1.0 section 3.1.2.1). */
  readonly nonce?: string | undefined
}

/** An issued authorization code (the seed's `oauth2.AuthorizationCode`), stored by hash. */
export interface AuthorizationCode {
  /** SHA-256 of the code, base64url. */
  readonly codeHash: string
  /** The client the code was issued to; only it may redeem the code (RFC 6749 section 4.1.3). */
  readonly clientId: string
  /**
   * The `redirect_uri` parameter of the authorization request, or `undefined` when it was omitted.
   * The token request must repeat it exactly when it was sent (RFC 6749 section 4.1.3).
   */
  readonly redirectUri: string | undefined
  /** The redirect URI the code was delivered to. */
  readonly effectiveRedirectUri: string
  /** The granted scopes. */
  readonly scopes: readonly string[]
  /** The resource owner's id as returned by the site adapter. */
  readonly userId: string
  /** User data returned by the site adapter. */
  readonly data: UserData
  /** PKCE challenge, when the client sent one (RFC 7636 section 4.4). */
  readonly codeChallenge: string | undefined
  /** PKCE method, when a challenge was sent. */
  readonly codeChallengeMethod: CodeChallengeMethod | undefined
  /** The token family the code's tokens belong to, revoked when the code is presented twice. */
  readonly familyId: string
  readonly issuedAt: number
  readonly expiresAt: number
  /** What the grant carries beyond its tokens; see {@link GrantContext}. */
  readonly context?: GrantContext | undefined
}

/** An issued access token (the seed's `oauth2.AccessToken`), stored by hash. */
export interface AccessToken {
  /** SHA-256 of the token, base64url. */
  readonly tokenHash: string
  readonly clientId: string
  /** The grant type that issued the token (`refresh_token` after a refresh). */
  readonly grantType: string
  /** The resource owner, `undefined` for `client_credentials`. */
  readonly userId: string | undefined
  readonly data: UserData
  readonly scopes: readonly string[]
  /** The family (code or refresh chain) the token belongs to, if any. */
  readonly familyId: string | undefined
  readonly issuedAt: number
  readonly expiresAt: number
  /**
   * Only with the controller's `uniqueToken` option: the token (and its refresh token) encrypted with
   * the controller's key, so an existing token can be handed out again. Never the plaintext.
   */
  readonly sealed: string | undefined
  /** Only with `uniqueToken`: the key under which the store indexes the token for reuse. */
  readonly uniqueKey: string | undefined
  /** Only with `uniqueToken`: the hash of the refresh token issued with this access token. */
  readonly refreshTokenHash: string | undefined
  /** What the grant carries beyond its tokens; see {@link GrantContext}. */
  readonly context?: GrantContext | undefined
}

/** An issued refresh token, stored by hash. A family is the chain of tokens rotated from one grant. */
export interface RefreshToken {
  /** SHA-256 of the refresh token, base64url. */
  readonly tokenHash: string
  /** Refresh tokens are bound to the client they were issued to (RFC 6749 section 6). */
  readonly clientId: string
  readonly userId: string | undefined
  readonly data: UserData
  /** The scopes the resource owner granted; a refresh may narrow them, never widen (RFC 6749 section 6). */
  readonly scopes: readonly string[]
  readonly familyId: string
  readonly issuedAt: number
  /** Absolute expiry of the family: rotation does not extend it. */
  readonly expiresAt: number
  /** When this token was rotated out, or `undefined` while it is the family's current token. */
  readonly rotatedAt: number | undefined
  /**
   * Whether this rotated-out token may have no (more) sibling successors (concurrent refresh): it is a
   * sibling retired because another sibling was used first, or a release before concurrent refresh spent
   * its one grace retry. Presenting it again is reuse.
   */
  readonly graceUsed: boolean
  /** The hash of the token that replaced this one. */
  readonly successorHash: string | undefined
  /** The hash of the access token issued together with this refresh token. */
  readonly accessTokenHash: string | undefined
  /** What the grant carries beyond its tokens; see {@link GrantContext}. */
  readonly context?: GrantContext | undefined
}
