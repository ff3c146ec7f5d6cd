/**
 * The OpenID Connect types the grants and the features share: the ID-token seam the token grants call,
 * and the claims hook a host implements.
 *
 * @module
 */
import type { Client, GrantContext } from '../types.ts'

/** The scope that makes an authorization request an OpenID Connect one (Core 1.0 section 3.1.2.1). */
export const OPENID = 'openid'

/** The scope that asks for a refresh token that outlives the login session (Core 1.0 section 11). */
export const OFFLINE_ACCESS = 'offline_access'

/** What an ID token is made from: the grant as the token endpoint sees it. */
export interface IdTokenInput {
  readonly client: Client
  /** The subject (`sub`): the user id the site adapter returned. */
  readonly userId: string
  /** The scopes granted; an ID token is made only when they include `openid`. */
  readonly scopes: readonly string[]
  /** The access token issued with the ID token, for `at_hash`. */
  readonly accessToken: string
  /** The grant's context: `authTime`, `sessionId` and (for a code) `nonce`. */
  readonly context: GrantContext | undefined
  /** When the grant was authorized (the code's issue time): `auth_time` when the context has none. */
  readonly authorizedAt: number
  /** Now, in epoch seconds (`iat`). */
  readonly issuedAt: number
  /** Whether to echo the context's `nonce` (yes for a code, no on refresh: Core 1.0 section 12.2). */
  readonly withNonce: boolean
}

/**
 * Makes ID tokens for the token endpoint. The OpenID Connect feature provides it to the grants
 * (`services.extensions.idTokens`); without it, no grant issues ID tokens.
 */
export interface IdTokenMinter {
  /** The signed ID token, or `undefined` when `openid` was not granted. */
  mint(input: IdTokenInput): Promise<string> | undefined
}

/**
 * The standard claims of a user (Core 1.0 section 5.1), as a host knows them: any subset, plus custom
 * claims. `sub` is set by the server and ignored here.
 */
export type UserClaims = Readonly<Record<string, unknown>>

/**
 * Returns a user's claims; the server releases only those the token's scopes cover (Core 1.0 section
 * 5.4). Called by `/userinfo`; `undefined` when the user no longer exists (the token is then refused).
 */
export type ClaimsHook = (userId: string, scopes: readonly string[], client: Client) => Promise<UserClaims | undefined>
