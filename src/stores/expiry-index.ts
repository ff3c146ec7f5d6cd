/**
 * Remembers which keys expire in which minute, so a purge visits only what has expired instead of
 * scanning every entry. Used by the in-memory stores to keep memory bounded.
 */
export class ExpiryIndex<K> {
  readonly #buckets = new Map<number, K[]>()
  #cursor: number | undefined

  /** Records that `key` expires at `expiresAt` (epoch seconds). */
  add(key: K, expiresAt: number): void {
    const minute = Math.floor(expiresAt / 60)
    const bucket = this.#buckets.get(minute)
    if (bucket === undefined) this.#buckets.set(minute, [key])
    else bucket.push(key)
    if (this.#cursor === undefined || minute < this.#cursor) this.#cursor = minute
  }

  /** Calls `drop` for every key whose minute has fully passed at `now`, and forgets them. */
  purge(now: number, drop: (key: K) => void): void {
    const current = Math.floor(now / 60)
    if (this.#cursor === undefined) return
    if (this.#buckets.size === 0) {
      this.#cursor = undefined
      return
    }
    if (current - this.#cursor > this.#buckets.size) {
      // A long gap: visiting the buckets is cheaper than walking every minute since the cursor.
      const expired = [...this.#buckets.keys()].filter((minute) => minute < current).sort((a, b) => a - b)
      for (const minute of expired) {
        const bucket = this.#buckets.get(minute) ?? []
        this.#buckets.delete(minute)
        for (const key of bucket) drop(key)
      }
    } else {
      for (let minute = this.#cursor; minute < current; minute++) {
        const bucket = this.#buckets.get(minute)
        if (bucket === undefined) continue
        this.#buckets.delete(minute)
        for (const key of bucket) drop(key)
      }
    }
    this.#cursor = current
  }
}
