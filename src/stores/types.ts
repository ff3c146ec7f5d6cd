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
  /**
   * Seconds after a rotation during which presenting the rotated-out token again gets a sibling successor
   * instead of reuse detection (concurrent refresh); 0 = off.
   */
  readonly graceSeconds: number
  /**
   * With `graceSeconds`: how many successors one token may have in all, the first rotation included, so
   * this many concurrent refreshes of one token succeed. Default 10 (`DEFAULT_CONCURRENT_REFRESHES`).
   */
  readonly concurrentRefreshes?: number | undefined
  /** The new access token to store on success. */
  readonly accessToken: AccessToken
  /** The new refresh token to store on success (same family). */
  readonly refreshToken: RefreshToken
}

/**
 * The result of a rotation:
 * - `rotated`: the presented token was current; it is now rotated out and the successor stored. When the
 *   presented token is one of several siblings (see `grace`), the other siblings are rotated out with it
 *   (presenting one later is reuse) and their access tokens deleted: the first sibling used wins.
 * - `grace`: the presented token had been rotated less than `graceSeconds` ago, none of its successors
 *   has been used yet and it has fewer than `concurrentRefreshes` of them: the new successor is stored as
 *   one more sibling, beside the ones handed out before (concurrent refresh).
 * - `reused`: a rotated-out token was presented again outside those bounds; the whole family has been
 *   revoked (RFC 9700 section 4.14.2).
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
  /**
   * Revokes, as {@link AccessTokenStore.revokeFamily} does, every family whose grant context names this
   * login session or this remembered consent (`GrantContext.sessionId`, `GrantContext.grantId`), as the
   * family's first tokens carried it; resolves how many families were revoked by this call. Families
   * created after the call started are not affected. See {@link FamilyFilter}. Optional for stores written
   * outside this package; every built-in store has it (memcached: best effort, see its store).
   */
  revokeFamilies?(filter: FamilyFilter): Promise<number>
  /** Deletes one access token (RFC 7009 revocation); nothing happens when it is unknown. */
  revokeAccessToken(tokenHash: string): Promise<void>
  /**
   * For the controller's `uniqueToken` option: the newest unexpired access token saved with this
   * `uniqueKey`, or `undefined`.
   */
  fetchExistingToken(uniqueKey: string): Promise<AccessToken | undefined>
}

/**
 * Which families {@link AccessTokenStore.revokeFamilies} revokes:
 * - `{ sessionId }`: every family made in that login session (OpenID Connect logout).
 * - `{ sessionId, exceptOffline: true }`: only those that are not offline — OpenID Connect Core 1.0
 *   section 11: refresh tokens issued without `offline_access` end with the session at logout, offline ones
 *   survive it. A family is offline when the refresh token (or, without one, the access token) it was
 *   created with had the scope `offline_access`.
 * - `{ grantId }`: every family issued under that remembered consent (consent revocation).
 */
export type FamilyFilter =
  | { readonly sessionId: string; readonly exceptOffline?: boolean | undefined; readonly grantId?: never }
  | { readonly grantId: string; readonly sessionId?: never; readonly exceptOffline?: never }

/** A store that keeps both codes and tokens, like the seed's `LocalTokenStore`. */
export type TokenStore = AccessTokenStore & AuthCodeStore

/**
 * A record kept by a {@link RecordStore}: an opaque string (usually JSON) with a version for
 * compare-and-set, and the time it expires.
 */
export interface StoredRecord {
  /** The value as it was written. */
  readonly value: string
  /**
   * Changes with every write of the record. Opaque: pass it back to {@link RecordStore.replaceRecord} as
   * it was read (a counter in SQL and Redis, memcached's CAS token).
   */
  readonly version: string
  /** When the record expires, in epoch seconds; `undefined` for a record that does not expire. */
  readonly expiresAt: number | undefined
}

/** What {@link RecordStore.increment} reads after counting one more. */
export interface CounterReading {
  /** The count in the current window, this increment included (1 for the first). */
  readonly count: number
  /** When the current window ends, in epoch seconds: then the count starts again from nothing. */
  readonly resetAt: number
}

/**
 * The small atomic primitives the features beyond the OAuth core keep their state with — login sessions,
 * remembered consent, signing keys, device codes, rate counters, single-use `jti`s and CSRF tokens — so
 * each such feature is written once, over this interface, instead of once per backend.
 *
 * Records live under a `kind` (a short lower-case name: `[a-z][a-z0-9_]{0,31}`, fixed by the feature) and
 * a `key` (at most 512 characters, no control characters; usually a hash). Values are strings of at most
 * 64 KiB. Times are the store's own clock (its `clock` option), in epoch seconds. An expired record reads
 * as absent everywhere and may be purged at any time after its expiry.
 *
 * Every method is atomic across every process sharing the store (memcached: as far as memcached allows,
 * see its store). Not found is `undefined` or `false`; only infrastructure failures throw.
 */
export interface RecordStore {
  /** The live record, or `undefined` when there is none or it has expired. */
  getRecord(kind: string, key: string): Promise<StoredRecord | undefined>
  /**
   * Creates the record unless a live one exists (create-if-absent: two processes that start together and
   * both create a signing key end up with one). `true` when this call created it.
   */
  createRecord(kind: string, key: string, value: string, expiresAt?: number): Promise<boolean>
  /**
   * Replaces a live record only if it still has `version` (compare-and-set). `false`, changing nothing, when
   * it was changed, deleted or has expired since it was read.
   */
  replaceRecord(kind: string, key: string, version: string, value: string, expiresAt?: number): Promise<boolean>
  /** Writes the record whatever was there (a session refreshed, a cache entry). */
  putRecord(kind: string, key: string, value: string, expiresAt?: number): Promise<void>
  /** Deletes the record; `true` when a live one was there. */
  deleteRecord(kind: string, key: string): Promise<boolean>
  /**
   * Marks `key` used until `expiresAt` and says whether this call was the first: exactly one of any
   * number of concurrent callers gets `true` while the mark lives (a `jti`, a CSRF token, a device
   * decision). The mark reads as a record with an empty value.
   */
  consumeOnce(kind: string, key: string, expiresAt: number): Promise<boolean>
  /**
   * Counts one more in a fixed window: the first increment (or the first after the window ended) starts a
   * window of `windowSeconds` at count 1. Concurrent increments are all counted.
   */
  increment(kind: string, key: string, windowSeconds: number): Promise<CounterReading>
  /** Forgets a counter (a successful sign-in clears its failures). */
  resetCounter(kind: string, key: string): Promise<void>
}

/**
 * A capability flag for stores that live in the process and answer without I/O (the `Local*` stores):
 * the controller calls them directly instead of bounding every call with a timer.
 */
export interface InProcessCapability {
  /** `true` when the store keeps its state in this process's memory and never waits on I/O. */
  readonly inProcess?: boolean
}
