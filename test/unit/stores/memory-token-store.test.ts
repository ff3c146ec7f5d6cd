import { describe, expect, it } from 'vitest'
import { LocalTokenStore } from '../../../src/stores/memory-token-store.ts'
import type { RotationOutcome } from '../../../src/stores/types.ts'
import { access, code, refresh, rotation, TestClock } from '../../helpers/records.ts'

function setup(): { clock: TestClock; store: LocalTokenStore } {
  const clock = new TestClock()
  return { clock, store: new LocalTokenStore({ clock: clock.now }) }
}

function count(outcomes: readonly RotationOutcome[], outcome: RotationOutcome): number {
  return outcomes.filter((o) => o === outcome).length
}

describe('LocalTokenStore: authorization codes (RFC 6749 section 4.1.2: single use)', () => {
  it('saves, fetches and consumes a code once; a second redemption is reused', async () => {
    const { clock, store } = setup()
    const saved = code(clock)
    await store.saveCode(saved)
    expect(await store.fetchByCode('code-1')).toEqual(saved)
    expect(await store.consumeCode('code-1', clock.seconds)).toEqual({ outcome: 'consumed', code: saved })
    expect(await store.fetchByCode('code-1')).toBeUndefined()
    expect(await store.consumeCode('code-1', clock.seconds)).toEqual({ outcome: 'reused', code: saved })
  })

  it('knows nothing of an unknown code', async () => {
    const { clock, store } = setup()
    expect(await store.fetchByCode('nope')).toBeUndefined()
    expect(await store.consumeCode('nope', clock.seconds)).toBeUndefined()
  })

  it('does not return or consume an expired code', async () => {
    const { clock, store } = setup()
    await store.saveCode(code(clock, { expiresAt: clock.seconds + 10 }))
    expect(await store.consumeCode('code-1', clock.seconds + 10)).toBeUndefined()
    clock.advance(10)
    expect(await store.fetchByCode('code-1')).toBeUndefined()
  })

  it('gives exactly one of 50 concurrent consumeCode calls "consumed", the other 49 "reused"', async () => {
    const { clock, store } = setup()
    await store.saveCode(code(clock))
    const results = await Promise.all(Array.from({ length: 50 }, () => store.consumeCode('code-1', clock.seconds)))
    const outcomes = results.map((r) => r?.outcome)
    expect(outcomes.filter((o) => o === 'consumed')).toHaveLength(1)
    expect(outcomes.filter((o) => o === 'reused')).toHaveLength(49)
    for (const result of results) expect(result?.code.codeHash).toBe('code-1')
  })
})

describe('LocalTokenStore: access and refresh tokens', () => {
  it('saves and fetches an access token with its refresh token', async () => {
    const { clock, store } = setup()
    const a = access(clock)
    const r = refresh(clock)
    expect(await store.saveToken(a, r)).toBe(true)
    expect(await store.fetchByToken('access-1')).toEqual(a)
    expect(await store.fetchByRefreshToken('refresh-1')).toEqual(r)
    expect(await store.fetchByToken('refresh-1')).toBeUndefined()
    expect(await store.fetchByRefreshToken('access-1')).toBeUndefined()
    expect(store.size).toEqual({ codes: 0, accessTokens: 1, refreshTokens: 1, families: 1 })
  })

  it('saves an access token without family or refresh token (client_credentials)', async () => {
    const { clock, store } = setup()
    expect(await store.saveToken(access(clock, { familyId: undefined, userId: undefined }))).toBe(true)
    expect(await store.fetchByToken('access-1')).toBeDefined()
    expect(store.size.families).toBe(0)
  })

  it('does not return an expired access or refresh token (expiresAt <= now)', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock, { expiresAt: clock.seconds + 30 }), refresh(clock, { expiresAt: clock.seconds + 60 }))
    clock.advance(29)
    expect(await store.fetchByToken('access-1')).toBeDefined()
    clock.advance(1)
    expect(await store.fetchByToken('access-1')).toBeUndefined()
    expect(await store.fetchByRefreshToken('refresh-1')).toBeDefined()
    clock.advance(30)
    expect(await store.fetchByRefreshToken('refresh-1')).toBeUndefined()
  })

  it('purges expired codes, access and refresh tokens and their families once a write happens more than a minute after expiry', async () => {
    const { clock, store } = setup()
    await store.saveCode(code(clock, { expiresAt: clock.seconds + 10 }))
    await store.saveCode(code(clock, { codeHash: 'code-consumed', expiresAt: clock.seconds + 10 }))
    await store.consumeCode('code-consumed', clock.seconds)
    await store.saveToken(access(clock, { expiresAt: clock.seconds + 10 }), refresh(clock, { expiresAt: clock.seconds + 20 }))
    expect(store.size).toEqual({ codes: 2, accessTokens: 1, refreshTokens: 1, families: 1 })
    clock.advance(20 + 61)
    // Expired entries are not returned even before they are purged.
    expect(await store.fetchByToken('access-1')).toBeUndefined()
    expect(await store.fetchByRefreshToken('refresh-1')).toBeUndefined()
    expect(await store.fetchByCode('code-1')).toBeUndefined()
    // A write triggers the purge.
    await store.saveToken(access(clock, { tokenHash: 'access-live', familyId: undefined }))
    expect(store.size).toEqual({ codes: 0, accessTokens: 1, refreshTokens: 0, families: 0 })
    expect(await store.fetchByToken('access-live')).toBeDefined()
  })

  it('keeps entries that have not expired when purging', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock, { tokenHash: 'short', familyId: undefined, expiresAt: clock.seconds + 10 }))
    await store.saveToken(access(clock, { tokenHash: 'long', familyId: undefined, expiresAt: clock.seconds + 3_600 }))
    clock.advance(180)
    await store.saveToken(access(clock, { tokenHash: 'new', familyId: undefined }))
    expect(await store.fetchByToken('long')).toBeDefined()
    expect(await store.fetchByToken('short')).toBeUndefined()
    expect(store.size.accessTokens).toBe(2)
  })

  it('stays bounded: 100 000 tokens that expire in 60 s are purged after 3 minutes by the next write', async () => {
    const { clock, store } = setup()
    for (let i = 0; i < 100_000; i++) {
      await store.saveToken(access(clock, { tokenHash: `t${i}`, familyId: `f${i % 1_000}`, expiresAt: clock.seconds + 60 }))
    }
    expect(store.size.accessTokens).toBe(100_000)
    clock.advance(180)
    await store.saveToken(access(clock, { tokenHash: 'one-more', familyId: undefined }))
    expect(store.size).toEqual({ codes: 0, accessTokens: 1, refreshTokens: 0, families: 0 })
  })

  it('stays bounded for consumed codes too', async () => {
    const { clock, store } = setup()
    for (let i = 0; i < 10_000; i++) {
      await store.saveCode(code(clock, { codeHash: `c${i}`, expiresAt: clock.seconds + 60 }))
      await store.consumeCode(`c${i}`, clock.seconds)
    }
    clock.advance(180)
    await store.saveCode(code(clock, { codeHash: 'fresh' }))
    expect(store.size.codes).toBe(1)
  })
})

describe('LocalTokenStore: refresh token rotation (RFC 9700 section 4.14.2)', () => {
  it('rotates the current token: successor stored, presented token kept as rotated out', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock), refresh(clock))
    clock.advance(5)
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-1', 2))).toBe('rotated')
    expect(await store.fetchByToken('access-2')).toBeDefined()
    expect(await store.fetchByRefreshToken('refresh-2')).toBeDefined()
    const old = await store.fetchByRefreshToken('refresh-1')
    expect(old?.rotatedAt).toBe(clock.seconds)
    expect(old?.successorHash).toBe('refresh-2')
    expect(old?.graceUsed).toBe(false)
  })

  it('detects reuse of a rotated-out token and revokes the whole family', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock), refresh(clock))
    await store.saveToken(
      access(clock, { tokenHash: 'other-access', familyId: 'fam-2' }),
      refresh(clock, { tokenHash: 'other-refresh', familyId: 'fam-2' }),
    )
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-1', 2))).toBe('rotated')
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-1', 3))).toBe('reused')
    for (const hash of ['access-1', 'access-2', 'access-3']) expect(await store.fetchByToken(hash), hash).toBeUndefined()
    for (const hash of ['refresh-1', 'refresh-2', 'refresh-3']) expect(await store.fetchByRefreshToken(hash), hash).toBeUndefined()
    // Another family is untouched.
    expect(await store.fetchByToken('other-access')).toBeDefined()
    expect(await store.fetchByRefreshToken('other-refresh')).toBeDefined()
    // The successor cannot be used either.
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-2', 4))).toBe('invalid')
  })

  it('gives exactly one of 50 concurrent rotations of the same token "rotated"; with graceSeconds 0 the others are refused and the family is revoked', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock), refresh(clock))
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.rotateRefreshToken(rotation(clock, 'refresh-1', `c${i}`))),
    )
    expect(count(outcomes, 'rotated')).toBe(1)
    expect(count(outcomes, 'grace')).toBe(0)
    // The first replay is detected as reuse and revokes the family; later ones present a revoked token,
    // which the RotationOutcome contract calls 'invalid' (src/stores/types.ts). Both answer invalid_grant.
    expect(count(outcomes, 'reused')).toBeGreaterThanOrEqual(1)
    expect(count(outcomes, 'reused') + count(outcomes, 'invalid')).toBe(49)
    const winner = outcomes.indexOf('rotated')
    expect(await store.fetchByToken(`access-c${winner}`)).toBeUndefined()
    expect(await store.fetchByRefreshToken(`refresh-c${winner}`)).toBeUndefined()
    expect(store.size).toEqual({ codes: 0, accessTokens: 0, refreshTokens: 0, families: 0 })
    expect(await store.saveToken(access(clock, { tokenHash: 'late' }), refresh(clock, { tokenHash: 'late-refresh' }))).toBe(false)
  })

  it('gives exactly one of 50 concurrent rotations "rotated" and at most one "grace" with concurrentRefreshes 2', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock), refresh(clock))
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.rotateRefreshToken(rotation(clock, 'refresh-1', `c${i}`, { graceSeconds: 30, concurrentRefreshes: 2 })),
      ),
    )
    expect(count(outcomes, 'rotated')).toBe(1)
    expect(count(outcomes, 'grace')).toBe(1)
    expect(count(outcomes, 'rotated') + count(outcomes, 'grace') + count(outcomes, 'reused') + count(outcomes, 'invalid')).toBe(50)
    // Replays beyond the cap revoke the family.
    expect(store.size.refreshTokens).toBe(0)
  })

  it('keeps both siblings of a retry within the grace interval until one is used; then the other is a tombstone and its access token gone', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock), refresh(clock))
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-1', 2, { graceSeconds: 30 }))).toBe('rotated')
    clock.advance(10)
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-1', 3, { graceSeconds: 30 }))).toBe('grace')
    expect((await store.fetchByRefreshToken('refresh-2'))?.rotatedAt).toBeUndefined()
    expect(await store.fetchByToken('access-2')).toBeDefined()
    expect((await store.fetchByRefreshToken('refresh-1'))?.graceUsed).toBe(false)
    expect((await store.fetchByRefreshToken('refresh-1'))?.successorHash).toBe('refresh-3')
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-3', 4, { graceSeconds: 30 }))).toBe('rotated')
    const lost = await store.fetchByRefreshToken('refresh-2')
    expect(lost?.rotatedAt).toBe(clock.seconds)
    expect(lost?.graceUsed).toBe(true)
    expect(await store.fetchByToken('access-2')).toBeUndefined()
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-2', 5, { graceSeconds: 30 }))).toBe('reused')
    expect(store.size).toMatchObject({ accessTokens: 0, refreshTokens: 0, families: 0 })
  })

  it('refuses a grace retry once the successor has itself been rotated (a replay, not a lost response)', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock), refresh(clock))
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-1', 2, { graceSeconds: 30 }))).toBe('rotated')
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-2', 3, { graceSeconds: 30 }))).toBe('rotated')
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-1', 4, { graceSeconds: 30 }))).toBe('reused')
    expect(await store.fetchByRefreshToken('refresh-3')).toBeUndefined()
  })

  it('refuses a token of another client (RFC 6749 section 6) without rotating it', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock), refresh(clock))
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-1', 2, { clientId: 'other' }))).toBe('invalid')
    expect(await store.fetchByToken('access-2')).toBeUndefined()
    expect((await store.fetchByRefreshToken('refresh-1'))?.rotatedAt).toBeUndefined()
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-1', 3))).toBe('rotated')
  })

  it('refuses an unknown or expired refresh token', async () => {
    const { clock, store } = setup()
    expect(await store.rotateRefreshToken(rotation(clock, 'nope', 2))).toBe('invalid')
    await store.saveToken(access(clock), refresh(clock, { expiresAt: clock.seconds + 10 }))
    clock.advance(10)
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-1', 2))).toBe('invalid')
    expect(await store.fetchByToken('access-2')).toBeUndefined()
  })
})

describe('LocalTokenStore: revokeFamily', () => {
  it('deletes every access and refresh token of the family, rotated-out ones included, and nothing else', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock), refresh(clock))
    await store.rotateRefreshToken(rotation(clock, 'refresh-1', 2))
    await store.saveToken(
      access(clock, { tokenHash: 'keep', familyId: 'fam-2' }),
      refresh(clock, { tokenHash: 'keep-r', familyId: 'fam-2' }),
    )
    await store.revokeFamily('fam-1')
    for (const hash of ['access-1', 'access-2']) expect(await store.fetchByToken(hash)).toBeUndefined()
    for (const hash of ['refresh-1', 'refresh-2']) expect(await store.fetchByRefreshToken(hash)).toBeUndefined()
    expect(await store.fetchByToken('keep')).toBeDefined()
    expect(await store.fetchByRefreshToken('keep-r')).toBeDefined()
    expect(store.size).toEqual({ codes: 0, accessTokens: 1, refreshTokens: 1, families: 1 })
  })

  it('makes a later saveToken into the family resolve false and store nothing', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock), refresh(clock))
    await store.revokeFamily('fam-1')
    expect(await store.saveToken(access(clock, { tokenHash: 'late' }), refresh(clock, { tokenHash: 'late-r' }))).toBe(false)
    expect(await store.saveToken(access(clock, { tokenHash: 'late-2' }))).toBe(false)
    expect(
      await store.saveToken(access(clock, { tokenHash: 'late-3', familyId: undefined }), refresh(clock, { tokenHash: 'late-3r' })),
    ).toBe(false)
    expect(await store.fetchByToken('late')).toBeUndefined()
    expect(await store.fetchByRefreshToken('late-r')).toBeUndefined()
    expect(await store.fetchByToken('late-2')).toBeUndefined()
    expect(await store.fetchByToken('late-3')).toBeUndefined()
    expect(store.size.accessTokens).toBe(0)
  })

  it('refuses tokens into a family revoked before it had any token (code replay racing the first exchange)', async () => {
    const { clock, store } = setup()
    await store.revokeFamily('fam-new')
    expect(await store.saveToken(access(clock, { familyId: 'fam-new' }))).toBe(false)
  })

  it('still refuses the family 23 hours later, even after purges', async () => {
    const { clock, store } = setup()
    await store.revokeFamily('fam-1')
    clock.advance(23 * 3_600)
    await store.saveToken(access(clock, { tokenHash: 'unrelated', familyId: undefined }))
    expect(await store.saveToken(access(clock))).toBe(false)
  })

  it('forgets a revoked family after a day so memory stays bounded', async () => {
    const { clock, store } = setup()
    await store.revokeFamily('fam-1')
    clock.advance(86_400 + 120)
    await store.saveToken(access(clock, { tokenHash: 'unrelated', familyId: undefined }))
    expect(await store.saveToken(access(clock))).toBe(true)
  })
})

describe('LocalTokenStore: long families', () => {
  /** A family rotated `length` times: refresh-0 … refresh-<length>, all but the last rotated out. */
  async function chain(length: number): Promise<{ clock: TestClock; store: LocalTokenStore }> {
    const { clock, store } = setup()
    await store.saveToken(access(clock, { tokenHash: 'access-0' }), refresh(clock, { tokenHash: 'refresh-0', accessTokenHash: 'access-0' }))
    for (let n = 1; n <= length; n++) expect(await store.rotateRefreshToken(rotation(clock, `refresh-${n - 1}`, n))).toBe('rotated')
    return { clock, store }
  }

  // A client can grow a family as fast as the server answers; revoking it (reuse, RFC 9700 section
  // 4.14.2) or purging it must stay linear, or one replay blocks the process for seconds.
  it('revokes a family rotated 20 000 times in one pass, every member gone', async () => {
    const { clock, store } = await chain(20_000)
    const started = performance.now()
    expect(await store.rotateRefreshToken(rotation(clock, 'refresh-7', 'x'))).toBe('reused')
    expect(performance.now() - started).toBeLessThan(1_000)
    for (const n of [0, 7, 19_999, 20_000]) {
      expect(await store.fetchByRefreshToken(`refresh-${n}`)).toBeUndefined()
      expect(await store.fetchByToken(`access-${n}`)).toBeUndefined()
    }
    expect(store.size).toEqual({ codes: 0, accessTokens: 0, refreshTokens: 0, families: 0 })
  })

  it('purges a family rotated 20 000 times in linear time once it has expired', async () => {
    const { clock, store } = await chain(20_000)
    clock.advance(86_400 + 120)
    const started = performance.now()
    await store.saveToken(access(clock, { tokenHash: 'later', familyId: undefined }))
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(store.size).toEqual({ codes: 0, accessTokens: 1, refreshTokens: 0, families: 0 })
  })

  it('keeps counting right when a token is saved twice: the family goes once its tokens are gone', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock), refresh(clock))
    await store.saveToken(access(clock), refresh(clock))
    await store.revokeAccessToken('access-1')
    expect(store.size.families).toBe(1)
    clock.advance(86_400 + 120)
    await store.saveToken(access(clock, { tokenHash: 'later', familyId: undefined }))
    expect(store.size).toEqual({ codes: 0, accessTokens: 1, refreshTokens: 0, families: 0 })
  })
})

describe('LocalTokenStore: fetchExistingToken (uniqueToken)', () => {
  it('returns the newest unexpired access token saved with the key', async () => {
    const { clock, store } = setup()
    expect(await store.fetchExistingToken('abc|u1|read')).toBeUndefined()
    await store.saveToken(access(clock, { tokenHash: 'first', uniqueKey: 'abc|u1|read' }))
    expect((await store.fetchExistingToken('abc|u1|read'))?.tokenHash).toBe('first')
    await store.saveToken(access(clock, { tokenHash: 'second', uniqueKey: 'abc|u1|read', familyId: 'fam-2' }))
    expect((await store.fetchExistingToken('abc|u1|read'))?.tokenHash).toBe('second')
    expect(await store.fetchExistingToken('abc|u1|write')).toBeUndefined()
  })

  it('returns undefined once the token expired', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock, { uniqueKey: 'k', expiresAt: clock.seconds + 60 }))
    clock.advance(60)
    expect(await store.fetchExistingToken('k')).toBeUndefined()
  })

  it('returns undefined once the token was revoked', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock, { uniqueKey: 'k' }), refresh(clock))
    await store.revokeFamily('fam-1')
    expect(await store.fetchExistingToken('k')).toBeUndefined()
  })

  it('returns undefined once the token was purged, and a new token with the key is found', async () => {
    const { clock, store } = setup()
    await store.saveToken(access(clock, { tokenHash: 'old', uniqueKey: 'k', familyId: undefined, expiresAt: clock.seconds + 10 }))
    clock.advance(120)
    await store.saveToken(access(clock, { tokenHash: 'other', familyId: undefined }))
    expect(await store.fetchExistingToken('k')).toBeUndefined()
    await store.saveToken(access(clock, { tokenHash: 'new', uniqueKey: 'k', familyId: undefined }))
    expect((await store.fetchExistingToken('k'))?.tokenHash).toBe('new')
  })
})
