import { describe, expect, it } from 'vitest'
import { RecordLimiter } from '../../../src/limits/limiter.ts'
import { resolveLimits, type LimitsOptions } from '../../../src/limits/policies.ts'
import { RateLimits, waitInWords } from '../../../src/limits/rate-limits.ts'
import { LocalRecordStore } from '../../../src/stores/memory-record-store.ts'
import { Request } from '../../../src/web/request.ts'

function setup(limits: LimitsOptions = {}): { limits: RateLimits; clock: { ms: number }; store: LocalRecordStore } {
  const clock = { ms: Date.UTC(2026, 0, 1) }
  const store = new LocalRecordStore({ clock: () => clock.ms })
  const now = (): number => Math.floor(clock.ms / 1000)
  const rate = new RateLimits({ limiter: new RecordLimiter(store, now), limits: resolveLimits(limits) })
  return { limits: rate, clock, store }
}

describe('RecordLimiter', () => {
  it('counts in fixed windows, locks at max until the window ends, and keeps only digests in the store', async () => {
    const clock = { ms: 1_000_000 }
    const store = new LocalRecordStore({ clock: () => clock.ms })
    const limiter = new RecordLimiter(store, () => Math.floor(clock.ms / 1000))
    const limit = { name: 'signIn' as const, max: 2, windowSeconds: 60 }
    expect(await limiter.lockedFor(limit, ['alice', '10.0.0.1'])).toBe(0)
    expect(await limiter.hit(limit, ['alice', '10.0.0.1'])).toEqual({ count: 1, resetIn: 60, exceeded: false })
    clock.ms += 10_000
    expect(await limiter.hit(limit, ['alice', '10.0.0.1'])).toEqual({ count: 2, resetIn: 50, exceeded: false })
    expect(await limiter.lockedFor(limit, ['alice', '10.0.0.1'])).toBe(50)
    expect(await limiter.lockedFor(limit, ['alice', '10.0.0.2'])).toBe(0)
    expect((await limiter.hit(limit, ['alice', '10.0.0.1'])).exceeded).toBe(true)
    // Parts are joined unambiguously: ['alice', '10.0.0.1'] is not ['alice\u000010.0.0', '1'] etc.
    expect(await limiter.lockedFor(limit, ['alice10.0.0.1'])).toBe(0)
    clock.ms += 50_000
    expect(await limiter.lockedFor(limit, ['alice', '10.0.0.1'])).toBe(0)
    expect((await limiter.hit(limit, ['alice', '10.0.0.1'])).count).toBe(1)
  })

  it('reset forgets the count and the lock', async () => {
    const store = new LocalRecordStore({ clock: () => 5_000_000 })
    const limiter = new RecordLimiter(store, () => 5000)
    const limit = { name: 'clientAuthentication' as const, max: 1, windowSeconds: 60 }
    await limiter.hit(limit, ['c', 'a'])
    expect(await limiter.lockedFor(limit, ['c', 'a'])).toBe(60)
    await limiter.reset(limit, ['c', 'a'])
    expect(await limiter.lockedFor(limit, ['c', 'a'])).toBe(0)
    expect((await limiter.hit(limit, ['c', 'a'])).count).toBe(1)
  })
})

describe('RateLimits', () => {
  it('client authentication: failures lock (client, address) before any hash; other addresses and clients go on', async () => {
    const { limits } = setup({ clientAuthentication: { max: 3, windowSeconds: 900 } })
    for (let i = 0; i < 3; i++) {
      expect(await limits.clientAuthenticationStarts('abc', '10.0.0.1', false)).toBe(0)
      await limits.clientAuthenticationFailed('abc', '10.0.0.1', false)
    }
    expect(await limits.clientAuthenticationStarts('abc', '10.0.0.1', false)).toBe(900)
    expect(await limits.clientAuthenticationStarts('abc', '10.0.0.2', false)).toBe(0)
    expect(await limits.clientAuthenticationStarts('xyz', '10.0.0.1', false)).toBe(0)
  })

  it('client authentication with a slow hash: attempts are counted before the hash, so concurrent ones are bounded; a success resets', async () => {
    const { limits } = setup({ clientAuthentication: { max: 3, windowSeconds: 900 } })
    const waits = await Promise.all(Array.from({ length: 10 }, async () => limits.clientAuthenticationStarts('weak', '10.0.0.1', true)))
    expect(waits.filter((wait) => wait === 0)).toHaveLength(3)
    const { limits: fresh } = setup({ clientAuthentication: { max: 3, windowSeconds: 900 } })
    for (let i = 0; i < 10; i++) {
      expect(await fresh.clientAuthenticationStarts('weak', '10.0.0.1', true)).toBe(0)
      await fresh.clientAuthenticationSucceeded('weak', '10.0.0.1', true)
    }
  })

  it('sign-in: per (username, address) first, the much higher per-username ceiling only from many addresses', async () => {
    const { limits } = setup({ signIn: { max: 3, windowSeconds: 600 }, signInPerUser: { max: 6, windowSeconds: 600 } })
    expect(await limits.signInFailed('Alice', '10.0.0.1')).toBe(0)
    expect(await limits.signInFailed('alice', '10.0.0.1')).toBe(0)
    expect(await limits.signInFailed('ALICE', '10.0.0.1')).toBe(600)
    expect(await limits.signInLockedFor('alice', '10.0.0.1')).toBe(600)
    // From one address the per-username ceiling is out of reach: alice may still sign in from elsewhere.
    expect(await limits.signInLockedFor('alice', '10.0.0.2')).toBe(0)
    for (const address of ['10.0.0.2', '10.0.0.3']) for (let i = 0; i < 3; i++) await limits.signInFailed('alice', address)
    expect(await limits.signInLockedFor('alice', '10.0.0.9')).toBe(600)
    expect(await limits.signInLockedFor('bob', '10.0.0.1')).toBe(0)
  })

  it('sign-in: a success forgets the failures of that name from that address', async () => {
    const { limits } = setup({ signIn: { max: 3, windowSeconds: 600 } })
    await limits.signInFailed('alice', '10.0.0.1')
    await limits.signInFailed('alice', '10.0.0.1')
    await limits.signInSucceeded('alice', '10.0.0.1')
    expect(await limits.signInFailed('alice', '10.0.0.1')).toBe(0)
    expect(await limits.signInFailed('alice', '10.0.0.1')).toBe(0)
    expect(await limits.signInFailed('alice', '10.0.0.1')).toBe(600)
  })

  it('user codes: per address; past the global ceiling an address is locked at its first wrong code, and addresses with none are never refused', async () => {
    const { limits, clock } = setup({
      userCodeGuesses: { max: 5, windowSeconds: 900 },
      userCodeGuessesGlobal: { max: 8, windowSeconds: 900 },
    })
    for (let i = 0; i < 4; i++) expect(await limits.userCodeFailed('10.0.0.1')).toBe(0)
    expect(await limits.userCodeFailed('10.0.0.1')).toBe(900)
    expect(await limits.userCodeLockedFor('10.0.0.1')).toBe(900)
    clock.ms += 100_000
    for (let i = 0; i < 3; i++) expect(await limits.userCodeFailed('10.0.0.2')).toBe(0)
    // The 8th wrong code in all (4 counted from 10.0.0.1 before its own lock, 3 from 10.0.0.2) reaches the
    // ceiling: from now on every address is locked at its first wrong code.
    expect(await limits.userCodeFailed('10.0.0.3')).toBe(900)
    expect(await limits.userCodeFailed('10.0.0.4')).toBe(900)
    expect(await limits.userCodeLockedFor('10.0.0.2')).toBe(0)
    expect(await limits.userCodeLockedFor('10.0.0.4')).toBe(900)
    expect(await limits.userCodeLockedFor('10.0.0.5')).toBe(0)
  })

  it('device authorization requests per (client, address), and the pending caps per client and in total', async () => {
    const { limits } = setup({
      deviceAuthorization: { max: 2, windowSeconds: 600 },
      devicePendingPerClient: { max: 2, windowSeconds: 600 },
      devicePendingTotal: { max: 3, windowSeconds: 600 },
    })
    expect(await limits.deviceAuthorizationRequested('tv', '10.0.0.1')).toBe(0)
    expect(await limits.deviceAuthorizationRequested('tv', '10.0.0.1')).toBe(0)
    expect(await limits.deviceAuthorizationRequested('tv', '10.0.0.1')).toBe(600)
    expect(await limits.deviceAuthorizationRequested('tv', '10.0.0.2')).toBe(0)
    expect(await limits.deviceCodeIssued('tv')).toBe(0)
    expect(await limits.deviceCodeIssued('tv')).toBe(0)
    expect(await limits.deviceCodeIssued('tv')).toBe(600)
    expect(await limits.deviceCodeIssued('radio')).toBe(0)
    expect(await limits.deviceCodeIssued('radio')).toBe(600)
  })

  it('a limit turned off counts nothing and never refuses', async () => {
    const { limits, store } = setup(false as never)
    for (let i = 0; i < 50; i++) expect(await limits.signInFailed('alice', '10.0.0.1')).toBe(0)
    expect(await limits.signInLockedFor('alice', '10.0.0.1')).toBe(0)
    expect(await store.increment('rate_count', 'probe', 60)).toEqual(expect.objectContaining({ count: 1 }))
  })

  it('the address: socket by default; an unknown one is counted as "unknown"', () => {
    const { limits } = setup()
    const request = new Request({ method: 'POST', path: '/token' })
    expect(limits.address({ req: { socket: { remoteAddress: '::ffff:10.1.2.3' } } }, request)).toBe('10.1.2.3')
    expect(limits.address({ request: new globalThis.Request('http://localhost/') }, request)).toBe('unknown')
    expect(limits.address({}, request)).toBe('unknown')
  })

  it('waitInWords', () => {
    expect([waitInWords(1), waitInWords(59), waitInWords(60), waitInWords(61), waitInWords(900)]).toEqual([
      '1 second',
      '59 seconds',
      '1 minute',
      '2 minutes',
      '15 minutes',
    ])
  })
})
