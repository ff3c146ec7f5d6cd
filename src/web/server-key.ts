import { randomBytes } from '../internal/crypto.ts'
import type { RecordStore } from '../stores/types.ts'

/** RecordStore kind of the keys. */
const KIND = 'server_key'

/**
 * A 256-bit key only the server knows (for MACs of CSRF cookies and tokens), kept in a
 * {@link RecordStore} so every process sharing the store uses the same one: the first process creates
 * it (create-if-absent), the others read it. Loaded once, then cached; a failed load is retried on the
 * next call. Anyone who can read the store can read the key, as with the store's other secrets.
 */
export class ServerKey {
  readonly #records: RecordStore
  readonly #name: string
  #key: Promise<Buffer> | undefined

  /** `name` tells keys of different purposes apart (`[a-z0-9_-]`, e.g. `csrf`). */
  constructor(records: RecordStore, name: string) {
    this.#records = records
    this.#name = name
  }

  /** The key. Rejects when the store cannot answer (the request then gets 503). */
  get(): Promise<Buffer> {
    this.#key ??= this.#load().catch((error: unknown) => {
      this.#key = undefined
      throw error
    })
    return this.#key
  }

  async #load(): Promise<Buffer> {
    await this.#records.createRecord(KIND, this.#name, randomBytes(32).toString('base64url'))
    const record = await this.#records.getRecord(KIND, this.#name)
    const key = record === undefined ? undefined : Buffer.from(record.value, 'base64url')
    if (key?.length !== 32) throw new Error(`the ${this.#name} server key in the record store is not 32 bytes`)
    return key
  }
}
