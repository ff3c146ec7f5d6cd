import { describe, expect, it } from 'vitest'
import { CountedKeys } from '../../../src/limits/counted-keys.ts'
import { RecordLimiter } from '../../../src/limits/limiter.ts'
import { LocalRecordStore } from '../../../src/stores/memory-record-store.ts'
import type { RecordStore } from '../../../src/stores/types.ts'

/** A record store that counts the calls made to it. */
function counting(store: RecordStore): { store: RecordStore; calls: string[] } {
  const calls: string[] = []
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        calls.push(String(property))
        return (value as (...args: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { store: proxy, calls }
}

const limit = { name: 'clientAuthentication' as const, max: 3, windowSeconds: 60 }

describe('RecordLimiter: the store is read only for keys this process counted under', () => {
  it('a key never counted here costs no store call to check or reset; a counted one is read until its window ends', async () => {
    const clock = { ms: 1_000_000 }
    const { store, calls } = counting(new LocalRecordStore({ clock: () => clock.ms }))
    const limiter = new RecordLimiter(store, () => Math.floor(clock.ms / 1000))
    expect(await limiter.lockedFor(limit, ['client', '10.0.0.1'])).toBe(0)
    await limiter.reset(limit, ['client', '10.0.0.1'])
    expect(calls).toEqual([])
    await limiter.hit(limit, ['client', '10.0.0.1'])
    expect(calls).toEqual(['increment'])
    expect(await limiter.lockedFor(limit, ['client', '10.0.0.1'])).toBe(0)
    expect(calls).toEqual(['increment', 'getRecord'])
    // Another key is still not read.
    expect(await limiter.lockedFor(limit, ['client', '10.0.0.2'])).toBe(0)
    expect(calls).toHaveLength(2)
    await limiter.reset(limit, ['client', '10.0.0.1'])
    expect(calls).toEqual(['increment', 'getRecord', 'resetCounter', 'deleteRecord'])
    // Reset: forgotten again.
    expect(await limiter.lockedFor(limit, ['client', '10.0.0.1'])).toBe(0)
    expect(calls).toHaveLength(4)
    for (let i = 0; i < 3; i++) await limiter.hit(limit, ['client', '10.0.0.1'])
    expect(await limiter.lockedFor(limit, ['client', '10.0.0.1'])).toBe(60)
    clock.ms += 60_000
    const before = calls.length
    expect(await limiter.lockedFor(limit, ['client', '10.0.0.1'])).toBe(0)
    expect(calls).toHaveLength(before)
  })

  it('two processes on one store: a lock reached elsewhere stops this process at its first own failure', async () => {
    const clock = { ms: 2_000_000 }
    const shared = new LocalRecordStore({ clock: () => clock.ms })
    const now = (): number => Math.floor(clock.ms / 1000)
    const first = new RecordLimiter(shared, now)
    const second = new RecordLimiter(shared, now)
    for (let i = 0; i < 3; i++) await first.hit(limit, ['client', '10.0.0.1'])
    expect(await first.lockedFor(limit, ['client', '10.0.0.1'])).toBe(60)
    // The second process has counted nothing under the key: one attempt goes on...
    expect(await second.lockedFor(limit, ['client', '10.0.0.1'])).toBe(0)
    // ...and when it fails, the count says the key is past its limit, and the lock is read from then on.
    const hit = await second.hit(limit, ['client', '10.0.0.1'])
    expect(hit).toEqual({ count: 4, resetIn: 60, exceeded: true })
    expect(await second.lockedFor(limit, ['client', '10.0.0.1'])).toBe(60)
  })

  it('a check racing a count reads the store: the key is remembered before the store answers', async () => {
    const clock = { ms: 3_000_000 }
    const { store, calls } = counting(new LocalRecordStore({ clock: () => clock.ms }))
    const limiter = new RecordLimiter(store, () => Math.floor(clock.ms / 1000))
    const counting1 = limiter.hit(limit, ['client', '10.0.0.1'])
    const check = limiter.lockedFor(limit, ['client', '10.0.0.1'])
    await Promise.all([counting1, check])
    expect(calls).toEqual(['increment', 'getRecord'])
  })

  it('past its bound the process reads every key until the windows it could not remember have ended', async () => {
    const clock = { ms: 4_000_000 }
    const { store, calls } = counting(new LocalRecordStore({ clock: () => clock.ms }))
    const limiter = new RecordLimiter(store, () => Math.floor(clock.ms / 1000), new CountedKeys(2))
    await limiter.hit(limit, ['a'])
    await limiter.hit(limit, ['b'])
    clock.ms += 10_000
    await limiter.hit(limit, ['c'])
    calls.length = 0
    expect(await limiter.lockedFor(limit, ['never-counted'])).toBe(0)
    expect(calls).toEqual(['getRecord'])
    // 'c' was counted 10 s after 'a' and 'b': its window ends 10 s after theirs.
    clock.ms += 55_000
    await limiter.lockedFor(limit, ['never-counted'])
    expect(calls).toEqual(['getRecord', 'getRecord'])
    clock.ms += 5_000
    await limiter.lockedFor(limit, ['never-counted'])
    expect(calls).toHaveLength(2)
  })

  it('CountedKeys sweeps ended windows when full, before giving up on remembering', () => {
    const keys = new CountedKeys(2)
    keys.counted('a', 110, 100)
    keys.counted('b', 200, 100)
    expect(keys.mayBeCounted('a', 105)).toBe(true)
    keys.counted('c', 300, 150)
    expect([keys.mayBeCounted('a', 150), keys.mayBeCounted('b', 150), keys.mayBeCounted('c', 150), keys.mayBeCounted('d', 150)]).toEqual([
      false,
      true,
      true,
      false,
    ])
    keys.forget('b')
    expect(keys.mayBeCounted('b', 150)).toBe(false)
  })

  it('a limit is quiet until this process counts under it, and again once every window it counted has ended', async () => {
    const clock = { ms: 5_000_000 }
    const now = (): number => Math.floor(clock.ms / 1000)
    const limiter = new RecordLimiter(new LocalRecordStore({ clock: () => clock.ms }), now)
    const other = { name: 'signIn' as const, max: 3, windowSeconds: 600 }
    expect([limiter.quiet(limit), limiter.quiet(other)]).toEqual([true, true])
    await limiter.hit(limit, ['client', '10.0.0.1'])
    // Only the limit counted under stops being quiet; the key is then read as before.
    expect([limiter.quiet(limit), limiter.quiet(other)]).toEqual([false, true])
    for (let i = 0; i < 2; i++) await limiter.hit(limit, ['client', '10.0.0.1'])
    expect(await limiter.lockedFor(limit, ['client', '10.0.0.1'])).toBe(60)
    clock.ms += 59_000
    expect(limiter.quiet(limit)).toBe(false)
    clock.ms += 1_000
    expect(limiter.quiet(limit)).toBe(true)
    expect(await limiter.lockedFor(limit, ['client', '10.0.0.1'])).toBe(0)
  })

  it('a quiet limit reads no clock: only while a window it counted may still run', async () => {
    const clock = { ms: 5_000_000, reads: 0 }
    const now = (): number => {
      clock.reads++
      return Math.floor(clock.ms / 1000)
    }
    const limiter = new RecordLimiter(new LocalRecordStore({ clock: () => clock.ms }), now)
    for (let i = 0; i < 3; i++) expect(limiter.quiet(limit)).toBe(true)
    expect(await limiter.lockedFor(limit, ['client', '10.0.0.1'])).toBe(0)
    await limiter.reset(limit, ['client', '10.0.0.1'])
    expect(clock.reads).toBe(0)
    await limiter.hit(limit, ['client', '10.0.0.1'])
    clock.reads = 0
    expect(limiter.quiet(limit)).toBe(false)
    expect(clock.reads).toBe(1)
    // The window ends: found quiet once more (one read), then forgotten, so no read again.
    clock.ms += 60_000
    expect(limiter.quiet(limit)).toBe(true)
    expect(clock.reads).toBe(2)
    expect(limiter.quiet(limit)).toBe(true)
    expect(clock.reads).toBe(2)
    // And counting again makes it read the clock again.
    await limiter.hit(limit, ['client', '10.0.0.1'])
    expect(limiter.quiet(limit)).toBe(false)
  })
})
