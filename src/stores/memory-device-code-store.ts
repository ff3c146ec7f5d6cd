import { ConfigurationError } from '../errors.ts'
import {
  SLOW_DOWN_SECONDS,
  type DeviceApproval,
  type DeviceAuthorization,
  type DeviceCodeStore,
  type DevicePoll,
} from './device-code-store.ts'
import { ExpiryIndex } from './expiry-index.ts'

/** Options of {@link LocalDeviceCodeStore}. */
export interface LocalDeviceCodeStoreOptions {
  /**
   * Seconds an expired request is still remembered, so its device gets `expired_token` rather than
   * `invalid_grant` (RFC 8628 section 3.5). Default 600; 0 forgets it as soon as a purge runs.
   */
  readonly retainExpiredSeconds?: number
}

/** Where a request stands; the user who approved travels with the approval. */
type State =
  | { readonly type: 'pending' }
  | { readonly type: 'approved'; readonly user: DeviceApproval }
  | { readonly type: 'consumed' }
  | { readonly type: 'denied' }

const PENDING: State = { type: 'pending' }
const CONSUMED: State = { type: 'consumed' }
const DENIED: State = { type: 'denied' }

interface Entry {
  readonly authorization: DeviceAuthorization
  state: State
  /** The current polling interval: the one given to the device, plus 5 s per `slow_down`. */
  interval: number
  lastPolledAt: number | undefined
}

/**
 * Keeps device authorization requests (RFC 8628) in memory, keyed by the SHA-256 hashes of the device
 * code and the user code — never the codes themselves.
 *
 * Every operation is synchronous inside, so approving, denying and polling are atomic within the process:
 * of any number of concurrent polls after an approval exactly one finds `approved`. Expired requests are
 * purged as time passes (visiting only what has expired). For several processes, use a shared store.
 */
export class LocalDeviceCodeStore implements DeviceCodeStore {
  /** In-process: the controller calls it directly, without a timer per call. */
  readonly inProcess = true
  readonly #retain: number
  readonly #byDeviceCode = new Map<string, Entry>()
  /** Pending requests only: a user code is forgotten once it is decided, so it cannot be used again. */
  readonly #byUserCode = new Map<string, string>()
  readonly #expiry = new ExpiryIndex<string>()

  constructor(options: LocalDeviceCodeStoreOptions = {}) {
    const retain = options.retainExpiredSeconds ?? 600
    if (!Number.isSafeInteger(retain) || retain < 0) {
      throw new ConfigurationError('LocalDeviceCodeStore: retainExpiredSeconds must be a whole number of seconds, 0 or more')
    }
    this.#retain = retain
  }

  /** How many requests are held (expired ones not yet purged included). */
  get size(): number {
    return this.#byDeviceCode.size
  }

  async save(authorization: DeviceAuthorization): Promise<boolean> {
    const now = authorization.issuedAt
    this.#purge(now)
    if (this.#byDeviceCode.has(authorization.deviceCodeHash)) return false
    const holder = this.#pendingByUserCode(authorization.userCodeHash, now)
    if (holder !== undefined) return false
    this.#byDeviceCode.set(authorization.deviceCodeHash, {
      authorization,
      state: PENDING,
      interval: authorization.interval,
      lastPolledAt: undefined,
    })
    this.#byUserCode.set(authorization.userCodeHash, authorization.deviceCodeHash)
    this.#expiry.add(authorization.deviceCodeHash, authorization.expiresAt + this.#retain)
    return true
  }

  async fetchByUserCode(userCodeHash: string, now: number): Promise<DeviceAuthorization | undefined> {
    return this.#pendingByUserCode(userCodeHash, now)?.authorization
  }

  async fetchByDeviceCode(deviceCodeHash: string): Promise<DeviceAuthorization | undefined> {
    return this.#byDeviceCode.get(deviceCodeHash)?.authorization
  }

  async approve(userCodeHash: string, user: DeviceApproval, now: number): Promise<boolean> {
    return this.#decide(userCodeHash, now, { type: 'approved', user })
  }

  async deny(userCodeHash: string, now: number): Promise<boolean> {
    return this.#decide(userCodeHash, now, DENIED)
  }

  async poll(deviceCodeHash: string, now: number): Promise<DevicePoll | undefined> {
    const entry = this.#byDeviceCode.get(deviceCodeHash)
    if (entry === undefined) return undefined
    // RFC 8628 section 3.5: once the device code has expired, the session is over whatever was decided.
    if (now >= entry.authorization.expiresAt) return { status: 'expired' }
    const state = entry.state
    switch (state.type) {
      case 'consumed':
        return { status: 'consumed' }
      case 'denied':
        return { status: 'denied' }
      case 'approved':
        // The one poll that redeems the approval; every later one finds it consumed.
        entry.state = CONSUMED
        entry.lastPolledAt = now
        return { status: 'approved', authorization: entry.authorization, user: state.user }
      case 'pending': {
        const last = entry.lastPolledAt
        entry.lastPolledAt = now
        // RFC 8628 section 3.5: polling sooner than the interval earns slow_down and 5 more seconds, for
        // this and every later request. The first poll is never too early (section 3.2 sets the time
        // between polls).
        if (last !== undefined && now - last < entry.interval) {
          entry.interval += SLOW_DOWN_SECONDS
          return { status: 'slow_down', interval: entry.interval }
        }
        return { status: 'pending' }
      }
    }
  }

  async purge(now: number): Promise<void> {
    this.#purge(now)
  }

  #decide(userCodeHash: string, now: number, state: State): boolean {
    const entry = this.#pendingByUserCode(userCodeHash, now)
    if (entry === undefined) return false
    entry.state = state
    // RFC 8628 section 6.1: a user code is single-use.
    this.#byUserCode.delete(userCodeHash)
    return true
  }

  /** The pending, unexpired request of a user code. */
  #pendingByUserCode(userCodeHash: string, now: number): Entry | undefined {
    const deviceCodeHash = this.#byUserCode.get(userCodeHash)
    const entry = deviceCodeHash === undefined ? undefined : this.#byDeviceCode.get(deviceCodeHash)
    if (entry === undefined || entry.state.type !== 'pending' || now >= entry.authorization.expiresAt) return undefined
    return entry
  }

  #purge(now: number): void {
    this.#expiry.purge(now, (deviceCodeHash) => {
      // The index hands out only keys whose expiry (plus retention) has passed.
      const entry = this.#byDeviceCode.get(deviceCodeHash)
      if (entry === undefined) return
      this.#byDeviceCode.delete(deviceCodeHash)
      const userCodeHash = entry.authorization.userCodeHash
      if (this.#byUserCode.get(userCodeHash) === deviceCodeHash) this.#byUserCode.delete(userCodeHash)
    })
  }
}
