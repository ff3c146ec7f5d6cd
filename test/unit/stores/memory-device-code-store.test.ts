import { describe, expect, it } from 'vitest'
import { LocalDeviceCodeStore } from '../../../src/stores/memory-device-code-store.ts'
import { authorization, T0 } from '../../helpers/records.ts'

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
