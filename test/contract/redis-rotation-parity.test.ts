/**
 * The rotation rule is written twice: `decideRotation` (TypeScript, src/stores/family.ts) and the ROTATE
 * Lua script of RedisStore. This file runs one truth table, and then random states, through both and
 * through LocalTokenStore (the reference), and compares the outcome and everything the step changed.
 */
import fc from 'fast-check'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalTokenStore } from '../../src/stores/memory-token-store.ts'
import { RedisStore } from '../../src/stores/redis.ts'
import { decideRotation, successorCount } from '../../src/stores/family.ts'
import type { AccessTokenStore, RotationOutcome, RotationRequest } from '../../src/stores/types.ts'
import type { AccessToken, RefreshToken } from '../../src/types.ts'
import { deleteByPrefix, newClient, REDIS_URL, uniquePrefix } from './redis-helpers.ts'
import { probeService, whenReachable } from './services.ts'

const SEED = 20261129
const NOW = 1_800_000_000
// The stores' clock stands 1000 s before the requests' `now`, so that tokens already expired at `now`
// are still stored and the script's own expiry comparison is what refuses them.
const storeClock = (): number => (NOW - 1_000) * 1000

/** One starting state: the presented token (if any) and its previous successor (if any). */
interface Scenario {
  /** Overrides of the presented token; `undefined` = no such token. */
  readonly current: Partial<RefreshToken> | undefined
  /** The previous successor: absent, still current, or itself rotated out. */
  readonly successor: 'none' | 'current' | 'rotated'
  readonly request: Partial<Pick<RotationRequest, 'clientId' | 'graceSeconds'>>
}

let ids = 0

function access(tokenHash: string, familyId: string): AccessToken {
  return {
    tokenHash,
    clientId: 'abc',
    grantType: 'authorization_code',
    userId: 'u1',
    data: { n: 1 },
    scopes: ['read'],
    familyId,
    issuedAt: NOW - 100,
    expiresAt: NOW + 3_600,
    sealed: undefined,
    uniqueKey: undefined,
    refreshTokenHash: undefined,
  }
}

function refresh(tokenHash: string, familyId: string, accessTokenHash: string, overrides: Partial<RefreshToken> = {}): RefreshToken {
  return {
    tokenHash,
    clientId: 'abc',
    userId: 'u1',
    data: { n: 1 },
    scopes: ['read'],
    familyId,
    issuedAt: NOW - 100,
    expiresAt: NOW + 86_400,
    rotatedAt: undefined,
    graceUsed: false,
    successorHash: undefined,
    accessTokenHash,
    ...overrides,
  }
}

/** Sets the scenario up in `store`, rotates once, and reports the outcome and the state of every token involved. */
async function play(store: AccessTokenStore, scenario: Scenario, id: string): Promise<{ outcome: RotationOutcome; state: unknown[] }> {
  const family = `${id}-f`
  const [r1, r2, r3, a1, a2, a3] = ['r1', 'r2', 'r3', 'a1', 'a2', 'a3'].map((name) => `${id}-${name}`) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ]
  if (scenario.current !== undefined) {
    const hasSuccessor = scenario.current.rotatedAt !== undefined && scenario.successor !== 'none'
    if (hasSuccessor) {
      const rotatedAt = scenario.successor === 'rotated' ? (scenario.current.rotatedAt ?? NOW) : undefined
      expect(await store.saveToken(access(a2, family), refresh(r2, family, a2, { rotatedAt }))).toBe(true)
    }
    const current = refresh(r1, family, a1, { ...scenario.current, successorHash: hasSuccessor ? r2 : undefined })
    expect(await store.saveToken(access(a1, family), current)).toBe(true)
  }
  const request: RotationRequest = {
    presentedHash: r1,
    clientId: 'abc',
    now: NOW,
    graceSeconds: 0,
    accessToken: { ...access(a3, family), grantType: 'refresh_token' },
    refreshToken: refresh(r3, family, a3),
    ...scenario.request,
  }
  const outcome = await store.rotateRefreshToken(request)
  const state = [
    ...(await Promise.all([r1, r2, r3].map((hash) => store.fetchByRefreshToken(hash)))),
    ...(await Promise.all([a1, a2, a3].map((hash) => store.fetchByToken(hash)))),
    // Whether the family still takes tokens (it does not once revoked).
    await store.saveToken(access(`${id}-probe`, family)),
  ]
  return { outcome, state }
}

/** What decideRotation says for the scenario, given the record the stores hold. */
function decide(scenario: Scenario): RotationOutcome {
  const current = scenario.current === undefined ? undefined : refresh('r1', 'f', 'a1', scenario.current)
  const successorRotated = scenario.current?.rotatedAt !== undefined && scenario.successor === 'rotated'
  return decideRotation(
    current,
    {
      presentedHash: 'r1',
      clientId: 'abc',
      now: NOW,
      graceSeconds: 0,
      accessToken: access('a3', 'f'),
      refreshToken: refresh('r3', 'f', 'a3'),
      ...scenario.request,
    },
    successorRotated,
    current === undefined ? 0 : successorCount(current, 0),
  )
}

const service = await probeService('Redis', REDIS_URL, 6379)

whenReachable(service, () => {
  let client: Redis
  let redis: RedisStore
  const prefix = uniquePrefix('redis-rotation')

  beforeAll(async () => {
    client = newClient()
    await client.connect()
    redis = new RedisStore({ client, prefix, clock: storeClock })
  })

  afterAll(async () => {
    await deleteByPrefix(client, prefix)
    await client.quit()
  })

  /** Runs a scenario through decideRotation, LocalTokenStore and RedisStore and expects them to agree. */
  async function expectAgreement(scenario: Scenario): Promise<RotationOutcome> {
    const id = `s${ids++}`
    const expected = decide(scenario)
    const local = await play(new LocalTokenStore({ clock: storeClock }), scenario, id)
    const remote = await play(redis, scenario, id)
    expect(local.outcome).toBe(expected)
    expect(remote.outcome).toBe(expected)
    expect(remote.state).toEqual(local.state)
    return remote.outcome
  }

  describe('RedisStore rotation script = decideRotation (src/stores/family.ts), with the same effects as LocalTokenStore', () => {
    // The rows of test/unit/stores/rotation.test.ts, with the successor state made concrete in the store.
    it.each<[string, RotationOutcome, Scenario]>([
      ['unknown token', 'invalid', { current: undefined, successor: 'none', request: {} }],
      ['expired token (expiresAt = now)', 'invalid', { current: { expiresAt: NOW }, successor: 'none', request: {} }],
      ['expired token (expiresAt < now)', 'invalid', { current: { expiresAt: NOW - 1 }, successor: 'none', request: {} }],
      ['token of another client (RFC 6749 section 6)', 'invalid', { current: {}, successor: 'none', request: { clientId: 'other' } }],
      [
        'rotated token of another client',
        'invalid',
        { current: { rotatedAt: NOW - 1 }, successor: 'current', request: { clientId: 'other', graceSeconds: 10 } },
      ],
      ['current token', 'rotated', { current: {}, successor: 'none', request: {} }],
      ['current token, grace on', 'rotated', { current: {}, successor: 'none', request: { graceSeconds: 10 } }],
      ['current token, one second before expiry', 'rotated', { current: { expiresAt: NOW + 1 }, successor: 'none', request: {} }],
      ['rotated token, grace off', 'reused', { current: { rotatedAt: NOW }, successor: 'current', request: {} }],
      ['rotated token, within grace', 'grace', { current: { rotatedAt: NOW - 5 }, successor: 'current', request: { graceSeconds: 10 } }],
      [
        'rotated token, within grace, successor gone',
        'grace',
        { current: { rotatedAt: NOW - 5 }, successor: 'none', request: { graceSeconds: 10 } },
      ],
      [
        'rotated token, at the end of grace',
        'grace',
        { current: { rotatedAt: NOW - 10 }, successor: 'current', request: { graceSeconds: 10 } },
      ],
      ['rotated token, after grace', 'reused', { current: { rotatedAt: NOW - 11 }, successor: 'current', request: { graceSeconds: 10 } }],
      [
        'rotated token, grace already spent',
        'reused',
        { current: { rotatedAt: NOW - 1, graceUsed: true }, successor: 'current', request: { graceSeconds: 10 } },
      ],
      [
        'rotated token whose successor was used (replay, not a lost response)',
        'reused',
        { current: { rotatedAt: NOW - 1 }, successor: 'rotated', request: { graceSeconds: 10 } },
      ],
      ['rotated token, grace off, successor used', 'reused', { current: { rotatedAt: NOW - 1 }, successor: 'rotated', request: {} }],
    ])('%s -> %s', async (_why, outcome, scenario) => {
      expect(await expectAgreement(scenario)).toBe(outcome)
    })

    it(`agrees on random states (fast-check seed ${SEED})`, async () => {
      const scenario: fc.Arbitrary<Scenario> = fc.record({
        current: fc.option(
          fc.record({
            expiresAt: fc.integer({ min: NOW - 3, max: NOW + 3 }),
            clientId: fc.constantFrom('abc', 'other'),
            rotatedAt: fc.option(fc.integer({ min: NOW - 40, max: NOW }), { nil: undefined }),
            graceUsed: fc.boolean(),
          }),
          { nil: undefined },
        ),
        successor: fc.constantFrom('none' as const, 'current' as const, 'rotated' as const),
        request: fc.record({ clientId: fc.constantFrom('abc', 'other'), graceSeconds: fc.constantFrom(0, 1, 10, 30) }),
      })
      const seen = new Set<RotationOutcome>()
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          seen.add(await expectAgreement(s))
        }),
        { seed: SEED, numRuns: 300 },
      )
      // The generator reaches every outcome, so the comparison covered every branch of the script.
      expect([...seen].sort()).toEqual(['grace', 'invalid', 'reused', 'rotated'])
    })
  })
})
