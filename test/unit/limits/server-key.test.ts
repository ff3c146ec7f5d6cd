import { describe, expect, it } from 'vitest'
import { ServerKey } from '../../../src/web/server-key.ts'
import { LocalRecordStore } from '../../../src/stores/memory-record-store.ts'

describe('ServerKey', () => {
  it('two holders on one store (two processes) end up with the same 32-byte key; other names differ', async () => {
    const store = new LocalRecordStore()
    const [a, b] = await Promise.all([new ServerKey(store, 'csrf').get(), new ServerKey(store, 'csrf').get()])
    expect(a.length).toBe(32)
    expect(a.equals(b)).toBe(true)
    expect((await new ServerKey(store, 'other').get()).equals(a)).toBe(false)
    expect((await new ServerKey(new LocalRecordStore(), 'csrf').get()).equals(a)).toBe(false)
  })

  it('a failed load is retried at the next call', async () => {
    class Flaky extends LocalRecordStore {
      fail = true
      override createRecord(kind: string, key: string, value: string, expiresAt?: number): Promise<boolean> {
        return this.fail ? Promise.reject(new Error('store down')) : super.createRecord(kind, key, value, expiresAt)
      }
    }
    const flaky = new Flaky()
    const key = new ServerKey(flaky, 'csrf')
    await expect(key.get()).rejects.toThrow('store down')
    flaky.fail = false
    expect((await key.get()).length).toBe(32)
  })

  it('refuses a stored key that is not 32 bytes', async () => {
    const store = new LocalRecordStore()
    await store.putRecord('server_key', 'csrf', 'c2hvcnQ')
    await expect(new ServerKey(store, 'csrf').get()).rejects.toThrow(/not 32 bytes/)
  })
})
