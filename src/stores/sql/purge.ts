/**
 * The opportunistic purge: after a write, at most once a minute, in the background. Internal.
 *
 * @module
 */

/** The opportunistic purge runs at most this often (seconds). */
export const PURGE_INTERVAL_SECONDS = 60

/** The store's clock (milliseconds, as `Date.now`) as whole epoch seconds. */
export function epochSeconds(clock: () => number): number {
  return Math.floor(clock() / 1000)
}

/**
 * Runs a store's `purgeExpired` in the background, at most once per {@link PURGE_INTERVAL_SECONDS}, when
 * a write pokes it, after the write has answered. A failed opportunistic purge is ignored (the next one retries); `settle()` waits for a
 * running one, so `close()` never ends a pool under it.
 */
export class PurgeSchedule {
  readonly #clock: () => number
  readonly #purge: () => Promise<unknown>
  #next = 0
  #running: Promise<void> | undefined

  constructor(clock: () => number, purge: () => Promise<unknown>) {
    this.#clock = clock
    this.#purge = purge
  }

  /** Starts a purge if none ran in the last minute and none is running. */
  poke(): void {
    const now = epochSeconds(this.#clock)
    if (now < this.#next || this.#running !== undefined) return
    this.#next = now + PURGE_INTERVAL_SECONDS
    // On a later turn of the event loop, never inside the write that poked it (SQLite runs synchronously).
    this.#running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#purge())
      .then(
        () => {
          this.#running = undefined
        },
        () => {
          this.#running = undefined
        },
      )
  }

  /** Waits for a running purge, if any. */
  async settle(): Promise<void> {
    await this.#running
  }
}
