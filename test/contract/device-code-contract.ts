/**
 * The contract of a {@link DeviceCodeStore} (RFC 8628), written once and run against the in-memory store
 * and against {@link RecordDeviceCodeStore} over every backend's {@link RecordStore}: lookups, saving with
 * unique codes, polling with `slow_down`, single-use decisions, exactly-one redemption under races, expiry.
 *
 * ```ts
 * describeDeviceCodeStoreContract('PostgreSQL', async () => ({ store, close }))
 * ```
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DeviceCodeStore, DevicePoll } from '../../src/stores/device-code-store.ts'
import { all } from './store-contract.ts'
import { authorization, T0 } from '../helpers/records.ts'

export { authorization, T0 }

const USER = { userId: 'alice', data: { name: 'Alice', roles: ['admin'] } }

/** What a backend's factory hands the device-code contract. */
export interface DeviceCodeStoreUnderTest {
  readonly store: DeviceCodeStore
  /** Closes the store and removes what the test stored. */
  close(): Promise<void>
}

/** Registers the device-code contract for one store. */
export function describeDeviceCodeStoreContract(name: string, factory: () => Promise<DeviceCodeStoreUnderTest>): void {
  describe(`${name}: device-code contract (RFC 8628)`, () => {
    let under: DeviceCodeStoreUnderTest | undefined
    let store: DeviceCodeStore

    beforeEach(async () => {
      under = await factory()
      store = under.store
      expect(await store.save(authorization())).toBe(true)
    })
    afterEach(async () => {
      await under?.close()
      under = undefined
    })

    it('finds a pending request by user-code hash and by device-code hash, context included', async () => {
      expect(await store.fetchByUserCode('user-1', T0)).toEqual(authorization())
      expect(await store.fetchByDeviceCode('device-1')).toEqual(authorization())
      expect(await store.fetchByUserCode('device-1', T0)).toBeUndefined()
      expect(await store.fetchByDeviceCode('user-1')).toBeUndefined()
      expect(await store.poll('unknown', T0)).toBeUndefined()
    })

    it('refuses a second request with the same device code, or the user code of a live pending one', async () => {
      expect(await store.save(authorization({ userCodeHash: 'user-2' }))).toBe(false)
      expect(await store.save(authorization({ deviceCodeHash: 'device-2' }))).toBe(false)
      // The refused save of device-1 with user-2 left user-2 free.
      expect(await store.save(authorization({ deviceCodeHash: 'device-4', userCodeHash: 'user-2' }))).toBe(true)
      // Once the first one has expired, its user code may be drawn again.
      expect(await store.save(authorization({ deviceCodeHash: 'device-3', issuedAt: T0 + 600, expiresAt: T0 + 1200 }))).toBe(true)
      expect((await store.fetchByUserCode('user-1', T0 + 601))?.deviceCodeHash).toBe('device-3')
    })

    it('a decided user code may be drawn again by a new request', async () => {
      expect(await store.deny('user-1', T0 + 1)).toBe(true)
      expect(await store.save(authorization({ deviceCodeHash: 'device-2', issuedAt: T0 + 2 }))).toBe(true)
      expect((await store.fetchByUserCode('user-1', T0 + 3))?.deviceCodeHash).toBe('device-2')
      expect(await store.poll('device-1', T0 + 4)).toEqual({ status: 'denied' })
    })

    it('answers pending, then slow_down (interval + 5 s, 3.5) when polled sooner than the interval', async () => {
      expect(await store.poll('device-1', T0)).toEqual({ status: 'pending' })
      expect(await store.poll('device-1', T0 + 5)).toEqual({ status: 'pending' })
      expect(await store.poll('device-1', T0 + 9)).toEqual({ status: 'slow_down', interval: 10 })
      // The longer interval holds for every later poll, measured from the last poll.
      expect(await store.poll('device-1', T0 + 18)).toEqual({ status: 'slow_down', interval: 15 })
      expect(await store.poll('device-1', T0 + 33)).toEqual({ status: 'pending' })
    })

    it('hands out an approval to exactly one poll; later polls find it consumed', async () => {
      expect(await store.approve('user-1', USER, T0 + 1)).toBe(true)
      expect(await store.poll('device-1', T0 + 2)).toEqual({ status: 'approved', authorization: authorization(), user: USER })
      expect(await store.poll('device-1', T0 + 10)).toEqual({ status: 'consumed' })
      expect(await store.poll('device-1', T0 + 20)).toEqual({ status: 'consumed' })
    })

    it('of 20 concurrent polls after an approval, exactly one gets it', async () => {
      await store.approve('user-1', USER, T0 + 1)
      const polls = await all(Array.from({ length: 20 }, () => store.poll('device-1', T0 + 2)))
      const statuses = polls.map((poll) => poll?.status)
      expect(statuses.filter((status) => status === 'approved')).toHaveLength(1)
      expect(statuses.filter((status) => status === 'consumed')).toHaveLength(19)
    })

    it('an approval is not slowed down even when the device polls early', async () => {
      expect(await store.poll('device-1', T0)).toEqual({ status: 'pending' })
      await store.approve('user-1', USER, T0 + 1)
      expect((await store.poll('device-1', T0 + 1))?.status).toBe('approved')
    })

    it('decides a user code once, even when decisions race; the user code is forgotten (6.1)', async () => {
      const decisions = await all([store.approve('user-1', USER, T0), store.deny('user-1', T0), store.approve('user-1', USER, T0)])
      expect(decisions.filter(Boolean)).toHaveLength(1)
      expect(await store.fetchByUserCode('user-1', T0)).toBeUndefined()
      expect(await store.fetchByDeviceCode('device-1')).toBeDefined()
      expect(await store.approve('user-1', USER, T0 + 1)).toBe(false)
    })

    it('a decision racing polls is kept, and the approval is redeemed once', async () => {
      const results = await all<DevicePoll | boolean | undefined>([
        store.poll('device-1', T0 + 5),
        store.approve('user-1', USER, T0 + 5),
        store.poll('device-1', T0 + 5),
        store.poll('device-1', T0 + 5),
      ])
      expect(results[1]).toBe(true)
      const after = await all([store.poll('device-1', T0 + 30), store.poll('device-1', T0 + 30)])
      const approved = [...results, ...after].filter((r) => typeof r === 'object' && r?.status === 'approved')
      expect(approved).toHaveLength(1)
    })

    it('a denied request answers denied to every poll until it expires', async () => {
      expect(await store.deny('user-1', T0 + 1)).toBe(true)
      expect(await store.approve('user-1', USER, T0 + 2)).toBe(false)
      expect(await store.poll('device-1', T0 + 3)).toEqual({ status: 'denied' })
      expect(await store.poll('device-1', T0 + 4)).toEqual({ status: 'denied' })
      expect(await store.poll('device-1', T0 + 600)).toEqual({ status: 'expired' })
    })

    it('expiry ends everything: the user code, decisions, and an approval not yet redeemed', async () => {
      expect(await store.fetchByUserCode('user-1', T0 + 599)).toBeDefined()
      expect(await store.fetchByUserCode('user-1', T0 + 600)).toBeUndefined()
      expect(await store.approve('user-1', USER, T0 + 600)).toBe(false)
      expect(await store.deny('user-1', T0 + 600)).toBe(false)
      expect(await store.poll('device-1', T0 + 600)).toEqual({ status: 'expired' })

      expect(await store.save(authorization({ deviceCodeHash: 'device-2', userCodeHash: 'user-2' }))).toBe(true)
      await store.approve('user-2', USER, T0 + 10)
      expect(await store.poll('device-2', T0 + 600)).toEqual({ status: 'expired' })
    })
  })
}
