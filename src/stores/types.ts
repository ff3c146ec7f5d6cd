import type { AccessToken, AuthorizationCode, Client, RefreshToken } from '../types.ts'

/**
 * Reads clients (the seed's `oauth2.store.ClientStore`).
 *
 * "Not found" is `undefined`; only infrastructure failures throw.
 */
export interface ClientStore {
  /** The client with this `client_id`, or `undefined`. */
  fetchByClientId(clientId: string): Promise<Client | undefined>
}

/** The result of {@link AuthCodeStore.consumeCode}. */
export interface CodeConsumption {
  /** `consumed`: this caller won and may issue tokens. `reused`: the code had been consumed before. */
  readonly outcome: 'consumed' | 'reused'
  readonly code: AuthorizationCode
}

/**
 * Keeps authorization codes (the seed's `oauth2.store.AuthCodeStore`). Codes are identified by their
 * SHA-256 hash: the store never sees a usable code.
 */
export interface AuthCodeStore {
  /** Stores a new code until `code.expiresAt`. */
  saveCode(code: AuthorizationCode): Promise<void>
  /** The unexpired, unconsumed code with this hash, or `undefined`. Does not consume it. */
  fetchByCode(codeHash: string): Promise<AuthorizationCode | undefined>
  /**
   * Atomically marks the code consumed and says whether this caller was first: exactly one of any number
   * of concurrent callers gets `consumed` (RFC 6749 section 4.1.2: a code is single-use). A consumed code
   * is remembered until it expires, so a second redemption is seen as `reused`. `undefined` when the code
   * is unknown or expired.
   */
  consumeCode(codeHash: string, now: number): Promise<CodeConsumption | undefined>
}

/** What {@link AccessTokenStore.rotateRefreshToken} is asked to do. */
export interface RotationRequest {
  /** Hash of the refresh token presented. */
  readonly presentedHash: string
  /** The authenticated client; a token of another client is `invalid`. */
  readonly clientId: string
  /** Now, in epoch seconds. */
  readonly now: number
  /** Seconds after a rotation during which one retry gets a fresh successor instead of reuse detection; 0 = off. */
  readonly graceSeconds: number
  /** The new access token to store on success. */
  readonly accessToken: AccessToken
  /** The new refresh token to store on success (same family). */
  readonly refreshToken: RefreshToken
}

/**
 * The result of a rotation:
 * - `rotated`: the presented token was current; it is now rotated out and the successor stored.
 * - `grace`: the presented token had just been rotated and the grace interval allows one retry; the
 *   previous successor is rotated out (presenting it later is reuse), its access token deleted, and the
 *   new successor stored.
 * - `reused`: a rotated-out token was presented again; the whole family has been revoked
 *   (RFC 9700 section 4.14.2).
 * - `invalid`: unknown, expired, revoked, or issued to another client.
 */
export type RotationOutcome = 'rotated' | 'grace' | 'reused' | 'invalid'

/**
 * Keeps access and refresh tokens (the seed's `oauth2.store.AccessTokenStore`), by SHA-256 hash.
 */
export interface AccessTokenStore {
  /**
   * Stores an access token and, optionally, the refresh token issued with it. Resolves `false` (and
   * stores nothing) when their family was revoked meanwhile, so no token is handed out that would not work.
   */
  saveToken(accessToken: AccessToken, refreshToken?: RefreshToken): Promise<boolean>
  /** The unexpired access token with this hash, or `undefined`. */
  fetchByToken(tokenHash: string): Promise<AccessToken | undefined>
  /** The unexpired refresh token with this hash (rotated out or not), or `undefined`. */
  fetchByRefreshToken(tokenHash: string): Promise<RefreshToken | undefined>
  /** Rotates a refresh token in one atomic step; see {@link RotationOutcome}. */
  rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome>
  /** Deletes every access and refresh token of a family, and refuses new ones into it. */
  revokeFamily(familyId: string): Promise<void>
  /** Deletes one access token (RFC 7009 revocation); nothing happens when it is unknown. */
  revokeAccessToken(tokenHash: string): Promise<void>
  /**
   * For the controller's `uniqueToken` option: the newest unexpired access token saved with this
   * `uniqueKey`, or `undefined`.
   */
  fetchExistingToken(uniqueKey: string): Promise<AccessToken | undefined>
}

/** A store that keeps both codes and tokens, like the seed's `LocalTokenStore`. */
export type TokenStore = AccessTokenStore & AuthCodeStore
