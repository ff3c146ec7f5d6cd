import { ExpiryIndex } from './expiry-index.ts'
import { checkRecordKey, checkRecordValue, checkWindow } from './record-rules.ts'
import type { CounterReading, RecordStore, StoredRecord } from './types.ts'

/** Options of {@link LocalRecordStore}. */
export interface LocalRecordStoreOptions {
  /** Milliseconds since the epoch, like `Date.now` (the default); tests pass a fake clock. */
  readonly clock?: () => number
}

interface Entry {
  value: string
  version: number
  expiresAt: number | undefined
}

interface Counter {
  count: number
  resetAt: number
}

/**
 * The {@link RecordStore} primitives in this process's memory: the reference implementation of the
 * contract. Every method is synchronous inside, hence atomic within the process. Expired entries are
 * purged as time passes, visiting only what has expired. For several processes, use a shared store.
 */
export class LocalRecordStore implements RecordStore {
  /** In-process: the controller calls it directly, without a timer per call. */
  readonly inProcess = true
  readonly #clock: () => number
  readonly #records = new Map<string, Entry>()
  readonly #counters = new Map<string, Counter>()
  readonly #expiry = new ExpiryIndex<string>()
  #versions = 0

  constructor(options: LocalRecordStoreOptions = {}) {
    this.#clock = options.clock ?? Date.now
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000)
  }

  /** The live entry under `id`, after purging what has expired. */
  #live(id: string, now: number): Entry | undefined {
    this.#purge(now)
    const entry = this.#records.get(id)
    if (entry === undefined) return undefined
    if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
      this.#records.delete(id)
      return undefined
    }
    return entry
  }

  #purge(now: number): void {
    this.#expiry.purge(now, (id) => {
      const entry = this.#records.get(id)
      if (entry?.expiresAt !== undefined && entry.expiresAt <= now) this.#records.delete(id)
      const counter = this.#counters.get(id)
      if (counter !== undefined && counter.resetAt <= now) this.#counters.delete(id)
    })
  }

  #write(id: string, value: string, expiresAt: number | undefined): void {
    this.#records.set(id, { value, version: ++this.#versions, expiresAt })
    if (expiresAt !== undefined) this.#expiry.add(id, expiresAt)
  }

  async getRecord(kind: string, key: string): Promise<StoredRecord | undefined> {
    checkRecordKey(kind, key)
    const entry = this.#live(`${kind}\n${key}`, this.#now())
    if (entry === undefined) return undefined
    return { value: entry.value, version: String(entry.version), expiresAt: entry.expiresAt }
  }

  async createRecord(kind: string, key: string, value: string, expiresAt?: number): Promise<boolean> {
    checkRecordKey(kind, key)
    checkRecordValue(value, expiresAt)
    const id = `${kind}\n${key}`
    const now = this.#now()
    if (this.#live(id, now) !== undefined) return false
    if (expiresAt !== undefined && expiresAt <= now) return true
    this.#write(id, value, expiresAt)
    return true
  }

  async replaceRecord(kind: string, key: string, version: string, value: string, expiresAt?: number): Promise<boolean> {
    checkRecordKey(kind, key)
    checkRecordValue(value, expiresAt)
    const id = `${kind}\n${key}`
    const entry = this.#live(id, this.#now())
    if (entry === undefined || String(entry.version) !== version) return false
    this.#write(id, value, expiresAt)
    return true
  }

  async putRecord(kind: string, key: string, value: string, expiresAt?: number): Promise<void> {
    checkRecordKey(kind, key)
    checkRecordValue(value, expiresAt)
    this.#write(`${kind}\n${key}`, value, expiresAt)
  }

  async deleteRecord(kind: string, key: string): Promise<boolean> {
    checkRecordKey(kind, key)
    const id = `${kind}\n${key}`
    const live = this.#live(id, this.#now()) !== undefined
    this.#records.delete(id)
    return live
  }

  consumeOnce(kind: string, key: string, expiresAt: number): Promise<boolean> {
    return this.createRecord(kind, key, '', expiresAt)
  }

  async increment(kind: string, key: string, windowSeconds: number): Promise<CounterReading> {
    checkRecordKey(kind, key)
    checkWindow(windowSeconds)
    const id = `${kind}\n${key}`
    const now = this.#now()
    this.#purge(now)
    let counter = this.#counters.get(id)
    if (counter === undefined || counter.resetAt <= now) {
      counter = { count: 0, resetAt: now + windowSeconds }
      this.#counters.set(id, counter)
      this.#expiry.add(id, counter.resetAt)
    }
    counter.count++
    return { count: counter.count, resetAt: counter.resetAt }
  }

  async resetCounter(kind: string, key: string): Promise<void> {
    checkRecordKey(kind, key)
    this.#counters.delete(`${kind}\n${key}`)
  }
}
