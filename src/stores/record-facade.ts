/**
 * The {@link RecordStore} methods of a store whose records live in a part of their own (`RedisRecords`,
 * `MemcacheRecords`): the store extends this class and hands it that part, instead of writing the eight
 * forwarding methods again. Internal: not exported from the package.
 *
 * @module
 */
import type { CounterReading, RecordStore, StoredRecord } from './types.ts'

/** Forwards every {@link RecordStore} method to the record part it was given. */
export class RecordFacade implements RecordStore {
  readonly #records: RecordStore

  constructor(records: RecordStore) {
    this.#records = records
  }

  getRecord(kind: string, key: string): Promise<StoredRecord | undefined> {
    return this.#records.getRecord(kind, key)
  }

  createRecord(kind: string, key: string, value: string, expiresAt?: number): Promise<boolean> {
    return this.#records.createRecord(kind, key, value, expiresAt)
  }

  replaceRecord(kind: string, key: string, version: string, value: string, expiresAt?: number): Promise<boolean> {
    return this.#records.replaceRecord(kind, key, version, value, expiresAt)
  }

  putRecord(kind: string, key: string, value: string, expiresAt?: number): Promise<void> {
    return this.#records.putRecord(kind, key, value, expiresAt)
  }

  deleteRecord(kind: string, key: string): Promise<boolean> {
    return this.#records.deleteRecord(kind, key)
  }

  consumeOnce(kind: string, key: string, expiresAt: number): Promise<boolean> {
    return this.#records.consumeOnce(kind, key, expiresAt)
  }

  increment(kind: string, key: string, windowSeconds: number): Promise<CounterReading> {
    return this.#records.increment(kind, key, windowSeconds)
  }

  resetCounter(kind: string, key: string): Promise<void> {
    return this.#records.resetCounter(kind, key)
  }
}
