/**
 * Which limiter keys this process has counted an event for, and until when: the in-process knowledge
 * that lets `RecordLimiter` skip the store on the common path (a right secret, a right password) while
 * keeping every limit's bound.
 *
 * A key is locked only once its count reaches the limit, and every event that counts goes through
 * `hit` in some process. A process that has counted nothing under a key within its window asks the
 * store nothing before an attempt: if the attempt fails, it is counted (`hit`), and the count the store
 * answers tells this process of every failure the others counted, so from then on it reads the lock.
 * Across P processes sharing a store a key therefore sees at most P − 1 sequential attempts beyond the
 * limit per window (one per process that had not counted under it yet). Within one process nothing
 * changes: every failure it counts is remembered before the store is even asked.
 *
 * Bounded: past {@link MAX_COUNTED_KEYS} keys (many distinct usernames or addresses failing at once) the
 * process stops remembering and reads the store before every attempt until the last key it could not
 * remember has seen its window end, which is what it did before this knowledge existed.
 *
 * @module
 */

/** Keys remembered at most; beyond, every check reads the store until the unremembered windows end. */
export const MAX_COUNTED_KEYS = 50_000

/** The keys this process counted under, each with the end of its window (epoch seconds). */
export class CountedKeys {
  readonly #until = new Map<string, number>()
  readonly #max: number
  /** While set: some key counted after the map was full is not in it, so every key must be read. */
  #overflowUntil = 0
  #swept = 0
  /** The latest window end counted under each group (a limit's name): past it, the group is quiet. */
  readonly #groupUntil = new Map<string, number>()

  /** `max`: keys remembered at most (tests lower it). */
  constructor(max: number = MAX_COUNTED_KEYS) {
    this.#max = max
  }

  /**
   * Whether no key of `group` (a limit's name) can need the store now: nothing counted under it here
   * has a window still running, and no key was lost to the bound. Lets the common path skip building keys.
   * `clock` (epoch seconds) is asked only while something was counted: a group found past its windows is
   * forgotten, so the common path of a quiet process reads no clock at all.
   */
  quiet(group: string, clock: () => number): boolean {
    const groupUntil = this.#groupUntil.get(group)
    if (groupUntil === undefined && this.#overflowUntil === 0) return true
    const now = clock()
    if (this.#overflowUntil > now || (groupUntil ?? 0) > now) return false
    this.#overflowUntil = 0
    this.#groupUntil.delete(group)
    return true
  }

  /** Whether the store must be read for `key` at `now`: this process counted under it, or lost track. */
  mayBeCounted(key: string, now: number): boolean {
    if (this.#overflowUntil > now) return true
    const until = this.#until.get(key)
    if (until === undefined) return false
    if (until > now) return true
    this.#until.delete(key)
    return false
  }

  /** Remembers that `key` of `group` was counted in a window ending at `until` (the later end wins). */
  counted(key: string, until: number, now: number, group = ''): void {
    if (until > (this.#groupUntil.get(group) ?? 0)) this.#groupUntil.set(group, until)
    const known = this.#until.get(key)
    if (known !== undefined) {
      if (until > known) this.#until.set(key, until)
      return
    }
    if (this.#until.size >= this.#max) this.#sweep(now)
    if (this.#until.size >= this.#max) {
      // Not remembered: read every key until this one's window has ended.
      this.#overflowUntil = Math.max(this.#overflowUntil, until)
      return
    }
    this.#until.set(key, until)
  }

  /** Forgets `key` (its count was reset in the store). */
  forget(key: string): void {
    this.#until.delete(key)
  }

  /** Drops the keys whose window has ended; at most once per second of the clock, it visits every key. */
  #sweep(now: number): void {
    if (this.#swept === now) return
    this.#swept = now
    for (const [key, until] of this.#until) if (until <= now) this.#until.delete(key)
  }
}
