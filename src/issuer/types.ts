import type { AccessToken, Client, GrantContext, RefreshToken, UserData } from '../types.ts'
import type { Request } from '../web/request.ts'

/** A successful token response (RFC 6749 section 5.1), field names as on the wire. */
export interface TokenResponseBody {
  readonly access_token: string
  readonly token_type: 'Bearer'
  readonly expires_in: number
  readonly refresh_token?: string
  readonly scope?: string
  /** The OpenID Connect ID token, when `openid` was granted (Core 1.0 section 3.1.3.3). */
  readonly id_token?: string
}

/** Who the tokens are for. */
export interface TokenSubject {
  readonly client: Client
  /** The grant type issuing the tokens. */
  readonly grantType: string
  readonly userId: string | undefined
  readonly data: UserData
  readonly scopes: readonly string[]
  /** Issue a refresh token too, if refresh tokens are enabled (the `RefreshToken` grant is added). */
  readonly withRefreshToken: boolean
  /** Put the tokens in this family (e.g. the code's, so a reused code revokes them). */
  readonly familyId?: string
  /** Scopes of the refresh token when they differ from the access token's (a narrowing refresh). */
  readonly refreshScopes?: readonly string[]
  /** Absolute expiry of the refresh token, when it continues a family. */
  readonly refreshExpiresAt?: number
  /** The grant's context, kept with the tokens; by default only whose tokens they are (`subjectType`). */
  readonly context?: GrantContext
  /** The access token's audience (RFC 8707 resources, canonical): its `aud`, kept with it. */
  readonly resources?: readonly string[] | undefined
  /** The resources of the refresh token (the family's whole set) when they differ from the audience. */
  readonly refreshResources?: readonly string[] | undefined
  /** The request asking for the tokens: `issueTokens` then emits `token.issued` for it once they are stored. */
  readonly request?: Request
}

/** Tokens made but not stored yet: the records for the store and the response for the client. */
export interface MintedTokens {
  readonly accessToken: AccessToken
  readonly refreshToken: RefreshToken | undefined
  readonly body: TokenResponseBody
}

/** The refresh-token policy set by the `RefreshToken` grant. */
export interface RefreshPolicy {
  /** Refresh-token lifetime in seconds (the whole family's: rotation does not extend it). */
  readonly expiresIn: number
  /** Seconds after a rotation in which presenting the rotated-out token again gets a sibling successor; 0 = off. */
  readonly graceSeconds: number
  /** With `graceSeconds`: how many successors one token may have in all (concurrent refreshes that succeed). */
  readonly concurrentRefreshes?: number | undefined
}
