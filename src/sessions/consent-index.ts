import type { RecordStore } from '../stores/types.ts'

/** Entries per index page: 500 keys of 43 characters stay far below the 64 KiB of a record. */
export const INDEX_PAGE_SIZE = 500
/** Compare-and-set attempts before giving up on a contended page: one writer wins each round, so this many writers at once. */
const ATTEMPTS = 64
/** Pages read at most (500 × 200 = 100 000 entries per user or client). */
const MAX_PAGES = 200

/**
 * A list of record keys kept in a {@link RecordStore}, which has no scans: how remembered consent is
 * listed per user and per client. The list lives in pages `<key>.0`, `<key>.1`, … of
 * {@link INDEX_PAGE_SIZE} entries, each a JSON array changed by compare-and-set, so concurrent writers
 * never lose an entry. Pages are filled from the first, and a page written keeps every page before it
 * alive at least as long, so the chain has no holes for readers to stop at.
 */
export class RecordIndex {
  readonly #records: RecordStore
  readonly #kind: string

  constructor(records: RecordStore, kind: string) {
    this.#records = records
    this.#kind = kind
  }

  /** Every entry of the list `key`. */
  async list(key: string): Promise<string[]> {
    const entries: string[] = []
    for (let page = 0; page < MAX_PAGES; page++) {
      const record = await this.#records.getRecord(this.#kind, `${key}.${page}`)
      if (record === undefined) break
      entries.push(...parsePage(record.value))
    }
    return entries
  }

  /** Adds `entry` to the list `key` (nothing when it is there), keeping the pages alive until `expiresAt`. */
  async add(key: string, entry: string, expiresAt: number): Promise<void> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await this.#tryAdd(key, entry, expiresAt)) return
    }
    throw new Error(`the ${this.#kind} index is too contended to add an entry`)
  }

  /** Removes `entry` from the list `key` (nothing when it is not there). */
  async remove(key: string, entry: string): Promise<void> {
    for (let page = 0; page < MAX_PAGES; page++) {
      const pageKey = `${key}.${page}`
      for (let attempt = 0; ; attempt++) {
        const record = await this.#records.getRecord(this.#kind, pageKey)
        if (record === undefined) return
        const entries = parsePage(record.value)
        if (!entries.includes(entry)) break
        const rest = entries.filter((other) => other !== entry)
        if (await this.#records.replaceRecord(this.#kind, pageKey, record.version, JSON.stringify(rest), record.expiresAt)) return
        if (attempt + 1 >= ATTEMPTS) throw new Error(`the ${this.#kind} index is too contended to remove an entry`)
      }
    }
  }

  /** One pass over the pages: `false` when a compare-and-set lost and the pass must start again. */
  async #tryAdd(key: string, entry: string, expiresAt: number): Promise<boolean> {
    for (let page = 0; page < MAX_PAGES; page++) {
      const pageKey = `${key}.${page}`
      const record = await this.#records.getRecord(this.#kind, pageKey)
      if (record === undefined) return this.#records.createRecord(this.#kind, pageKey, JSON.stringify([entry]), expiresAt)
      const entries = parsePage(record.value)
      if (entries.includes(entry) && (record.expiresAt ?? Infinity) >= expiresAt) return true
      const room = entries.length < INDEX_PAGE_SIZE || entries.includes(entry)
      const value = room && !entries.includes(entry) ? [...entries, entry] : entries
      // A full page before the one written lives at least as long as it (no holes in the chain).
      if (room || (record.expiresAt ?? Infinity) < expiresAt) {
        const until = Math.max(record.expiresAt ?? 0, expiresAt)
        if (!(await this.#records.replaceRecord(this.#kind, pageKey, record.version, JSON.stringify(value), until))) return false
        if (room) return true
      }
    }
    throw new Error(`the ${this.#kind} index is full`)
  }
}

function parsePage(value: string): string[] {
  try {
    const parsed: unknown = JSON.parse(value)
    return Array.isArray(parsed) ? parsed.filter((entry): entry is string => typeof entry === 'string') : []
  } catch {
    return []
  }
}
