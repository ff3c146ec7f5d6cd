import {
  CompactSign,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose'
import { ConfigurationError } from '../errors.ts'
import { randomBase64url, sha256Base64url } from '../internal/crypto.ts'
import type { RecordStore } from '../stores/types.ts'
import {
  live,
  newKeySet,
  parseKeySet,
  rotated,
  signingKey,
  withAlgorithms,
  type KeyState,
  type StoredKey,
  type StoredKeySet,
} from './key-record.ts'
import { KeySealer } from './seal.ts'
import type { PublicKeySource, Signer, SigningAlgorithm } from './types.ts'

/** The RecordStore kind of key sets: one record per issuer, keyed by the SHA-256 of the issuer. */
export const KEY_SET_KIND = 'keys'

/** Default {@link KeySetOptions.refreshSeconds}: how stale a process's copy of the key set may be. */
export const DEFAULT_REFRESH_SECONDS = 60
/** Default {@link KeySetOptions.retireAfterSeconds}: one day. */
export const DEFAULT_RETIRE_AFTER_SECONDS = 86_400
/** An unknown `kid` makes the in-process verifier re-read the store at most this often. */
const UNKNOWN_KID_RELOAD_MS = 5_000
/** Compare-and-set attempts before a write gives up (another process kept changing the set). */
const WRITE_ATTEMPTS = 8

/** Options of {@link KeySet}. */
export interface KeySetOptions {
  /** Where the key set lives; every process of the issuer shares it. Memcached is refused: it evicts. */
  readonly store: RecordStore
  /** The issuer whose keys these are: one key set per issuer. */
  readonly issuer: string
  /**
   * The secret the private keys are sealed under at rest (AES-256-GCM, key derived with HKDF-SHA256): at
   * least 32 bytes, the same in every process. The CLI reads `OAUTH2_STACK_KEY_SECRET`.
   */
  readonly secret: string | Uint8Array
  /** Algorithms to keep keys for, besides RS256 (always there: OpenID Connect's default). Default: RS256 only. */
  readonly algorithms?: readonly SigningAlgorithm[]
  /**
   * Seconds a process uses its copy of the key set before reading the store again (1 to 3600, default 60):
   * the bound on how long a rotation made elsewhere takes to reach this process. A rotated-in key signs
   * only once every process has had time to publish it.
   */
  readonly refreshSeconds?: number
  /**
   * Seconds a rotated-out key stays published (after one more refresh interval): at least the longest
   * lifetime of anything it signs (access tokens, ID tokens). Default 86400.
   */
  readonly retireAfterSeconds?: number
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: () => number
}

/** One key as {@link KeySet.list} describes it (no key material). Times in epoch seconds. */
export interface KeyInfo {
  readonly kid: string
  readonly alg: SigningAlgorithm
  readonly state: KeyState
  readonly createdAt: number
  readonly activatesAt: number
  readonly retireAt: number | undefined
}

/** What a process holds of the key set: the stored set, when it was read, and the keys imported so far. */
interface Loaded {
  readonly set: StoredKeySet
  /** When it was read, by the clock (ms). */
  readonly at: number
}

const encoder = new TextEncoder()

/**
 * An issuer's signing keys, kept in a {@link RecordStore} and shared by every process: always an RSA key
 * (RS256), plus EC (ES256) and OKP (EdDSA, Ed25519) keys when configured. The first process to start creates
 * the set (create-if-absent: two processes starting together end up with one); the private parts are sealed
 * under {@link KeySetOptions.secret}.
 *
 * Each process reads the set once, imports each key once, and re-reads it every `refreshSeconds` (the sign
 * path reads the store at most once per interval, never per token). {@link KeySet.rotate} (or `oauth2-stack
 * keys rotate`) retires the current key, promotes the next one (published since it was made) and makes a new
 * next one; other processes see the rotation within `refreshSeconds`. See docs/signing-keys.md.
 *
 * @example
 * ```ts
 * import { KeySet } from 'oauth2-stack/keys'
 * import { openStore } from 'oauth2-stack/store/open'
 * import { JwtTokenGenerator } from 'oauth2-stack/tokengenerator'
 *
 * const { recordStore } = await openStore('postgres://oauth@db/oauth')
 * const keys = new KeySet({ store: recordStore, issuer, secret: process.env.OAUTH2_STACK_KEY_SECRET!, algorithms: ['ES256'] })
 * const tokenGenerator = new JwtTokenGenerator({ issuer, signer: keys })
 * ```
 */
export class KeySet implements Signer, PublicKeySource {
  readonly algorithms: readonly SigningAlgorithm[]
  /** Seconds between reads of the store (the bound on how late a rotation reaches this process). */
  readonly refreshSeconds: number
  /** Seconds a rotated-out key stays published after the refresh interval. */
  readonly retireAfterSeconds: number
  readonly #store: RecordStore
  readonly #key: string
  readonly #sealer: KeySealer
  readonly #clock: () => number
  #loaded: Loaded | undefined
  #loading: Promise<Loaded> | undefined
  #forcedAt = -Infinity
  /** Imported keys by kid (private for keys that may sign, public for every key), kept across reads. */
  readonly #privateKeys = new Map<string, Promise<CryptoKey>>()
  readonly #publicKeys = new Map<string, Promise<CryptoKey>>()

  constructor(options: KeySetOptions) {
    this.algorithms = [...new Set<SigningAlgorithm>(['RS256', ...(options.algorithms ?? [])])]
    for (const alg of this.algorithms) {
      if (alg !== 'RS256' && alg !== 'ES256' && alg !== 'EdDSA')
        throw new ConfigurationError(`KeySet: unsupported algorithm ${String(alg)}`)
    }
    this.refreshSeconds = wholeSeconds('refreshSeconds', options.refreshSeconds ?? DEFAULT_REFRESH_SECONDS, 1, 3600)
    this.retireAfterSeconds = wholeSeconds('retireAfterSeconds', options.retireAfterSeconds ?? DEFAULT_RETIRE_AFTER_SECONDS, 1, 31_536_000)
    this.#store = options.store
    this.#key = sha256Base64url(options.issuer)
    this.#sealer = new KeySealer(options.secret, options.issuer)
    this.#clock = options.clock ?? Date.now
  }

  /** Reads the key set, creating it (or adding the configured algorithms) when needed. Rejects on a store failure. */
  async load(): Promise<void> {
    await this.#reload()
  }

  async sign(
    payload: Readonly<Record<string, unknown>>,
    options: { readonly alg: SigningAlgorithm; readonly typ?: string },
  ): Promise<string> {
    const loaded = this.#fresh() ?? (await this.#reload())
    const key = signingKey(loaded.set.keys, options.alg, this.#now())
    if (key === undefined) throw new ConfigurationError(`KeySet: no ${options.alg} key; add ${options.alg} to its algorithms`)
    const header = { alg: key.alg, kid: key.kid, ...(options.typ === undefined ? {} : { typ: options.typ }) }
    return new CompactSign(encoder.encode(JSON.stringify(payload))).setProtectedHeader(header).sign(await this.#privateKey(key))
  }

  /** The public keys to publish (RFC 7517 section 5): current, next and retiring keys of every algorithm. */
  async jwks(): Promise<{ readonly keys: readonly JWK[] }> {
    const loaded = this.#fresh() ?? (await this.#reload())
    return { keys: live(loaded.set.keys, this.#now()).map((key) => key.publicJwk) }
  }

  /**
   * A jose key getter over the published keys, for `createTokenVerifier({ jwks: keySet })` in the same
   * process: no HTTP request to the issuer's own JWKS. An unknown `kid` re-reads the store (at most every
   * five seconds) before the token is refused.
   */
  readonly verificationKey: JWTVerifyGetKey = async (header) => {
    let loaded = this.#fresh() ?? (await this.#reload())
    let key = live(loaded.set.keys, this.#now()).find((candidate) => candidate.kid === header.kid)
    if (key === undefined && this.#clock() - this.#forcedAt >= UNKNOWN_KID_RELOAD_MS) {
      this.#forcedAt = this.#clock()
      loaded = await this.#reload(true)
      key = live(loaded.set.keys, this.#now()).find((candidate) => candidate.kid === header.kid)
    }
    // RFC 7515 section 4.1.1: the header's alg must be the key's.
    if (key === undefined || key.alg !== header.alg) throw new joseErrors.JWKSNoMatchingKey()
    return this.#publicKey(key)
  }

  /** The keys as the store has them now (read afresh), without key material. */
  async list(): Promise<KeyInfo[]> {
    const loaded = await this.#reload(true)
    return live(loaded.set.keys, this.#now()).map(info)
  }

  /**
   * Rotates the keys of `algorithms` (default: every algorithm of the set): current → retiring, next →
   * current, a new next key. This process uses the result at once; the others within `refreshSeconds`.
   * Resolves the keys after the rotation.
   */
  async rotate(options: { readonly algorithms?: readonly SigningAlgorithm[] } = {}): Promise<KeyInfo[]> {
    const set = await this.#write((current, now) =>
      rotated(current, options.algorithms ?? [], now, this, (alg, at, state, activatesAt) => this.#make(alg, at, state, activatesAt)),
    )
    return live(set.keys, this.#now()).map(info)
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000)
  }

  /** The copy in hand while it is younger than the refresh interval. */
  #fresh(): Loaded | undefined {
    const loaded = this.#loaded
    return loaded !== undefined && this.#clock() - loaded.at < this.refreshSeconds * 1000 ? loaded : undefined
  }

  /** Reads the set (one read shared by concurrent callers), creating it or adding algorithms when needed. */
  #reload(force = false): Promise<Loaded> {
    if (this.#loading !== undefined && !force) return this.#loading
    const loading = this.#read().finally(() => {
      if (this.#loading === loading) this.#loading = undefined
    })
    this.#loading = loading
    return loading
  }

  async #read(): Promise<Loaded> {
    const record = await this.#store.getRecord(KEY_SET_KIND, this.#key)
    let set: StoredKeySet
    if (record === undefined) {
      set = await this.#write(async (current) => current)
    } else {
      set = parseKeySet(record.value)
      if (this.algorithms.some((alg) => !set.keys.some((key) => key.alg === alg && key.state === 'current'))) {
        set = await this.#write(async (current) => current)
      }
    }
    // Unsealed and imported now, so a wrong secret fails here (at start-up) rather than at the first token.
    await Promise.all(set.keys.filter((key) => key.state !== 'retiring').map((key) => this.#privateKey(key)))
    return this.#accept(set)
  }

  /**
   * Changes the stored set with `change` by compare-and-set (creating it first when absent, and adding the
   * configured algorithms), retrying when another process wrote in between.
   */
  async #write(change: (set: StoredKeySet, now: number) => Promise<StoredKeySet>): Promise<StoredKeySet> {
    const make = (alg: SigningAlgorithm, at: number, state: KeyState, activatesAt: number): Promise<StoredKey> =>
      this.#make(alg, at, state, activatesAt)
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const now = this.#now()
      const record = await this.#store.getRecord(KEY_SET_KIND, this.#key)
      if (record === undefined) {
        const created = await change(await newKeySet(this.algorithms, now, this.refreshSeconds, make), now)
        // Create-if-absent: of processes starting together, one set wins and the others read it.
        if (await this.#store.createRecord(KEY_SET_KIND, this.#key, JSON.stringify(created))) return this.#accept(created).set
        continue
      }
      const before = parseKeySet(record.value)
      const after = await change(await withAlgorithms(before, this.algorithms, now, this.refreshSeconds, make), now)
      if (after === before) return this.#accept(before).set
      if (await this.#store.replaceRecord(KEY_SET_KIND, this.#key, record.version, JSON.stringify(after))) return this.#accept(after).set
    }
    throw new Error('KeySet: the key set kept changing under this write; try again')
  }

  #accept(set: StoredKeySet): Loaded {
    const loaded = { set, at: this.#clock() }
    this.#loaded = loaded
    const kids = new Set(set.keys.map((key) => key.kid))
    for (const map of [this.#privateKeys, this.#publicKeys]) for (const kid of map.keys()) if (!kids.has(kid)) map.delete(kid)
    return loaded
  }

  async #make(alg: SigningAlgorithm, now: number, state: KeyState, activatesAt: number): Promise<StoredKey> {
    const kid = randomBase64url(12)
    const { privateKey, publicKey } = await generateKeyPair(alg, {
      extractable: true,
      ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : alg === 'RS256' ? { modulusLength: 2048 } : {}),
    })
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
    const sealedPrivate = this.#sealer.seal(kid, JSON.stringify(await exportJWK(privateKey)))
    return { kid, alg, state, createdAt: now, activatesAt, publicJwk, sealedPrivate }
  }

  /** The private key of `key`, unsealed and imported once per process. */
  #privateKey(key: StoredKey): Promise<CryptoKey> {
    let imported = this.#privateKeys.get(key.kid)
    if (imported === undefined) {
      const jwk = JSON.parse(this.#sealer.open(key.kid, key.sealedPrivate)) as JWK
      imported = importJWK(jwk, key.alg) as Promise<CryptoKey>
      this.#privateKeys.set(key.kid, imported)
    }
    return imported
  }

  #publicKey(key: StoredKey): Promise<CryptoKey> {
    let imported = this.#publicKeys.get(key.kid)
    if (imported === undefined) {
      imported = importJWK(key.publicJwk, key.alg) as Promise<CryptoKey>
      this.#publicKeys.set(key.kid, imported)
    }
    return imported
  }
}

function info(key: StoredKey): KeyInfo {
  return { kid: key.kid, alg: key.alg, state: key.state, createdAt: key.createdAt, activatesAt: key.activatesAt, retireAt: key.retireAt }
}

function wholeSeconds(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new ConfigurationError(`KeySet: ${name} must be a whole number from ${min} to ${max}`)
  return value
}
