/**
 * The {@link RecordStore} primitives on memcached, each built on one operation with a single winner:
 * `add` for create-if-absent and consume-once, `gets` + `cas` for compare-and-set (the version is the
 * item's CAS token, as a decimal string), and `add` (or `cas`) of a window item plus `incr` for counters.
 * Internal: the public face is `MemcacheTokenStore`.
 *
 * Keys, under the store's prefix `<p>` (a key part memcached would refuse, or too long, is hashed; see
 * `MemcacheConnection.key`):
 * - `<p>rec.<kind>:<key>`: JSON `{e: expiresAt, v: value}`.
 * - `<p>win.<kind>:<key>`: the counter's window, JSON `{r: resetAt, id}`; `<p>cnt:<id>`: its count.
 *   A new window (or a reset) gets a new `id`, so its count starts from nothing without touching the old one.
 *
 * Expiry is judged by the store's clock, as for codes and tokens; memcached's own expiry follows it.
 * An item the store's clock has expired but memcached still holds is taken over by `cas`, so there is
 * still a single winner. Records without an expiry are refused: memcached evicts.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { ConfigurationError, StoreUnavailableError } from '../errors.ts'
import type { CasItem, MemcacheConnection } from './memcache-connection.ts'
import { checkRecordKey, checkRecordValue, checkWindow } from './record-rules.ts'
import type { CounterReading, RecordStore, StoredRecord } from './types.ts'

/** How often a step looks again after a concurrent writer changed what it read, before giving up. */
const ATTEMPTS = 8
/** The largest CAS token (8 bytes). */
const MAX_CAS = 2n ** 64n - 1n

/** A record item. */
interface Item {
  readonly e: number
  readonly v: string
}

/** A counter's window item. */
interface Window {
  readonly r: number
  readonly id: string
}

/**
 * Refuses a record without an expiry: memcached evicts items when memory runs short and loses them all
 * on a restart, so what must last (signing keys, registered clients, remembered grants) needs a durable
 * store.
 */
function requireExpiry(expiresAt: number | undefined): asserts expiresAt is number {
  if (expiresAt === undefined) {
    throw new ConfigurationError(
      'MemcacheTokenStore refuses records without an expiry: memcached evicts items when memory runs short and loses them on a restart, ' +
        'so signing keys, registered clients and remembered grants need a durable store (SQL or Redis)',
    )
  }
}

/** A version as memcached's CAS token, or `undefined` when it cannot be one (0 would mean "no check"). */
function casOf(version: string): Buffer | undefined {
  if (!/^[1-9][0-9]{0,19}$/.test(version) || BigInt(version) > MAX_CAS) return undefined
  const buffer = Buffer.alloc(8)
  buffer.writeBigUInt64BE(BigInt(version))
  return buffer
}

/** The record primitives of a `MemcacheTokenStore`, over its connection. */
export class MemcacheRecords implements RecordStore {
  readonly #mc: MemcacheConnection

  constructor(mc: MemcacheConnection) {
    this.#mc = mc
  }

  async getRecord(kind: string, key: string): Promise<StoredRecord | undefined> {
    checkRecordKey(kind, key)
    return this.#mc.guard('getRecord', async () => {
      const item = this.#live(await this.#mc.gets(this.#key(kind, key)))
      if (item === undefined) return undefined
      return { value: item.record.v, version: item.cas.readBigUInt64BE().toString(), expiresAt: item.record.e }
    })
  }

  async createRecord(kind: string, key: string, value: string, expiresAt?: number): Promise<boolean> {
    checkRecordKey(kind, key)
    checkRecordValue(value, expiresAt)
    requireExpiry(expiresAt)
    return this.#mc.guard('createRecord', () => this.#create(this.#key(kind, key), value, expiresAt))
  }

  async replaceRecord(kind: string, key: string, version: string, value: string, expiresAt?: number): Promise<boolean> {
    checkRecordKey(kind, key)
    checkRecordValue(value, expiresAt)
    requireExpiry(expiresAt)
    const cas = casOf(version)
    if (cas === undefined) return false
    return this.#mc.guard('replaceRecord', async () => {
      const id = this.#key(kind, key)
      const current = this.#live(await this.#mc.gets(id))
      if (current === undefined || !current.cas.equals(cas)) return false
      return this.#mc.cas(id, JSON.stringify({ e: expiresAt, v: value } satisfies Item), expiresAt, cas)
    })
  }

  async putRecord(kind: string, key: string, value: string, expiresAt?: number): Promise<void> {
    checkRecordKey(kind, key)
    checkRecordValue(value, expiresAt)
    requireExpiry(expiresAt)
    await this.#mc.guard('putRecord', () =>
      this.#mc.set(this.#key(kind, key), JSON.stringify({ e: expiresAt, v: value } satisfies Item), expiresAt),
    )
  }

  async deleteRecord(kind: string, key: string): Promise<boolean> {
    checkRecordKey(kind, key)
    return this.#mc.guard('deleteRecord', async () => {
      const id = this.#key(kind, key)
      const live = this.#live(await this.#mc.gets(id)) !== undefined
      const deleted = await this.#mc.delete(id)
      return live && deleted
    })
  }

  async consumeOnce(kind: string, key: string, expiresAt: number): Promise<boolean> {
    checkRecordKey(kind, key)
    checkRecordValue('', expiresAt)
    return this.#mc.guard('consumeOnce', () => this.#create(this.#key(kind, key), '', expiresAt))
  }

  async increment(kind: string, key: string, windowSeconds: number): Promise<CounterReading> {
    checkRecordKey(kind, key)
    checkWindow(windowSeconds)
    return this.#mc.guard('increment', async () => {
      const id = this.#mc.key(`win.${kind}`, key)
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const now = this.#mc.now()
        const current = await this.#mc.gets(id)
        const window = current === undefined ? undefined : (JSON.parse(current.value) as Window)
        if (window !== undefined && window.r > now) return this.#count(window)
        // No window, or it has ended: start one. Exactly one starter wins; the others count in its window.
        const fresh: Window = { r: now + windowSeconds, id: randomBytes(12).toString('base64url') }
        const json = JSON.stringify(fresh)
        const started = current === undefined ? await this.#mc.add(id, json, fresh.r) : await this.#mc.cas(id, json, fresh.r, current.cas)
        if (started) return this.#count(fresh)
      }
      throw new StoreUnavailableError('MemcacheTokenStore.increment: too much contention on one counter')
    })
  }

  async resetCounter(kind: string, key: string): Promise<void> {
    checkRecordKey(kind, key)
    // The window goes; its count item is left to expire with it (the next window counts under a new id).
    await this.#mc.guard('resetCounter', () => this.#mc.delete(this.#mc.key(`win.${kind}`, key)))
  }

  #key(kind: string, key: string): string {
    return this.#mc.key(`rec.${kind}`, key)
  }

  /** The item as a record, unless it is absent or the store's clock has expired it. */
  #live(item: CasItem | undefined): { record: Item; cas: Buffer } | undefined {
    if (item === undefined) return undefined
    const record = JSON.parse(item.value) as Item
    return record.e <= this.#mc.now() ? undefined : { record, cas: item.cas }
  }

  /** Create-if-absent by `add`; an item the store's clock has expired is taken over by `cas`. */
  async #create(id: string, value: string, expiresAt: number): Promise<boolean> {
    const json = JSON.stringify({ e: expiresAt, v: value } satisfies Item)
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (expiresAt <= this.#mc.now()) return this.#live(await this.#mc.gets(id)) === undefined
      if (await this.#mc.add(id, json, expiresAt)) return true
      const current = await this.#mc.gets(id)
      if (current === undefined) continue // deleted meanwhile: add again
      if (this.#live(current) !== undefined) return false
      if (await this.#mc.cas(id, json, expiresAt, current.cas)) return true
    }
    throw new StoreUnavailableError('MemcacheTokenStore.createRecord: too much contention on one record')
  }

  /** Counts one more in `window`: `incr`, creating the count at 1 when this is the window's first. */
  async #count(window: Window): Promise<CounterReading> {
    return { count: await this.#mc.increment(this.#mc.key('cnt', window.id), window.r), resetAt: window.r }
  }
}
