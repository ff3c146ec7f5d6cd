/**
 * The stored form of an issuer's key set and its state changes, as pure functions over plain data (no I/O,
 * no clock of their own): creating a set, adding an algorithm, rotating, choosing the key that signs,
 * and which keys are published. {@link KeySet} does the store and the crypto around them.
 *
 * @module
 */
import type { JWK } from 'jose'
import type { SigningAlgorithm } from './types.ts'

/**
 * Where a key is in its life: `next` is published but never signs (so every verifier knows it before it
 * does), `current` signs, `retiring` no longer signs and stays published until what it signed has expired.
 */
export type KeyState = 'next' | 'current' | 'retiring'

/** One key of a stored key set. Times in epoch seconds. */
export interface StoredKey {
  /** Key id (`kid`), random. */
  readonly kid: string
  readonly alg: SigningAlgorithm
  readonly state: KeyState
  /** When the key was made. */
  readonly createdAt: number
  /** From when it may sign: every process has published it by then (its creation + the refresh interval). */
  readonly activatesAt: number
  /** For a `retiring` key: when it leaves the JWKS (what it signed has expired by then). */
  readonly retireAt?: number
  /** The public key as a JWK (`kid`, `alg`, `use: sig` included): what the JWKS publishes. */
  readonly publicJwk: JWK
  /** The private JWK as JSON, sealed under the key secret (see `KeySealer`). */
  readonly sealedPrivate: string
}

/** The JSON kept in the store's `keys` record of an issuer. */
export interface StoredKeySet {
  /** Format version. */
  readonly v: 1
  readonly keys: readonly StoredKey[]
}

/** Makes one new key (a fresh pair, its private part sealed) for `alg`. */
export type KeyMaker = (alg: SigningAlgorithm, now: number, state: KeyState, activatesAt: number) => Promise<StoredKey>

/** A rotation would keep more retiring keys than this per algorithm: refused until some have retired. */
export const MAX_RETIRING_PER_ALGORITHM = 6

/** Thrown when the stored key set cannot be read as one (not written by this version, or altered). */
export class KeySetFormatError extends Error {
  constructor(detail: string) {
    super(`the signing key set in the store is not readable: ${detail}`)
    this.name = 'KeySetFormatError'
  }
}

/** Parses a stored set, checking the shape this code relies on. */
export function parseKeySet(value: string): StoredKeySet {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    throw new KeySetFormatError('not JSON')
  }
  const set = parsed as Partial<StoredKeySet> | null
  if (set?.v !== 1 || !Array.isArray(set.keys)) throw new KeySetFormatError('unknown format')
  for (const key of set.keys as Partial<StoredKey>[]) {
    if (
      typeof key.kid !== 'string' ||
      typeof key.alg !== 'string' ||
      !['next', 'current', 'retiring'].includes(key.state ?? '') ||
      typeof key.activatesAt !== 'number' ||
      typeof key.sealedPrivate !== 'string' ||
      typeof key.publicJwk !== 'object'
    ) {
      throw new KeySetFormatError('a key lacks a field')
    }
  }
  return set as StoredKeySet
}

/** A new set: for each algorithm a `current` key that signs at once and a `next` one. */
export async function newKeySet(
  algorithms: readonly SigningAlgorithm[],
  now: number,
  refreshSeconds: number,
  make: KeyMaker,
): Promise<StoredKeySet> {
  return withAlgorithms({ v: 1, keys: [] }, algorithms, now, refreshSeconds, make)
}

/** `set` with a current and a next key for every algorithm of `algorithms` it lacks (unchanged when none). */
export async function withAlgorithms(
  set: StoredKeySet,
  algorithms: readonly SigningAlgorithm[],
  now: number,
  refreshSeconds: number,
  make: KeyMaker,
): Promise<StoredKeySet> {
  const missing = algorithms.filter((alg) => !set.keys.some((key) => key.alg === alg && key.state === 'current'))
  if (missing.length === 0) return set
  const added = await Promise.all(
    missing.flatMap((alg) => [
      // A first key has nothing before it: it signs at once (verifiers fetch a JWKS on an unknown kid).
      make(alg, now, 'current', now),
      make(alg, now, 'next', now + refreshSeconds),
    ]),
  )
  return { v: 1, keys: [...set.keys, ...added] }
}

/**
 * Rotates `algorithms` (all of the set's when empty): each `current` key becomes `retiring` (published
 * until `now + refreshSeconds + retireAfterSeconds`: a process that has not seen the rotation yet may sign
 * with it for one more refresh interval, and what it signs lives at most `retireAfterSeconds`), the `next` key becomes `current` (it has been published since it was
 * made), and a new `next` key is made, published now and signing from the rotation after next. Retiring
 * keys whose time has passed are dropped. Throws when an algorithm would keep too many retiring keys.
 */
export async function rotated(
  set: StoredKeySet,
  algorithms: readonly SigningAlgorithm[],
  now: number,
  options: { readonly refreshSeconds: number; readonly retireAfterSeconds: number },
  make: KeyMaker,
): Promise<StoredKeySet> {
  const chosen = algorithms.length > 0 ? algorithms : [...new Set(set.keys.map((key) => key.alg))]
  const kept = live(set.keys, now)
  const keys: StoredKey[] = []
  for (const key of kept) {
    if (!chosen.includes(key.alg)) keys.push(key)
    else if (key.state === 'current')
      keys.push({ ...key, state: 'retiring', retireAt: now + options.refreshSeconds + options.retireAfterSeconds })
    else if (key.state === 'next') keys.push({ ...key, state: 'current' })
    else keys.push(key)
  }
  for (const alg of chosen) {
    if (keys.filter((key) => key.alg === alg && key.state === 'retiring').length > MAX_RETIRING_PER_ALGORITHM) {
      throw new Error(
        `too many ${alg} keys are still retiring (more than ${MAX_RETIRING_PER_ALGORITHM}): rotate again once some have retired`,
      )
    }
  }
  const made = await Promise.all(chosen.map((alg) => make(alg, now, 'next', now + options.refreshSeconds)))
  return { v: 1, keys: [...keys, ...made] }
}

/** The keys still published at `now`: every key except retiring ones whose time has passed. */
export function live(keys: readonly StoredKey[], now: number): StoredKey[] {
  return keys.filter((key) => key.state !== 'retiring' || (key.retireAt ?? 0) > now)
}

/**
 * The key that signs for `alg` at `now`: the `current` one once it is active, else (a rotation less than
 * a refresh interval ago made a key current that some process may not have published yet) the most
 * recently activated retiring one, still published; `undefined` when the set has no key for `alg`.
 */
export function signingKey(keys: readonly StoredKey[], alg: SigningAlgorithm, now: number): StoredKey | undefined {
  const current = keys.find((key) => key.alg === alg && key.state === 'current')
  if (current === undefined || current.activatesAt <= now) return current
  const earlier = live(keys, now)
    .filter((key) => key.alg === alg && key.state === 'retiring' && key.activatesAt <= now)
    .sort((a, b) => b.activatesAt - a.activatesAt)[0]
  return earlier ?? current
}
