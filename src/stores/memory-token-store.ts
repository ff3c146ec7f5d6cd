import type { AccessToken, AuthorizationCode, RefreshToken } from '../types.ts'
import { ExpiryIndex } from './expiry-index.ts'
import { decideRotation, isOffline, successorCount } from './family.ts'
import type { AccessTokenStore, AuthCodeStore, CodeConsumption, FamilyFilter, RotationOutcome, RotationRequest } from './types.ts'

/** Options of {@link LocalTokenStore}. */
export interface LocalTokenStoreOptions {
  /** Clock in milliseconds since the epoch; defaults to `Date.now`. Used to purge expired entries. */
  readonly clock?: () => number
}

interface StoredCode {
  readonly code: AuthorizationCode
  consumed: boolean
}

/**
 * The hashes of a family's tokens, access and refresh. An array, not Sets: most families hold a handful,
 * and two Sets per grant were a measurable share of the password grant's cost and memory. Deleting a
 * token only counts it out (`live`); the array is compacted when most of it is gone, so a long rotation
 * chain costs O(1) per deletion, amortized, and revoking a family is one pass.
 */
interface Family {
  hashes: string[]
  /** How many of `hashes` are still stored. */
  live: number
  /** The login session and remembered consent of the grant (`GrantContext`), for `revokeFamilies`. */
  readonly sessionId: string | undefined
  readonly grantId: string | undefined
  /** Whether the family was created with `offline_access` (OpenID Connect Core 1.0 section 11). */
  readonly offline: boolean
}

/** Families with fewer entries grow by copying (see `#join`). */
const SMALL_FAMILY = 8

/** Families with at least this many entries are compacted once fewer than half of them are live. */
const COMPACT_FROM = 16

/**
 * Keeps codes and tokens in memory (the seed's `LocalTokenStore`), keyed by SHA-256 hash.
 *
 * Expired entries are purged as time passes (at most once a minute, visiting only what has expired), so
 * memory stays bounded by the number of live tokens. Every operation is synchronous inside, so consuming
 * a code and rotating a refresh token are atomic within the process. For several processes, use a shared
 * store.
 */
export class LocalTokenStore implements AccessTokenStore, AuthCodeStore {
  /** In-process: the controller calls it directly, without a timer per call. */
  readonly inProcess = true
  readonly #clock: () => number
  readonly #codes = new Map<string, StoredCode>()
  readonly #access = new Map<string, AccessToken>()
  readonly #refresh = new Map<string, RefreshToken>()
  readonly #families = new Map<string, Family>()
  readonly #revokedFamilies = new Set<string>()
  readonly #unique = new Map<string, string>()
  /** Concurrent refresh: the successors each rotated-out token was given, and each successor's parent. */
  readonly #children = new Map<string, string[]>()
  readonly #parents = new Map<string, string>()
  /** The live families of each login session and of each remembered consent. */
  readonly #bySession = new Map<string, Set<string>>()
  readonly #byGrant = new Map<string, Set<string>>()
  // One index per kind, holding bare hashes: no wrapper object per stored token.
  readonly #codeExpiry = new ExpiryIndex<string>()
  readonly #accessExpiry = new ExpiryIndex<string>()
  readonly #refreshExpiry = new ExpiryIndex<string>()
  readonly #revokedExpiry = new ExpiryIndex<string>()
  #nextPurge = 0

  constructor(options: LocalTokenStoreOptions = {}) {
    this.#clock = options.clock ?? Date.now
  }

  /** How many codes, access tokens and refresh tokens are held (expired ones not yet purged included). */
  get size(): { codes: number; accessTokens: number; refreshTokens: number; families: number } {
    return {
      codes: this.#codes.size,
      accessTokens: this.#access.size,
      refreshTokens: this.#refresh.size,
      families: this.#families.size,
    }
  }

  async saveCode(code: AuthorizationCode): Promise<void> {
    this.#maybePurge()
    this.#codes.set(code.codeHash, { code, consumed: false })
    this.#codeExpiry.add(code.codeHash, code.expiresAt)
  }

  async fetchByCode(codeHash: string): Promise<AuthorizationCode | undefined> {
    const stored = this.#codes.get(codeHash)
    if (stored === undefined || stored.consumed || stored.code.expiresAt <= this.#now()) return undefined
    return stored.code
  }

  async consumeCode(codeHash: string, now: number): Promise<CodeConsumption | undefined> {
    const stored = this.#codes.get(codeHash)
    if (stored === undefined || stored.code.expiresAt <= now) return undefined
    if (stored.consumed) return { outcome: 'reused', code: stored.code }
    stored.consumed = true
    return { outcome: 'consumed', code: stored.code }
  }

  async saveToken(accessToken: AccessToken, refreshToken?: RefreshToken): Promise<boolean> {
    this.#maybePurge()
    const familyId = accessToken.familyId ?? refreshToken?.familyId
    if (familyId !== undefined && this.#revokedFamilies.has(familyId)) return false
    // The refresh token first: a family created now takes its session, consent and offline flag from it.
    if (refreshToken !== undefined) this.#putRefresh(refreshToken)
    this.#putAccess(accessToken)
    return true
  }

  async fetchByToken(tokenHash: string): Promise<AccessToken | undefined> {
    const token = this.#access.get(tokenHash)
    return token === undefined || token.expiresAt <= this.#now() ? undefined : token
  }

  async fetchByRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const token = this.#refresh.get(tokenHash)
    return token === undefined || token.expiresAt <= this.#now() ? undefined : token
  }

  async rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome> {
    this.#maybePurge()
    const current = this.#refresh.get(request.presentedHash)
    const successor = current?.successorHash === undefined ? undefined : this.#refresh.get(current.successorHash)
    const children = current === undefined ? 0 : (this.#children.get(current.tokenHash)?.length ?? 0)
    const successors = current === undefined ? 0 : successorCount(current, children)
    const outcome = decideRotation(current, request, successor?.rotatedAt !== undefined, successors)
    if (current === undefined || outcome === 'invalid') return 'invalid'
    if (outcome === 'reused') {
      this.#revoke(current.familyId)
      return outcome
    }
    if (this.#revokedFamilies.has(current.familyId)) return 'invalid'
    if (outcome === 'rotated') this.#retireSiblings(current.tokenHash, request.now)
    this.#refresh.set(current.tokenHash, {
      ...current,
      rotatedAt: current.rotatedAt ?? request.now,
      successorHash: request.refreshToken.tokenHash,
    })
    this.#putAccess(request.accessToken)
    this.#putRefresh(request.refreshToken)
    // Sibling bookkeeping only with concurrent refresh on: a plain rotation allocates nothing more.
    if (request.graceSeconds > 0) {
      const hash = request.refreshToken.tokenHash
      this.#parents.set(hash, current.tokenHash)
      const kids = this.#children.get(current.tokenHash)
      if (kids === undefined) this.#children.set(current.tokenHash, [hash])
      else kids.push(hash)
    }
    return outcome
  }

  /**
   * Concurrent refresh: the first sibling used wins. The other successors of its parent become rotated-out
   * tombstones that may not have successors of their own (presenting one later is reuse, RFC 9700 section
   * 4.14.2), and their access tokens are deleted.
   */
  #retireSiblings(used: string, now: number): void {
    const parent = this.#parents.get(used)
    const siblings = parent === undefined ? undefined : this.#children.get(parent)
    if (siblings === undefined || siblings.length < 2) return
    for (const hash of siblings) {
      const sibling = hash === used ? undefined : this.#refresh.get(hash)
      if (sibling === undefined || sibling.rotatedAt !== undefined) continue
      this.#refresh.set(hash, { ...sibling, rotatedAt: now, graceUsed: true })
      if (sibling.accessTokenHash !== undefined) this.#deleteAccess(sibling.accessTokenHash)
    }
  }

  async revokeFamily(familyId: string): Promise<void> {
    this.#revoke(familyId)
  }

  async revokeFamilies(filter: FamilyFilter): Promise<number> {
    const index = filter.grantId !== undefined ? this.#byGrant.get(filter.grantId) : this.#bySession.get(filter.sessionId)
    if (index === undefined) return 0
    let revoked = 0
    for (const familyId of [...index]) {
      const family = this.#families.get(familyId)
      if (family === undefined || (filter.exceptOffline === true && family.offline)) continue
      this.#revoke(familyId)
      revoked++
    }
    return revoked
  }

  async revokeAccessToken(tokenHash: string): Promise<void> {
    this.#deleteAccess(tokenHash)
  }

  async fetchExistingToken(uniqueKey: string): Promise<AccessToken | undefined> {
    const hash = this.#unique.get(uniqueKey)
    return hash === undefined ? undefined : this.fetchByToken(hash)
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000)
  }

  #putAccess(token: AccessToken): void {
    const known = this.#access.has(token.tokenHash)
    this.#access.set(token.tokenHash, token)
    this.#accessExpiry.add(token.tokenHash, token.expiresAt)
    if (token.familyId !== undefined && !known) this.#join(token.familyId, token)
    if (token.uniqueKey !== undefined) this.#unique.set(token.uniqueKey, token.tokenHash)
  }

  #putRefresh(token: RefreshToken): void {
    const known = this.#refresh.has(token.tokenHash)
    this.#refresh.set(token.tokenHash, token)
    this.#refreshExpiry.add(token.tokenHash, token.expiresAt)
    if (!known) this.#join(token.familyId, token)
  }

  /** Adds a token to its family; the first token creates it, with the grant's session, consent and offline flag. */
  #join(familyId: string, token: AccessToken | RefreshToken): void {
    const family = this.#families.get(familyId)
    if (family !== undefined) {
      // A small family grows by an exact copy: a push to a one-entry array reserves room for seventeen,
      // and most families hold two or three tokens for their whole life.
      if (family.hashes.length < SMALL_FAMILY) family.hashes = family.hashes.concat(token.tokenHash)
      else family.hashes.push(token.tokenHash)
      family.live++
      return
    }
    const { sessionId, grantId } = token.context ?? {}
    this.#families.set(familyId, { hashes: [token.tokenHash], live: 1, sessionId, grantId, offline: isOffline(token) })
    if (sessionId !== undefined) addTo(this.#bySession, sessionId, familyId)
    if (grantId !== undefined) addTo(this.#byGrant, grantId, familyId)
  }

  /** Forgets a family that is gone (revoked, or its last token deleted), and its index entries. */
  #forget(familyId: string, family: Family): void {
    this.#families.delete(familyId)
    if (family.sessionId !== undefined) removeFrom(this.#bySession, family.sessionId, familyId)
    if (family.grantId !== undefined) removeFrom(this.#byGrant, family.grantId, familyId)
  }

  #revoke(familyId: string): void {
    const family = this.#families.get(familyId)
    if (family !== undefined) {
      // Forget the family first, so deleting its members does not count them out one by one.
      this.#forget(familyId, family)
      for (const hash of family.hashes) {
        this.#deleteAccess(hash)
        this.#deleteRefresh(hash)
      }
    }
    if (!this.#revokedFamilies.has(familyId)) {
      this.#revokedFamilies.add(familyId)
      // A revoked family can only receive tokens from grants still in flight: a day covers them.
      this.#revokedExpiry.add(familyId, this.#now() + 86_400)
    }
  }

  #deleteAccess(hash: string): void {
    const token = this.#access.get(hash)
    if (token === undefined) return
    this.#access.delete(hash)
    if (token.uniqueKey !== undefined && this.#unique.get(token.uniqueKey) === hash) this.#unique.delete(token.uniqueKey)
    if (token.familyId !== undefined) this.#leaveFamily(token.familyId)
  }

  #deleteRefresh(hash: string): void {
    const token = this.#refresh.get(hash)
    if (token === undefined) return
    this.#refresh.delete(hash)
    this.#children.delete(hash)
    this.#parents.delete(hash)
    this.#leaveFamily(token.familyId)
  }

  #leaveFamily(familyId: string): void {
    const family = this.#families.get(familyId)
    if (family === undefined) return
    family.live--
    if (family.live <= 0) this.#forget(familyId, family)
    else if (family.hashes.length >= COMPACT_FROM && family.live * 2 < family.hashes.length) {
      family.hashes = family.hashes.filter((hash) => this.#access.has(hash) || this.#refresh.has(hash))
    }
  }

  #maybePurge(): void {
    const now = this.#now()
    if (now < this.#nextPurge) return
    this.#nextPurge = now + 60
    this.#codeExpiry.purge(now, (hash) => {
      const stored = this.#codes.get(hash)
      if (stored !== undefined && stored.code.expiresAt <= now) this.#codes.delete(hash)
    })
    this.#accessExpiry.purge(now, (hash) => {
      const token = this.#access.get(hash)
      if (token !== undefined && token.expiresAt <= now) this.#deleteAccess(hash)
    })
    this.#refreshExpiry.purge(now, (hash) => {
      const token = this.#refresh.get(hash)
      if (token !== undefined && token.expiresAt <= now) this.#deleteRefresh(hash)
    })
    this.#revokedExpiry.purge(now, (familyId) => this.#revokedFamilies.delete(familyId))
  }
}

function addTo(index: Map<string, Set<string>>, key: string, familyId: string): void {
  const set = index.get(key)
  if (set === undefined) index.set(key, new Set([familyId]))
  else set.add(familyId)
}

function removeFrom(index: Map<string, Set<string>>, key: string, familyId: string): void {
  const set = index.get(key)
  if (set === undefined) return
  set.delete(familyId)
  if (set.size === 0) index.delete(key)
}
