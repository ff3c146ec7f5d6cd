import { describe, expect, it } from 'vitest'
import { decideRotation, successorCount } from '../../../src/stores/family.ts'
import type { RotationOutcome, RotationRequest } from '../../../src/stores/types.ts'
import type { AccessToken, RefreshToken } from '../../../src/types.ts'

const NOW = 1_800_000_000

const ACCESS: AccessToken = {
  tokenHash: 'new-access',
  clientId: 'abc',
  grantType: 'refresh_token',
  userId: 'u1',
  data: {},
  scopes: [],
  familyId: 'f1',
  issuedAt: NOW,
  expiresAt: NOW + 3_600,
  sealed: undefined,
  uniqueKey: undefined,
  refreshTokenHash: undefined,
}

function refresh(overrides: Partial<RefreshToken> = {}): RefreshToken {
  return {
    tokenHash: 'r1',
    clientId: 'abc',
    userId: 'u1',
    data: {},
    scopes: [],
    familyId: 'f1',
    issuedAt: NOW - 100,
    expiresAt: NOW + 86_400,
    rotatedAt: undefined,
    graceUsed: false,
    successorHash: undefined,
    accessTokenHash: undefined,
    ...overrides,
  }
}

function request(overrides: Partial<RotationRequest> = {}): RotationRequest {
  return {
    presentedHash: 'r1',
    clientId: 'abc',
    now: NOW,
    graceSeconds: 0,
    accessToken: ACCESS,
    refreshToken: refresh({ tokenHash: 'r2' }),
    ...overrides,
  }
}

describe('decideRotation (RFC 6749 section 6, RFC 9700 section 4.14.2)', () => {
  it.each<[string, RotationOutcome, RefreshToken | undefined, Partial<RotationRequest>, boolean]>([
    ['unknown token', 'invalid', undefined, {}, false],
    ['expired token (expiresAt = now)', 'invalid', refresh({ expiresAt: NOW }), {}, false],
    ['expired token (expiresAt < now)', 'invalid', refresh({ expiresAt: NOW - 1 }), {}, false],
    ['token of another client (RFC 6749 section 6)', 'invalid', refresh(), { clientId: 'other' }, false],
    ['rotated token of another client', 'invalid', refresh({ rotatedAt: NOW - 1 }), { clientId: 'other', graceSeconds: 10 }, false],
    ['current token', 'rotated', refresh(), {}, false],
    ['current token, grace on', 'rotated', refresh(), { graceSeconds: 10 }, false],
    ['current token, one second before expiry', 'rotated', refresh({ expiresAt: NOW + 1 }), {}, false],
    ['rotated token, grace off', 'reused', refresh({ rotatedAt: NOW }), {}, false],
    ['rotated token, within grace', 'grace', refresh({ rotatedAt: NOW - 5 }), { graceSeconds: 10 }, false],
    ['rotated token, at the end of grace', 'grace', refresh({ rotatedAt: NOW - 10 }), { graceSeconds: 10 }, false],
    ['rotated token, after grace', 'reused', refresh({ rotatedAt: NOW - 11 }), { graceSeconds: 10 }, false],
    ['rotated token, grace already spent', 'reused', refresh({ rotatedAt: NOW - 1, graceUsed: true }), { graceSeconds: 10 }, false],
    [
      'rotated token whose successor was used (replay, not a lost response)',
      'reused',
      refresh({ rotatedAt: NOW - 1 }),
      { graceSeconds: 10 },
      true,
    ],
    ['rotated token, grace off, successor used', 'reused', refresh({ rotatedAt: NOW - 1 }), {}, true],
  ])('%s -> %s', (_why, outcome, current, overrides, successorRotated) => {
    expect(decideRotation(current, request(overrides), successorRotated, current?.rotatedAt === undefined ? 0 : 1)).toBe(outcome)
  })
})

describe('decideRotation: concurrent refresh (sibling successors up to concurrentRefreshes)', () => {
  it.each<[string, RotationOutcome, number, Partial<RotationRequest>]>([
    ['one successor, default cap (10)', 'grace', 1, { graceSeconds: 10 }],
    ['nine successors, default cap', 'grace', 9, { graceSeconds: 10 }],
    ['ten successors, default cap: the eleventh presentation is reuse', 'reused', 10, { graceSeconds: 10 }],
    ['two successors, cap 3', 'grace', 2, { graceSeconds: 10, concurrentRefreshes: 3 }],
    ['three successors, cap 3', 'reused', 3, { graceSeconds: 10, concurrentRefreshes: 3 }],
    ['one successor, cap 1 (no sibling at all)', 'reused', 1, { graceSeconds: 10, concurrentRefreshes: 1 }],
    ['under the cap but grace off', 'reused', 1, { graceSeconds: 0 }],
  ])('%s -> %s', (_why, outcome, successors, overrides) => {
    expect(decideRotation(refresh({ rotatedAt: NOW - 5 }), request(overrides), false, successors)).toBe(outcome)
  })

  it('counts the one successor of a token rotated by an older release (no count kept)', () => {
    expect(successorCount(refresh({ rotatedAt: NOW - 5, successorHash: 'r2' }), 0)).toBe(1)
    expect(successorCount(refresh({ rotatedAt: NOW - 5, successorHash: 'r2' }), 4)).toBe(4)
    expect(successorCount(refresh(), 0)).toBe(0)
  })
})
