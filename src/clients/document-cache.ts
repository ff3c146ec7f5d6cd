/**
 * The in-process cache of validated metadata-document clients: a bounded map with expiry, least
 * recently used out first. A hit is one `Map` lookup and a time comparison.
 *
 * @module
 */

import type { Client } from '../types.ts'

interface Entry {
  readonly client: Client
  /** Milliseconds since the epoch. */
  readonly expiresAt: number
}

/** Holds at most `maxEntries` clients, each until its own expiry. */
export class DocumentCache {
  readonly #entries = new Map<string, Entry>()
  readonly #maxEntries: number

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries
  }

  /** The live client cached under `url`, or `undefined` (an expired one is dropped). */
  get(url: string, now: number): Client | undefined {
    const entry = this.#entries.get(url)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now) {
      this.#entries.delete(url)
      return undefined
    }
    // Most recently used last: Map keeps insertion order.
    this.#entries.delete(url)
    this.#entries.set(url, entry)
    return entry.client
  }

  /** Keeps `client` under `url` until `expiresAt`, dropping the least recently used entry when full. */
  set(url: string, client: Client, expiresAt: number): void {
    this.#entries.delete(url)
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next()
      if (oldest.done !== true) this.#entries.delete(oldest.value)
    }
    this.#entries.set(url, { client, expiresAt })
  }

  /** Forgets `url` (e.g. an operator revoking trust in a client). */
  delete(url: string): void {
    this.#entries.delete(url)
  }

  /** How many entries are held, live or not yet swept. */
  get size(): number {
    return this.#entries.size
  }
}
