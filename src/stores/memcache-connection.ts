/**
 * The memcached operations the memcached store is built on, over a memjs client: keys memcached accepts,
 * expiry from the store's clock, `get`/`set`/`add`/`delete`/`incr`, and `gets`/`cas` (which memjs 1.3 does
 * not expose: this speaks the binary protocol through memjs), each store call bounded by a deadline.
 * Internal: the public face is `MemcacheTokenStore`.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { Utils, type Client as MemjsClient, type Response } from 'memjs'
import { withDeadline } from '../internal/deadline.ts'
import { unavailable } from './errors.ts'

/** memcached reads an expiration above 30 days as an absolute Unix time. */
const RELATIVE_EXPIRY_LIMIT = 30 * 86_400
/** memcached's longest key, in bytes. */
const MAX_KEY_BYTES = 250
/** Key parts used as they are; anything else (long, or with characters memcached refuses) is hashed. */
const SAFE_KEY_PART = /^[A-Za-z0-9_.~+/=-]{1,150}$/

/** An item read with its CAS token. */
export interface CasItem {
  readonly value: string
  /** memcached's CAS token (8 bytes): changes with every write of the item. */
  readonly cas: Buffer
}

/** What a {@link MemcacheConnection} is made of. */
export interface MemcacheConnectionOptions {
  readonly client: MemjsClient
  /** Printable ASCII without spaces, at most 100 characters (checked by the store). */
  readonly prefix: string
  /** The store's clock, in milliseconds since the epoch. */
  readonly clock: () => number
  /** Every store call that has not settled after this many milliseconds fails. */
  readonly callTimeoutMs: number
}

/** One memjs client with the store's prefix, clock and deadline. */
export class MemcacheConnection {
  readonly client: MemjsClient
  readonly #prefix: string
  readonly #clock: () => number
  readonly #callTimeoutMs: number

  constructor(options: MemcacheConnectionOptions) {
    this.client = options.client
    this.#prefix = options.prefix
    this.#clock = options.clock
    this.#callTimeoutMs = options.callTimeoutMs
  }

  /** The servers, for messages: `host:port`, comma-separated. */
  get address(): string {
    return this.client.servers.map((server) => `${server.host}:${server.port}`).join(',')
  }

  /** Now by the store's clock, in epoch seconds. */
  now(): number {
    return Math.floor(this.#clock() / 1000)
  }

  /**
   * A key: prefix, kind and a part that memcached accepts. A part that is long or has characters memcached
   * refuses in keys (spaces, control characters, `:`…), or that would make the key longer than 250 bytes,
   * is replaced by `#` and its SHA-256 in base64url (43 characters); a plain part never starts with `#`.
   */
  key(kind: string, part: string): string {
    const plain = `${this.#prefix}${kind}:${part}`
    if (SAFE_KEY_PART.test(part) && plain.length <= MAX_KEY_BYTES) return plain
    return `${this.#prefix}${kind}:#${createHash('sha256').update(part).digest('base64url')}`
  }

  /** A key under the prefix as it is (a family member suffix such as `at:<hash>`). */
  raw(suffix: string): string {
    return this.#prefix + suffix
  }

  /** memcached `exptime` for an entry that expires at `expiresAt` (epoch seconds, store clock). */
  exptime(expiresAt: number): number {
    const ms = expiresAt * 1000 - this.#clock()
    if (ms <= RELATIVE_EXPIRY_LIMIT * 1000) return Math.max(1, Math.ceil(ms / 1000))
    // Beyond 30 days memcached wants an absolute Unix time, which it compares with its own (system) clock.
    return Math.ceil((Date.now() + ms) / 1000)
  }

  /** Runs store call `name`: bounded by `callTimeoutMs`, every failure a StoreUnavailableError. */
  async guard<T>(name: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(operation(), this.#callTimeoutMs, () => new Error(`no answer within ${this.#callTimeoutMs} ms`))
    } catch (error) {
      throw unavailable(error, `MemcacheTokenStore.${name} (memcached at ${this.address})`)
    }
  }

  /** Resolves once `server` answers a NOOP within `callTimeoutMs`. */
  async ping(server: MemjsClient['servers'][number]): Promise<void> {
    const noop = new Promise<void>((resolve, reject) => {
      this.client.incrSeq()
      const seq = this.client.seq
      // NOOP (opcode 0x0a) on this server.
      server.onResponse(seq, () => resolve())
      server.onError(seq, reject)
      server.write(Utils.makeRequestBuffer(0x0a, '', '', '', seq))
    })
    await withDeadline(noop, this.#callTimeoutMs, () => new Error(`no answer within ${this.#callTimeoutMs} ms`))
  }

  async get(key: string): Promise<string | undefined> {
    const { value } = await this.client.get(key)
    return value === null ? undefined : value.toString('utf8')
  }

  async set(key: string, value: string, expiresAt: number): Promise<void> {
    await this.client.set(key, value, { expires: this.exptime(expiresAt) })
  }

  /** memcached `add`: stores only if the key is absent; resolves whether this call stored it. */
  add(key: string, value: string, expiresAt: number): Promise<boolean> {
    return this.client.add(key, value, { expires: this.exptime(expiresAt) })
  }

  /** Resolves whether there was an item to delete. */
  delete(key: string): Promise<boolean> {
    return this.client.delete(key)
  }

  /** memcached `incr` by one, creating the counter at 1 (expiring at `expiresAt`) when absent; the new count. */
  async increment(key: string, expiresAt: number): Promise<number> {
    const { value } = await this.client.increment(key, 1, { initial: 1, expires: this.exptime(expiresAt) })
    if (typeof value !== 'number') throw new Error('memcached INCR: no value')
    return value
  }

  /** GET with the item's CAS token. */
  gets(key: string): Promise<CasItem | undefined> {
    return this.#perform(key, Utils.makeRequestBuffer(0x00, key, '', '', 0), (response) => {
      if (response.header.status === 0) return { value: response.val.toString('utf8'), cas: Buffer.from(response.header.cas) }
      if (response.header.status === 1) return undefined
      throw new Error(`memcached GET failed with status ${response.header.status}`)
    })
  }

  /** SET with a CAS token: stored only if the item is unchanged since {@link gets}; resolves whether it was. */
  cas(key: string, value: string, expiresAt: number, cas: Buffer): Promise<boolean> {
    const extras = Buffer.alloc(8) // flags (0), expiration
    extras.writeUInt32BE(this.exptime(expiresAt), 4)
    const request = Utils.makeRequestBuffer(0x01, key, extras, value, 0)
    cas.copy(request, 16)
    return this.#perform(key, request, (response) => {
      if (response.header.status === 0) return true
      // 1: gone meanwhile, 2: changed meanwhile.
      if (response.header.status === 1 || response.header.status === 2) return false
      throw new Error(`memcached SET (CAS) failed with status ${response.header.status}`)
    })
  }

  /** Sends a raw binary-protocol request through memjs (its server choice, timeouts and errors). */
  #perform<T>(key: string, request: Buffer, read: (response: Response) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.client.incrSeq()
      const seq = this.client.seq
      request.writeUInt32BE(seq, 12) // opaque: memjs matches the response to this request by it
      this.client.perform(key, request, seq, (error: Error | null, response?: Response) => {
        if (error !== null || response === undefined) {
          reject(error ?? new Error('memcached: no response'))
          return
        }
        try {
          resolve(read(response))
        } catch (failure) {
          reject(failure instanceof Error ? failure : new Error(String(failure)))
        }
      })
    })
  }
}
