import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ExpiryIndex } from '../../../src/stores/expiry-index.ts'

const SEED = 20260108
const T0 = 1_800_000_000 // a whole minute: 30_000_000 * 60

function purged<K>(index: ExpiryIndex<K>, now: number): K[] {
  const dropped: K[] = []
  index.purge(now, (key) => dropped.push(key))
  return dropped
}

describe('ExpiryIndex', () => {
  it('does nothing while empty', () => {
    expect(purged(new ExpiryIndex<string>(), T0)).toEqual([])
  })

  it('drops a key only once the minute it expires in has fully passed', () => {
    const index = new ExpiryIndex<string>()
    index.add('a', T0 + 59) // minute T0/60
    index.add('b', T0 + 60) // next minute
    expect(purged(index, T0 + 59)).toEqual([])
    expect(purged(index, T0 + 60)).toEqual(['a'])
    expect(purged(index, T0 + 119)).toEqual([])
    expect(purged(index, T0 + 120)).toEqual(['b'])
  })

  it('drops each key once, in expiry order across minutes', () => {
    const index = new ExpiryIndex<string>()
    index.add('late', T0 + 600)
    index.add('early', T0 + 5)
    index.add('mid', T0 + 300)
    expect(purged(index, T0 + 10_000)).toEqual(['early', 'mid', 'late'])
    expect(purged(index, T0 + 20_000)).toEqual([])
  })

  it('still drops a key added later with a minute before the last purge', () => {
    const index = new ExpiryIndex<string>()
    index.add('a', T0 + 600)
    expect(purged(index, T0 + 300)).toEqual([])
    index.add('past', T0 - 3_600)
    expect(purged(index, T0 + 301)).toEqual(['past'])
    expect(purged(index, T0 + 700)).toEqual(['a'])
  })

  it('jumps over a long idle gap (a year) without losing keys', () => {
    const index = new ExpiryIndex<number>()
    for (let i = 0; i < 50; i++) index.add(i, T0 + i * 7_919)
    expect(purged(index, T0 + 365 * 86_400).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it('purges without throwing when very many distinct minutes are pending (200 000 minute buckets, one already expired key)', () => {
    const index = new ExpiryIndex<number>()
    // E.g. refresh tokens with a long lifetime issued steadily: one bucket per minute for ~139 days.
    for (let i = 1; i <= 200_000; i++) index.add(i, T0 + i * 60)
    // A key whose expiry is already far in the past (e.g. saved by a backfill or a skewed clock).
    index.add(0, 0)
    let dropped: number[] = []
    expect(() => {
      dropped = purged(index, T0)
    }).not.toThrow()
    expect(dropped).toEqual([0])
  })

  it(`drops exactly the keys whose expiry minute has passed, each once, for any interleaving of adds and purges (fast-check seed ${SEED})`, () => {
    type Op = { readonly kind: 'add'; readonly at: number } | { readonly kind: 'purge'; readonly step: number }
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), at: fc.integer({ min: -7_200, max: 7_200 }) }),
      fc.record({ kind: fc.constant('purge' as const), step: fc.integer({ min: 0, max: 4_000 }) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const index = new ExpiryIndex<number>()
        const live = new Map<number, number>() // key -> expiresAt
        let now = T0
        let next = 0
        for (const o of ops) {
          if (o.kind === 'add') {
            const expiresAt = now + o.at
            index.add(next, expiresAt)
            live.set(next, expiresAt)
            next++
          } else {
            now += o.step
            const expected = [...live].filter(([, at]) => Math.floor(at / 60) < Math.floor(now / 60)).map(([key]) => key)
            const dropped = purged(index, now)
            expect(new Set(dropped)).toEqual(new Set(expected))
            expect(dropped).toHaveLength(expected.length)
            for (const key of dropped) live.delete(key)
          }
        }
      }),
      { seed: SEED, numRuns: 1000 },
    )
  })
})
