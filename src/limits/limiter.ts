import type { RecordStore } from '../stores/types.ts'
import { hashToken } from '../tokens/hash.ts'
import { CountedKeys } from './counted-keys.ts'
import type { ActiveLimit } from './policies.ts'

/** What {@link Limiter.hit} counted. */
export interface LimitHit {
  /** Events in the current window, this one included. */
  readonly count: number
  /** Seconds until the window ends and the count starts again. */
  readonly resetIn: number
  /** `true` when this event is beyond the limit (`count > max`): refuse it. */
  readonly exceeded: boolean
}

/**
 * Counts events per key in fixed windows and remembers which keys are locked. Keys are given as parts
 * (a client id, an address, a username) and kept only as a SHA-256 digest, so the store never holds a
 * username or an address in clear and every key has the same short length.
 *
 * Everything lives in a {@link RecordStore} (`increment`, `resetCounter`, records with a time to live),
 * so a limit holds across every process sharing the store and needs no schema of its own. Answers are
 * only as fresh as the store: two processes may each let one more event through at the edge of a limit.
 *
 * The store is read only for keys that may be counted: {@link Limiter.lockedFor} and
 * {@link Limiter.reset} do nothing for a key this process has not counted under within its window (see
 * `counted-keys.ts`: a lock reached through other processes' failures is seen at this process's first own
 * failure under the key, whose count tells it), so a right secret or password costs no store call.
 */
export interface Limiter {
  /**
   * Whether {@link Limiter.lockedFor} answers 0 and {@link Limiter.reset} does nothing for every key of
   * `limit` now (this process counted nothing under it within a window): callers skip building keys.
   */
  quiet(limit: ActiveLimit): boolean
  /** Seconds until `key` may be tried again under `limit`, without counting anything; 0 when it may now. */
  lockedFor(limit: ActiveLimit, key: readonly string[]): Promise<number>
  /**
   * Counts one event under `key`. When the count reaches `limit.max` the key is also locked until the
   * window ends (so {@link Limiter.lockedFor} refuses the next attempt before any work is done).
   */
  hit(limit: ActiveLimit, key: readonly string[]): Promise<LimitHit>
  /** Locks `key` until its window ends whatever its count (a tighter rule under pressure). */
  lock(limit: ActiveLimit, key: readonly string[], seconds: number): Promise<void>
  /** Forgets the count and the lock of `key`: a success that was allowed clears earlier failures. */
  reset(limit: ActiveLimit, key: readonly string[]): Promise<void>
}

/** RecordStore kinds: counters, and the marks of locked keys. */
const COUNTER_KIND = 'rate_count'
const LOCK_KIND = 'rate_lock'

/** The {@link Limiter} over a {@link RecordStore}; `now` is the controller's clock in epoch seconds. */
export class RecordLimiter implements Limiter {
  readonly #store: RecordStore
  readonly #now: () => number
  readonly #counted: CountedKeys

  /** `counted`: this process's memory of counted keys (tests pass a small one). */
  constructor(store: RecordStore, now: () => number, counted: CountedKeys = new CountedKeys()) {
    this.#store = store
    this.#now = now
    this.#counted = counted
  }

  quiet(limit: ActiveLimit): boolean {
    return this.#counted.quiet(limit.name, this.#now)
  }

  lockedFor(limit: ActiveLimit, key: readonly string[]): Promise<number> {
    if (this.#counted.quiet(limit.name, this.#now)) return NOT_LOCKED
    const now = this.#now()
    const local = localKey(limit, key)
    // Nothing counted under this key here within its window: not locked as far as this process must know.
    if (!this.#counted.mayBeCounted(local, now)) return NOT_LOCKED
    return this.#readLock(limit, key)
  }

  async #readLock(limit: ActiveLimit, key: readonly string[]): Promise<number> {
    const lock = await this.#store.getRecord(LOCK_KIND, storeKey(limit, key))
    if (lock === undefined) return 0
    // The store says the lock is live (by its own clock); the wait is told by ours, within the window.
    return this.#remaining(lock.expiresAt ?? 0, limit)
  }

  async hit(limit: ActiveLimit, key: readonly string[]): Promise<LimitHit> {
    const local = localKey(limit, key)
    const now = this.#now()
    // Remembered before the store is asked, so a check racing this count reads the store.
    this.#counted.counted(local, now + limit.windowSeconds, now, limit.name)
    const id = storeKey(limit, key)
    const reading = await this.#store.increment(COUNTER_KIND, id, limit.windowSeconds)
    // Again with the store's window end (a window another process began may end later by our clock).
    this.#counted.counted(local, reading.resetAt, this.#now(), limit.name)
    const resetIn = this.#remaining(reading.resetAt, limit)
    // Exactly one increment reads `max` (increments are atomic), so one process writes the lock.
    if (reading.count === limit.max) await this.#store.putRecord(LOCK_KIND, id, '', reading.resetAt)
    return { count: reading.count, resetIn, exceeded: reading.count > limit.max }
  }

  async lock(limit: ActiveLimit, key: readonly string[], seconds: number): Promise<void> {
    const now = this.#now()
    const until = now + Math.max(1, seconds)
    this.#counted.counted(localKey(limit, key), until, now, limit.name)
    await this.#store.putRecord(LOCK_KIND, storeKey(limit, key), '', until)
  }

  /** Seconds from now until `at`: at least 1 (the store has it live), at most the window. */
  #remaining(at: number, limit: ActiveLimit): number {
    return Math.min(limit.windowSeconds, Math.max(1, at - this.#now()))
  }

  async reset(limit: ActiveLimit, key: readonly string[]): Promise<void> {
    if (this.#counted.quiet(limit.name, this.#now)) return
    const now = this.#now()
    const local = localKey(limit, key)
    // Nothing this process counted: nothing of its own to forget (counts of other processes stay).
    if (!this.#counted.mayBeCounted(local, now)) return
    this.#counted.forget(local)
    const id = storeKey(limit, key)
    await this.#store.resetCounter(COUNTER_KIND, id)
    await this.#store.deleteRecord(LOCK_KIND, id)
  }
}

/** The answer of {@link RecordLimiter.lockedFor} for a key not counted here: one settled promise, shared. */
const NOT_LOCKED: Promise<number> = Promise.resolve(0)

/** The key as this process remembers it (in memory only, never stored): `name`, NUL, the parts NUL-separated. */
function localKey(limit: ActiveLimit, key: readonly string[]): string {
  return `${limit.name}\0${key.join('\0')}`
}

/** `name:` and the SHA-256 of the parts (NUL-separated, so `a`+`bc` and `ab`+`c` differ). */
function storeKey(limit: ActiveLimit, key: readonly string[]): string {
  return `${limit.name}:${hashToken(key.join('\0'))}`
}
