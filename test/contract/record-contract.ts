/**
 * The contract of the {@link RecordStore} primitives, written once and run against every backend that
 * offers them (memory, SQLite, PostgreSQL, MySQL, Redis, memcached): records with a time to live,
 * create-if-absent, compare-and-set, consume-once and windowed counters — each with the race that only
 * the store can win (N parallel callers, exactly one winner; N parallel increments, all counted).
 *
 * A backend's test file calls it with a factory that hands out an empty store whose `clock` option is
 * the {@link FakeClock} it returns:
 *
 * ```ts
 * describeRecordStoreContract('SQLite', async () => ({ recordStore, clock, close }))
 * ```
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RecordStore } from '../../src/stores/types.ts'
import { type FakeClock } from './records.ts'
import { all } from './store-contract.ts'

/** What a backend's factory hands the record contract. */
export interface RecordStoreUnderTest {
  readonly recordStore: RecordStore
  /** The clock the store was given (its `clock` option is `clock.now`). */
  readonly clock: FakeClock
  /** Closes the store and removes what the test stored. */
  close(): Promise<void>
  /** Whether records without an expiry are refused (memcached evicts, so it refuses them). */
  readonly refusesDurableRecords?: boolean
}

const PARALLEL = 12

/** Registers the record contract for one backend. */
export function describeRecordStoreContract(name: string, factory: () => Promise<RecordStoreUnderTest>): void {
  describe(`${name}: record contract`, () => {
    let under: RecordStoreUnderTest | undefined
    let store: RecordStore
    let clock: FakeClock

    beforeEach(async () => {
      under = await factory()
      store = under.recordStore
      clock = under.clock
    })
    afterEach(async () => {
      await under?.close()
      under = undefined
    })

    describe('records', () => {
      it('reads back what was written, with its expiry, and nothing under another kind or key', async () => {
        await store.putRecord('session', 'k1', '{"user":"u1"}', clock.seconds + 60)
        const read = await store.getRecord('session', 'k1')
        expect(read?.value).toBe('{"user":"u1"}')
        expect(read?.expiresAt).toBe(clock.seconds + 60)
        expect(typeof read?.version).toBe('string')
        expect(await store.getRecord('session', 'k2')).toBeUndefined()
        expect(await store.getRecord('grant', 'k1')).toBeUndefined()
      })

      it('keeps a value byte for byte: unicode, quotes, backslashes, 64 KiB', async () => {
        const value = `"Zoë" \\ ' \u{1F600} ${'x'.repeat(65_536 - 20)}`.slice(0, 65_536)
        await store.putRecord('session', 'big', value, clock.seconds + 60)
        expect((await store.getRecord('session', 'big'))?.value).toBe(value)
      })

      it('treats an expired record as absent: get, replace and delete miss it, create makes a new one', async () => {
        await store.putRecord('session', 'k', 'old', clock.seconds + 10)
        const old = await store.getRecord('session', 'k')
        clock.advance(10)
        expect(await store.getRecord('session', 'k')).toBeUndefined()
        expect(await store.replaceRecord('session', 'k', old?.version ?? '', 'new', clock.seconds + 60)).toBe(false)
        expect(await store.deleteRecord('session', 'k')).toBe(false)
        expect(await store.createRecord('session', 'k', 'fresh', clock.seconds + 60)).toBe(true)
        expect((await store.getRecord('session', 'k'))?.value).toBe('fresh')
      })

      it('putRecord overwrites and moves the expiry; deleteRecord says whether a live record was there', async () => {
        await store.putRecord('session', 'k', 'a', clock.seconds + 10)
        await store.putRecord('session', 'k', 'b', clock.seconds + 100)
        clock.advance(50)
        expect((await store.getRecord('session', 'k'))?.value).toBe('b')
        expect(await store.deleteRecord('session', 'k')).toBe(true)
        expect(await store.deleteRecord('session', 'k')).toBe(false)
        expect(await store.getRecord('session', 'k')).toBeUndefined()
      })

      it('refuses a bad kind or key before the backend sees it', async () => {
        await expect(store.getRecord('Bad-Kind', 'k')).rejects.toBeInstanceOf(TypeError)
        await expect(store.putRecord('session', 'a\u0000b', 'v', clock.seconds + 1)).rejects.toBeInstanceOf(TypeError)
        await expect(store.createRecord('session', 'x'.repeat(513), 'v', clock.seconds + 1)).rejects.toBeInstanceOf(TypeError)
        await expect(store.increment('rate', 'k', 0)).rejects.toBeInstanceOf(TypeError)
      })

      it('keys up to 512 characters, URL client ids among them', async () => {
        const key = `https://client.example.com/${'p'.repeat(485)}`
        expect(key.length).toBe(512)
        expect(await store.createRecord('client_doc', key, 'v', clock.seconds + 60)).toBe(true)
        expect((await store.getRecord('client_doc', key))?.value).toBe('v')
      })

      it('records without an expiry live until deleted (or are refused where the backend evicts)', async () => {
        if (under?.refusesDurableRecords === true) {
          await expect(store.putRecord('keys', 'issuer', 'v')).rejects.toBeInstanceOf(TypeError)
          await expect(store.createRecord('keys', 'issuer', 'v')).rejects.toBeInstanceOf(TypeError)
          return
        }
        expect(await store.createRecord('keys', 'issuer', 'v1')).toBe(true)
        clock.advance(10 * 365 * 86_400)
        const read = await store.getRecord('keys', 'issuer')
        expect(read?.value).toBe('v1')
        expect(read?.expiresAt).toBeUndefined()
      })
    })

    describe('create-if-absent', () => {
      it('creates once; a second create leaves the first value', async () => {
        expect(await store.createRecord('keyset', 'k', 'first', clock.seconds + 60)).toBe(true)
        expect(await store.createRecord('keyset', 'k', 'second', clock.seconds + 60)).toBe(false)
        expect((await store.getRecord('keyset', 'k'))?.value).toBe('first')
      })

      it(`${PARALLEL} parallel creates: exactly one wins, and its value is kept`, async () => {
        const results = await all(
          Array.from({ length: PARALLEL }, (_, i) => store.createRecord('keyset', 'race', `v${i}`, clock.seconds + 60)),
        )
        expect(results.filter(Boolean)).toHaveLength(1)
        const winner = results.indexOf(true)
        expect((await store.getRecord('keyset', 'race'))?.value).toBe(`v${winner}`)
      })
    })

    describe('compare-and-set', () => {
      it('replaces only the version it read; the version changes with every write', async () => {
        await store.putRecord('device', 'd', 'pending', clock.seconds + 60)
        const first = await store.getRecord('device', 'd')
        expect(await store.replaceRecord('device', 'd', first?.version ?? '', 'approved', clock.seconds + 60)).toBe(true)
        const second = await store.getRecord('device', 'd')
        expect(second?.value).toBe('approved')
        expect(second?.version).not.toBe(first?.version)
        expect(await store.replaceRecord('device', 'd', first?.version ?? '', 'denied', clock.seconds + 60)).toBe(false)
        expect((await store.getRecord('device', 'd'))?.value).toBe('approved')
      })

      it('misses a record that does not exist', async () => {
        expect(await store.replaceRecord('device', 'none', '1', 'v', clock.seconds + 60)).toBe(false)
        expect(await store.getRecord('device', 'none')).toBeUndefined()
      })

      it('moves the expiry with the replacement', async () => {
        await store.putRecord('device', 'd', 'a', clock.seconds + 10)
        const read = await store.getRecord('device', 'd')
        expect(await store.replaceRecord('device', 'd', read?.version ?? '', 'b', clock.seconds + 100)).toBe(true)
        clock.advance(50)
        expect((await store.getRecord('device', 'd'))?.value).toBe('b')
      })

      it(`${PARALLEL} parallel replacements of one version: exactly one wins`, async () => {
        await store.putRecord('device', 'race', 'pending', clock.seconds + 60)
        const read = await store.getRecord('device', 'race')
        const results = await all(
          Array.from({ length: PARALLEL }, (_, i) =>
            store.replaceRecord('device', 'race', read?.version ?? '', `v${i}`, clock.seconds + 60),
          ),
        )
        expect(results.filter(Boolean)).toHaveLength(1)
        expect((await store.getRecord('device', 'race'))?.value).toBe(`v${results.indexOf(true)}`)
      })
    })

    describe('consume-once', () => {
      it('true the first time, false while the mark lives, true again after it expired', async () => {
        expect(await store.consumeOnce('jti', 'j1', clock.seconds + 30)).toBe(true)
        expect(await store.consumeOnce('jti', 'j1', clock.seconds + 30)).toBe(false)
        expect(await store.consumeOnce('jti', 'j2', clock.seconds + 30)).toBe(true)
        clock.advance(30)
        expect(await store.consumeOnce('jti', 'j1', clock.seconds + 30)).toBe(true)
      })

      it(`${PARALLEL} parallel consumers of one key: exactly one wins`, async () => {
        const results = await all(Array.from({ length: PARALLEL }, () => store.consumeOnce('csrf', 'token', clock.seconds + 60)))
        expect(results.filter(Boolean)).toHaveLength(1)
      })
    })

    describe('counters', () => {
      it('counts in a fixed window and starts again after it', async () => {
        const start = clock.seconds
        expect(await store.increment('rate', 'ip', 60)).toEqual({ count: 1, resetAt: start + 60 })
        clock.advance(30)
        expect(await store.increment('rate', 'ip', 60)).toEqual({ count: 2, resetAt: start + 60 })
        expect(await store.increment('rate', 'other', 60)).toEqual({ count: 1, resetAt: start + 90 })
        clock.advance(30)
        expect(await store.increment('rate', 'ip', 60)).toEqual({ count: 1, resetAt: start + 120 })
      })

      it(`${PARALLEL * 4} parallel increments are all counted`, async () => {
        const readings = await all(Array.from({ length: PARALLEL * 4 }, () => store.increment('rate', 'burst', 60)))
        expect(readings.map((r) => r.count).sort((a, b) => a - b)).toEqual(Array.from({ length: PARALLEL * 4 }, (_, i) => i + 1))
      })

      it('resetCounter forgets the count', async () => {
        await store.increment('rate', 'user', 60)
        await store.increment('rate', 'user', 60)
        await store.resetCounter('rate', 'user')
        expect((await store.increment('rate', 'user', 60)).count).toBe(1)
      })

      it('counters and records of the same kind and key are apart', async () => {
        await store.putRecord('rate', 'k', 'record', clock.seconds + 60)
        expect((await store.increment('rate', 'k', 60)).count).toBe(1)
        expect((await store.getRecord('rate', 'k'))?.value).toBe('record')
      })
    })
  })
}
