/**
 * The token-family contract beyond a single rotation, run against every store by `describeStoreContract`:
 * concurrent refresh (issue 14: sibling successors within `graceSeconds`, at most `concurrentRefreshes`
 * of them, the first sibling used wins, any other later use is reuse and revokes the family, RFC 9700
 * section 4.14.2) and `revokeFamilies` by login session or remembered consent (issue 13: OpenID Connect
 * logout and consent revocation; OpenID Connect Core 1.0 section 11 for offline families).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RotationOutcome, RotationRequest, TokenStore } from '../../src/stores/types.ts'
import type { AccessToken, GrantContext, RefreshToken } from '../../src/types.ts'
import { access as accessRecord, type FakeClock, refresh as refreshRecord, rotation as rotationRequest } from './records.ts'

/** What a backend's factory hands this contract (a subset of the store contract's). */
export interface FamilyStoreUnderTest {
  readonly tokenStore: TokenStore
  readonly clock: FakeClock
  close(): Promise<void>
}

function count<T>(values: readonly T[], value: T): number {
  return values.filter((v) => v === value).length
}

/** `Promise.all` that lets every call settle before failing (no call outlives its test). */
async function settled<T>(calls: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(calls)
  const failed = results.find((result) => result.status === 'rejected')
  if (failed !== undefined) throw failed.reason
  return results.map((result) => (result as PromiseFulfilledResult<T>).value)
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** Registers the family contract for one backend. */
export function describeFamilyContract(name: string, factory: () => Promise<FamilyStoreUnderTest>): void {
  describe(`${name}: token families`, () => {
    let under: FamilyStoreUnderTest | undefined
    let tokens: TokenStore
    let clock: FakeClock

    beforeEach(async () => {
      under = await factory()
      tokens = under.tokenStore
      clock = under.clock
    })

    afterEach(async () => {
      await under?.close()
      under = undefined
    })

    const access = (overrides: Partial<AccessToken> = {}): AccessToken => accessRecord(clock, overrides)
    const refresh = (overrides: Partial<RefreshToken> = {}): RefreshToken => refreshRecord(clock, overrides)
    const rotation = (presented: string, n: number | string, overrides: Partial<RotationRequest> & { familyId?: string } = {}) =>
      rotationRequest(clock, presented, n, { graceSeconds: 30, ...overrides })

    async function expectGone(hashes: readonly string[]): Promise<void> {
      for (const hash of hashes) {
        expect(await tokens.fetchByToken(hash), `access ${hash}`).toBeUndefined()
        expect(await tokens.fetchByRefreshToken(hash), `refresh ${hash}`).toBeUndefined()
      }
    }

    describe('concurrent refresh (RFC 9700 section 4.14.2 kept)', () => {
      it('ten concurrent refreshes of one token all succeed with sibling successors; the first sibling used wins, reuse of another revokes the family', async () => {
        await tokens.saveToken(access(), refresh())
        const outcomes = await settled(range(10).map((i) => tokens.rotateRefreshToken(rotation('refresh-1', `c${i}`))))
        expect(count(outcomes, 'rotated')).toBe(1)
        expect(count(outcomes, 'grace')).toBe(9)
        for (const i of range(10)) {
          expect((await tokens.fetchByToken(`access-c${i}`))?.tokenHash, `access-c${i}`).toBe(`access-c${i}`)
          expect((await tokens.fetchByRefreshToken(`refresh-c${i}`))?.rotatedAt, `refresh-c${i}`).toBeUndefined()
        }
        clock.advance(60)
        expect(await tokens.rotateRefreshToken(rotation('refresh-c3', 'next'))).toBe('rotated')
        expect((await tokens.fetchByToken('access-next'))?.tokenHash).toBe('access-next')
        expect(await tokens.fetchByToken('access-c3')).toBeDefined()
        for (const i of range(10).filter((i) => i !== 3)) {
          // The other siblings are rotated-out tombstones now, and their access tokens are gone.
          expect((await tokens.fetchByRefreshToken(`refresh-c${i}`))?.rotatedAt, `refresh-c${i}`).toBe(clock.seconds)
          expect(await tokens.fetchByToken(`access-c${i}`), `access-c${i}`).toBeUndefined()
        }
        expect(await tokens.rotateRefreshToken(rotation('refresh-c5', 'late'))).toBe('reused')
        await expectGone(['refresh-1', 'access-next', 'refresh-next', 'access-late', 'refresh-late'])
        await expectGone(range(10).flatMap((i) => [`access-c${i}`, `refresh-c${i}`]))
        expect(await tokens.saveToken(access({ tokenHash: 'after' }))).toBe(false)
      })

      it('ten concurrent refreshes, then the original presented again: reuse, the family revoked', async () => {
        await tokens.saveToken(access(), refresh())
        const outcomes = await settled(range(10).map((i) => tokens.rotateRefreshToken(rotation('refresh-1', `c${i}`))))
        expect(count(outcomes, 'rotated') + count(outcomes, 'grace')).toBe(10)
        // An eleventh presentation is beyond the cap of ten successors.
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 'eleventh'))).toBe('reused')
        await expectGone(['refresh-1', 'access-eleventh', ...range(10).flatMap((i) => [`access-c${i}`, `refresh-c${i}`])])
      })

      it('caps the successors of one token at concurrentRefreshes, the first rotation included', async () => {
        await tokens.saveToken(access(), refresh())
        const capped = (n: string): RotationRequest => rotation('refresh-1', n, { concurrentRefreshes: 3 })
        expect(await tokens.rotateRefreshToken(capped('s1'))).toBe('rotated')
        expect(await tokens.rotateRefreshToken(capped('s2'))).toBe('grace')
        expect(await tokens.rotateRefreshToken(capped('s3'))).toBe('grace')
        expect(await tokens.rotateRefreshToken(capped('s4'))).toBe('reused')
        await expectGone(['refresh-1', 'refresh-s1', 'refresh-s2', 'refresh-s3', 'access-s1', 'access-s2', 'access-s3', 'access-s4'])
      })

      it('caps concurrent presentations too: of 12 at once with concurrentRefreshes 4, four succeed and the family ends revoked', async () => {
        await tokens.saveToken(access(), refresh())
        const outcomes: RotationOutcome[] = await settled(
          range(12).map((i) => tokens.rotateRefreshToken(rotation('refresh-1', `c${i}`, { concurrentRefreshes: 4 }))),
        )
        expect(count(outcomes, 'rotated')).toBe(1)
        expect(count(outcomes, 'rotated') + count(outcomes, 'grace')).toBeLessThanOrEqual(4)
        expect(count(outcomes, 'reused')).toBeGreaterThanOrEqual(1)
        await expectGone(['refresh-1', ...range(12).flatMap((i) => [`access-c${i}`, `refresh-c${i}`])])
      })

      it('counts the grace window from the rotation, not from the latest sibling (injected clock)', async () => {
        await tokens.saveToken(access(), refresh())
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 2))).toBe('rotated')
        clock.advance(20)
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 3))).toBe('grace')
        clock.advance(10)
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 4))).toBe('grace')
        clock.advance(1)
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 5))).toBe('reused')
        await expectGone(['refresh-2', 'refresh-3', 'refresh-4', 'access-5'])
      })

      it('treats the original as reuse once any sibling (not only the latest) was used, even within the window', async () => {
        await tokens.saveToken(access(), refresh())
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 2))).toBe('rotated')
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 3))).toBe('grace')
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 4))).toBe('grace')
        expect(await tokens.rotateRefreshToken(rotation('refresh-2', 5))).toBe('rotated')
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 6))).toBe('reused')
        await expectGone(['refresh-5', 'access-5', 'refresh-6'])
      })

      it('lets a sibling be refreshed concurrently in turn, with siblings of its own', async () => {
        await tokens.saveToken(access(), refresh())
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 'a'))).toBe('rotated')
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 'b'))).toBe('grace')
        const outcomes = await settled(range(3).map((i) => tokens.rotateRefreshToken(rotation('refresh-b', `b${i}`))))
        expect([...outcomes].sort()).toEqual(['grace', 'grace', 'rotated'])
        expect(await tokens.fetchByToken('access-a')).toBeUndefined()
        expect(await tokens.rotateRefreshToken(rotation('refresh-a', 'x'))).toBe('reused')
        await expectGone(['refresh-b0', 'refresh-b1', 'refresh-b2'])
      })

      it('keeps the siblings of another client apart: a presentation by another client is invalid and changes nothing', async () => {
        await tokens.saveToken(access(), refresh())
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 2))).toBe('rotated')
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 3, { clientId: 'other' }))).toBe('invalid')
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 4))).toBe('grace')
        await expectGone(['refresh-3', 'access-3'])
      })
    })

    describe('revokeFamilies (OpenID Connect logout and consent revocation)', () => {
      /** Saves a family `f` with a context, its refresh token `<f>-r` offline or not, and rotates it once. */
      async function family(f: string, context: GrantContext, offline = false): Promise<void> {
        const scopes = offline ? ['read', 'offline_access'] : ['read']
        expect(
          await tokens.saveToken(
            access({ tokenHash: `${f}-a`, familyId: f, context }),
            refresh({ tokenHash: `${f}-r`, familyId: f, accessTokenHash: `${f}-a`, scopes, context }),
          ),
        ).toBe(true)
        const request = rotationRequest(clock, `${f}-r`, `${f}-2`, { familyId: f })
        const rotated = {
          ...request,
          refreshToken: { ...request.refreshToken, scopes, context },
          accessToken: { ...request.accessToken, context },
        }
        expect(await tokens.rotateRefreshToken(rotated)).toBe('rotated')
      }
      const hashes = (f: string): string[] => [`${f}-a`, `${f}-r`, `access-${f}-2`, `refresh-${f}-2`]
      async function expectLive(f: string): Promise<void> {
        expect(await tokens.fetchByToken(`access-${f}-2`), f).toBeDefined()
        expect(await tokens.fetchByRefreshToken(`refresh-${f}-2`), f).toBeDefined()
      }

      it('revokes every family of a login session and only those; counts them; refuses new tokens into them', async () => {
        await family('fa', { sessionId: 's1', grantId: 'g1' })
        await family('fb', { sessionId: 's1', grantId: 'g2' }, true)
        await family('fc', { sessionId: 's2', grantId: 'g1' })
        await family('fd', { subjectType: 'user' })
        expect(await tokens.revokeFamilies?.({ sessionId: 's1' })).toBe(2)
        await expectGone([...hashes('fa'), ...hashes('fb')])
        await expectLive('fc')
        await expectLive('fd')
        expect(await tokens.saveToken(access({ tokenHash: 'late', familyId: 'fa' }))).toBe(false)
        expect(await tokens.rotateRefreshToken(rotation('refresh-fc-2', 'fc-3', { familyId: 'fc' }))).toBe('rotated')
        expect(await tokens.revokeFamilies?.({ sessionId: 's1' })).toBe(0)
        expect(await tokens.revokeFamilies?.({ sessionId: 'unknown' })).toBe(0)
      })

      it('spares offline families with exceptOffline (OpenID Connect Core 1.0 section 11), which a plain session revocation then ends', async () => {
        await family('fa', { sessionId: 's1' })
        await family('fb', { sessionId: 's1' }, true)
        await family('fc', { sessionId: 's1' })
        expect(await tokens.revokeFamilies?.({ sessionId: 's1', exceptOffline: true })).toBe(2)
        await expectGone([...hashes('fa'), ...hashes('fc')])
        await expectLive('fb')
        expect(await tokens.rotateRefreshToken(rotation('refresh-fb-2', 'fb-3', { familyId: 'fb' }))).toBe('rotated')
        expect(await tokens.revokeFamilies?.({ sessionId: 's1', exceptOffline: true })).toBe(0)
        expect(await tokens.revokeFamilies?.({ sessionId: 's1' })).toBe(1)
        await expectGone([...hashes('fb'), 'access-fb-3', 'refresh-fb-3'])
      })

      it('revokes every family issued under a remembered consent, across sessions, and only those', async () => {
        await family('fa', { sessionId: 's1', grantId: 'g1' })
        await family('fb', { sessionId: 's2', grantId: 'g1' }, true)
        await family('fc', { sessionId: 's1', grantId: 'g2' })
        expect(await tokens.revokeFamilies?.({ grantId: 'g1' })).toBe(2)
        await expectGone([...hashes('fa'), ...hashes('fb')])
        await expectLive('fc')
        expect(await tokens.revokeFamilies?.({ grantId: 'g1' })).toBe(0)
        expect(await tokens.revokeFamilies?.({ sessionId: 's1' })).toBe(1)
        await expectGone(hashes('fc'))
      })

      it('leaves no live token when a session revocation races rotations of its families', async () => {
        const families = range(8).map((i) => `race-${i}`)
        for (const f of families) await family(f, { sessionId: 'busy' })
        const rotate = (f: string): Promise<unknown> => tokens.rotateRefreshToken(rotation(`refresh-${f}-2`, `${f}-3`, { familyId: f }))
        // The revocation lands in the middle of the rotations.
        await settled([
          ...families.slice(0, 4).map(rotate),
          tokens.revokeFamilies!({ sessionId: 'busy' }),
          ...families.slice(4).map(rotate),
        ])
        for (const f of families) await expectGone([...hashes(f), `access-${f}-3`, `refresh-${f}-3`])
      })
    })
  })
}
