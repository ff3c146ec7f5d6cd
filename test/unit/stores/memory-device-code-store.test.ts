import { describe, expect, it } from 'vitest'
import type { DeviceAuthorization } from '../../../src/stores/device-code-store.ts'
import { LocalDeviceCodeStore } from '../../../src/stores/memory-device-code-store.ts'

const T0 = 1_767_225_600 // 2026-01-01, epoch seconds
const USER = { userId: 'alice', data: { name: 'Alice' } }

function authorization(overrides: Partial<DeviceAuthorization> = {}): DeviceAuthorization {
  return {
    deviceCodeHash: 'device-1',
    userCodeHash: 'user-1',
    clientId: 'tv',
    scopes: ['read'],
    familyId: 'family-1',
    issuedAt: T0,
    expiresAt: T0 + 600,
    interval: 5,
    ...overrides,
  }
}

async function saved(overrides: Partial<DeviceAuthorization> = {}): Promise<LocalDeviceCodeStore> {
  const store = new LocalDeviceCodeStore()
  expect(await store.save(authorization(overrides))).toBe(true)
  return store
}

describe('LocalDeviceCodeStore (RFC 8628)', () => {
  it('finds a pending request by user-code hash and by device-code hash', async () => {
    const store = await saved()
    expect(await store.fetchByUserCode('user-1', T0)).toEqual(authorization())
    expect(await store.fetchByDeviceCode('device-1')).toEqual(authorization())
    expect(await store.fetchByUserCode('device-1', T0)).toBeUndefined()
    expect(await store.fetchByDeviceCode('user-1')).toBeUndefined()
    expect(await store.poll('unknown', T0)).toBeUndefined()
  })

  it('refuses a second request with the same device code, or the user code of a live pending one', async () => {
    const store = await saved()
    expect(await store.save(authorization({ userCodeHash: 'user-2' }))).toBe(false)
    expect(await store.save(authorization({ deviceCodeHash: 'device-2' }))).toBe(false)
    // Once the first one has expired, its user code may be drawn again.
    expect(await store.save(authorization({ deviceCodeHash: 'device-3', issuedAt: T0 + 600, expiresAt: T0 + 1200 }))).toBe(true)
    expect((await store.fetchByUserCode('user-1', T0 + 601))?.deviceCodeHash).toBe('device-3')
  })

  it('answers pending, then slow_down (interval + 5 s, 3.5) when polled sooner than the interval', async () => {
    const store = await saved()
    expect(await store.poll('device-1', T0)).toEqual({ status: 'pending' })
    expect(await store.poll('device-1', T0 + 5)).toEqual({ status: 'pending' })
    expect(await store.poll('device-1', T0 + 9)).toEqual({ status: 'slow_down', interval: 10 })
    // The longer interval holds for every later poll, measured from the last poll.
    expect(await store.poll('device-1', T0 + 18)).toEqual({ status: 'slow_down', interval: 15 })
    expect(await store.poll('device-1', T0 + 33)).toEqual({ status: 'pending' })
  })

  it('hands out an approval to exactly one poll; later polls find it consumed', async () => {
    const store = await saved()
    expect(await store.approve('user-1', USER, T0 + 1)).toBe(true)
    expect(await store.poll('device-1', T0 + 2)).toEqual({ status: 'approved', authorization: authorization(), user: USER })
    expect(await store.poll('device-1', T0 + 10)).toEqual({ status: 'consumed' })
    expect(await store.poll('device-1', T0 + 20)).toEqual({ status: 'consumed' })
  })

  it('of 50 concurrent polls after an approval, exactly one gets it', async () => {
    const store = await saved()
    await store.approve('user-1', USER, T0 + 1)
    const polls = await Promise.all(Array.from({ length: 50 }, () => store.poll('device-1', T0 + 2)))
    const statuses = polls.map((poll) => poll?.status)
    expect(statuses.filter((status) => status === 'approved')).toHaveLength(1)
    expect(statuses.filter((status) => status === 'consumed')).toHaveLength(49)
  })

  it('an approval is not slowed down even when the device polls early', async () => {
    const store = await saved()
    expect(await store.poll('device-1', T0)).toEqual({ status: 'pending' })
    await store.approve('user-1', USER, T0 + 1)
    expect((await store.poll('device-1', T0 + 1))?.status).toBe('approved')
  })

  it('decides a user code once: approve and deny both fail afterwards, and the user code is forgotten (6.1)', async () => {
    const store = await saved()
    const decisions = await Promise.all([store.approve('user-1', USER, T0), store.deny('user-1', T0), store.approve('user-1', USER, T0)])
    expect(decisions).toEqual([true, false, false])
    expect(await store.fetchByUserCode('user-1', T0)).toBeUndefined()
    expect(await store.fetchByDeviceCode('device-1')).toBeDefined()
  })

  it('a denied request answers denied to every poll until it expires', async () => {
    const store = await saved()
    expect(await store.deny('user-1', T0 + 1)).toBe(true)
    expect(await store.approve('user-1', USER, T0 + 2)).toBe(false)
    expect(await store.poll('device-1', T0 + 3)).toEqual({ status: 'denied' })
    expect(await store.poll('device-1', T0 + 4)).toEqual({ status: 'denied' })
    expect(await store.poll('device-1', T0 + 600)).toEqual({ status: 'expired' })
  })

  it('expiry ends everything: the user code, decisions, and an approval not yet redeemed', async () => {
    const store = await saved()
    expect(await store.fetchByUserCode('user-1', T0 + 599)).toBeDefined()
    expect(await store.fetchByUserCode('user-1', T0 + 600)).toBeUndefined()
    expect(await store.approve('user-1', USER, T0 + 600)).toBe(false)
    expect(await store.deny('user-1', T0 + 600)).toBe(false)
    expect(await store.poll('device-1', T0 + 600)).toEqual({ status: 'expired' })

    const approved = await saved()
    await approved.approve('user-1', USER, T0 + 10)
    expect(await approved.poll('device-1', T0 + 600)).toEqual({ status: 'expired' })
  })

  it('remembers expired requests for retainExpiredSeconds, then purges them', async () => {
    const store = new LocalDeviceCodeStore({ retainExpiredSeconds: 120 })
    await store.save(authorization())
    await store.purge(T0 + 600 + 60)
    expect(await store.poll('device-1', T0 + 660)).toEqual({ status: 'expired' })
    await store.purge(T0 + 600 + 181)
    expect(store.size).toBe(0)
    expect(await store.poll('device-1', T0 + 781)).toBeUndefined()
    expect(await store.fetchByDeviceCode('device-1')).toBeUndefined()
  })

  it('purges as new requests are saved, keeping live ones', async () => {
    const store = new LocalDeviceCodeStore({ retainExpiredSeconds: 0 })
    await store.save(authorization())
    const later = T0 + 700
    await store.save(authorization({ deviceCodeHash: 'device-2', userCodeHash: 'user-2', issuedAt: later, expiresAt: later + 600 }))
    expect(store.size).toBe(1)
    expect(await store.fetchByUserCode('user-2', later)).toBeDefined()
  })

  it('refuses a bad retainExpiredSeconds', () => {
    expect(() => new LocalDeviceCodeStore({ retainExpiredSeconds: -1 })).toThrow(TypeError)
    expect(() => new LocalDeviceCodeStore({ retainExpiredSeconds: 1.5 })).toThrow(TypeError)
  })
})
