import { ConfigurationError, StoreUnavailableError } from '../errors.ts'
import type { DeviceApproval, DeviceAuthorization, DeviceCodeStore, DevicePoll } from './device-code-store.ts'
import { SLOW_DOWN_SECONDS } from './device-code-store.ts'
import type { RecordStore, StoredRecord } from './types.ts'

/** Options of {@link RecordDeviceCodeStore}. */
export interface RecordDeviceCodeStoreOptions {
  /**
   * Seconds an expired request is still remembered, so its device gets `expired_token` rather than
   * `invalid_grant` (RFC 8628 section 3.5). Default 600.
   */
  readonly retainExpiredSeconds?: number
}

/** The record kept per device code: the request, where it stands, and the polling state. */
interface DeviceRecord {
  readonly authorization: DeviceAuthorization
  readonly state: 'pending' | 'approved' | 'consumed' | 'denied'
  /** The user who approved, while the approval waits for its one poll. */
  readonly user?: DeviceApproval
  /** The current polling interval: the one given to the device, plus 5 s per `slow_down`. */
  readonly interval: number
  readonly lastPolledAt?: number
}

/** Record kinds: one record per device code, and a pointer per user code while it is pending. */
const DEVICE = 'device_code'
const USER_CODE = 'device_user_code'
/** Compare-and-set attempts before a decision gives up (polls are spaced by `interval`, so this is ample). */
const ATTEMPTS = 16

/**
 * Device authorization requests (RFC 8628) kept through the {@link RecordStore} primitives, so every
 * backend that offers them — memory, SQLite, PostgreSQL, MySQL, Redis, memcached — holds device codes with
 * this one implementation, shared by every process that shares the store.
 *
 * Two records per request: `device_code/<device-code hash>` holds the request and its state;
 * `device_user_code/<user-code hash>` points at it while it is pending. Saving creates both if absent;
 * approving, denying and polling are compare-and-set on the device record, retried on a lost race, so a
 * user code is decided once and an approval is redeemed by exactly one poll. Expiry is decided by the
 * `now` the grant passes; the records' own time to live only lets the backend forget them.
 */
export class RecordDeviceCodeStore implements DeviceCodeStore {
  readonly #records: RecordStore
  readonly #retain: number

  constructor(records: RecordStore, options: RecordDeviceCodeStoreOptions = {}) {
    const retain = options.retainExpiredSeconds ?? 600
    if (!Number.isSafeInteger(retain) || retain < 0) {
      throw new ConfigurationError('RecordDeviceCodeStore: retainExpiredSeconds must be a whole number of seconds, 0 or more')
    }
    this.#records = records
    this.#retain = retain
  }

  async save(authorization: DeviceAuthorization): Promise<boolean> {
    const now = authorization.issuedAt
    const { deviceCodeHash, userCodeHash, expiresAt } = authorization
    if (!(await this.#claimUserCode(userCodeHash, deviceCodeHash, expiresAt, now))) return false
    const record: DeviceRecord = { authorization, state: 'pending', interval: authorization.interval }
    if (await this.#records.createRecord(DEVICE, deviceCodeHash, JSON.stringify(record), expiresAt + this.#retain)) return true
    // The device code is taken: give the user code back, unless someone else has claimed it since.
    const pointer = await this.#records.getRecord(USER_CODE, userCodeHash)
    if (pointer?.value === deviceCodeHash) await this.#records.deleteRecord(USER_CODE, userCodeHash)
    return false
  }

  async fetchByUserCode(userCodeHash: string, now: number): Promise<DeviceAuthorization | undefined> {
    return (await this.#pendingByUserCode(userCodeHash, now))?.record.authorization
  }

  async fetchByDeviceCode(deviceCodeHash: string): Promise<DeviceAuthorization | undefined> {
    return (await this.#read(deviceCodeHash))?.record.authorization
  }

  approve(userCodeHash: string, user: DeviceApproval, now: number): Promise<boolean> {
    return this.#decide(userCodeHash, now, 'approved', user)
  }

  deny(userCodeHash: string, now: number): Promise<boolean> {
    return this.#decide(userCodeHash, now, 'denied', undefined)
  }

  async poll(deviceCodeHash: string, now: number): Promise<DevicePoll | undefined> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const found = await this.#read(deviceCodeHash)
      if (found === undefined) return undefined
      const { record, stored } = found
      // RFC 8628 section 3.5: once the device code has expired, the session is over whatever was decided.
      if (now >= record.authorization.expiresAt) return { status: 'expired' }
      let next: DeviceRecord
      let answer: DevicePoll
      switch (record.state) {
        case 'consumed':
          return { status: 'consumed' }
        case 'denied':
          return { status: 'denied' }
        case 'approved': {
          // The one poll that redeems the approval; every later one finds it consumed.
          const { user, ...rest } = record
          if (user === undefined) return { status: 'consumed' }
          next = { ...rest, state: 'consumed', lastPolledAt: now }
          answer = { status: 'approved', authorization: record.authorization, user }
          break
        }
        case 'pending': {
          const last = record.lastPolledAt
          // RFC 8628 section 3.5: polling sooner than the interval earns slow_down and 5 more seconds, for
          // this and every later request. The first poll is never too early.
          if (last !== undefined && now - last < record.interval) {
            next = { ...record, interval: record.interval + SLOW_DOWN_SECONDS, lastPolledAt: now }
            answer = { status: 'slow_down', interval: next.interval }
          } else {
            next = { ...record, lastPolledAt: now }
            answer = { status: 'pending' }
          }
          break
        }
      }
      if (await this.#replace(deviceCodeHash, stored, next)) return answer
    }
    throw new StoreUnavailableError('RecordDeviceCodeStore.poll lost every compare-and-set: the store is too contended')
  }

  /** Nothing to do: the backend forgets records as their time to live runs out. */
  async purge(): Promise<void> {}

  /** Points the user code at this request, unless a live pending request holds it (then the grant draws again). */
  async #claimUserCode(userCodeHash: string, deviceCodeHash: string, expiresAt: number, now: number): Promise<boolean> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await this.#records.createRecord(USER_CODE, userCodeHash, deviceCodeHash, expiresAt)) return true
      const pointer = await this.#records.getRecord(USER_CODE, userCodeHash)
      if (pointer === undefined) continue
      if ((await this.#pendingByUserCode(userCodeHash, now)) !== undefined) return false
      // The holder expired or was decided (by the grant's clock): the user code may be drawn again.
      if (await this.#records.replaceRecord(USER_CODE, userCodeHash, pointer.version, deviceCodeHash, expiresAt)) return true
    }
    return false
  }

  async #decide(userCodeHash: string, now: number, state: 'approved' | 'denied', user: DeviceApproval | undefined): Promise<boolean> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const pending = await this.#pendingByUserCode(userCodeHash, now)
      if (pending === undefined) return false
      const { record, stored, deviceCodeHash } = pending
      const next: DeviceRecord = user === undefined ? { ...record, state } : { ...record, state, user }
      if (await this.#replace(deviceCodeHash, stored, next)) {
        // RFC 8628 section 6.1: a user code is single-use.
        await this.#records.deleteRecord(USER_CODE, userCodeHash)
        return true
      }
    }
    throw new StoreUnavailableError('RecordDeviceCodeStore: a decision lost every compare-and-set: the store is too contended')
  }

  /** The pending, unexpired request a user code points at. */
  async #pendingByUserCode(
    userCodeHash: string,
    now: number,
  ): Promise<{ record: DeviceRecord; stored: StoredRecord; deviceCodeHash: string } | undefined> {
    const pointer = await this.#records.getRecord(USER_CODE, userCodeHash)
    if (pointer === undefined) return undefined
    const found = await this.#read(pointer.value)
    if (found === undefined) return undefined
    const { record } = found
    if (record.state !== 'pending' || now >= record.authorization.expiresAt) return undefined
    if (record.authorization.userCodeHash !== userCodeHash) return undefined
    return { ...found, deviceCodeHash: pointer.value }
  }

  async #read(deviceCodeHash: string): Promise<{ record: DeviceRecord; stored: StoredRecord } | undefined> {
    const stored = await this.#records.getRecord(DEVICE, deviceCodeHash)
    if (stored === undefined) return undefined
    return { record: JSON.parse(stored.value) as DeviceRecord, stored }
  }

  #replace(deviceCodeHash: string, stored: StoredRecord, next: DeviceRecord): Promise<boolean> {
    return this.#records.replaceRecord(DEVICE, deviceCodeHash, stored.version, JSON.stringify(next), stored.expiresAt)
  }
}
