import { describe, expect, it } from 'vitest'
import type { DeviceAuthorization } from '../../../src/stores/device-code-store.ts'
import { LocalDeviceCodeStore } from '../../../src/stores/memory-device-code-store.ts'

const T0 = 1_767_225_600 // 2026-01-01, epoch seconds

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

/** The behaviour every device-code store shares is in test/contract/device-code-contract.ts; this is what is memory's own. */
describe('LocalDeviceCodeStore (RFC 8628)', () => {
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
