/**
 * The test fixtures every suite shares: one hand-moved clock, and records for the store tests (a code, an
 * access token, a refresh token and a rotation request, each with every field set and overridable).
 */
import type { DeviceAuthorization } from '../../src/stores/device-code-store.ts'
import type { RotationRequest } from '../../src/stores/types.ts'
import type { AccessToken, AuthorizationCode, RefreshToken } from '../../src/types.ts'

/**
 * A clock moved by hand; it never sleeps. Pass `clock.now` (milliseconds, like `Date.now`) as a store's or
 * the controller's `clock` option. It starts at 2026-01-01T00:00:00Z.
 */
export class TestClock {
  ms: number = Date.UTC(2026, 0, 1)
  readonly now = (): number => this.ms
  /** Now in whole epoch seconds, as records and `consumeCode`/`rotateRefreshToken` take it. */
  get seconds(): number {
    return Math.floor(this.ms / 1000)
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000
  }
}

const CALLBACK = 'https://client.example.com/cb'

/** An authorization code `code-1` of client `abc`, family `fam-1`, valid 60 s. */
export function code(clock: TestClock, overrides: Partial<AuthorizationCode> = {}): AuthorizationCode {
  return {
    codeHash: 'code-1',
    clientId: 'abc',
    redirectUri: CALLBACK,
    effectiveRedirectUri: CALLBACK,
    scopes: ['read', 'write'],
    userId: 'u1',
    data: { name: 'Zoë', roles: ['admin'], nested: { n: 1, ok: true, none: null } },
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    codeChallengeMethod: 'S256',
    familyId: 'fam-1',
    issuedAt: clock.seconds,
    expiresAt: clock.seconds + 60,
    ...overrides,
  }
}

/** An access token `access-1` of client `abc`, family `fam-1`, valid an hour. */
export function access(clock: TestClock, overrides: Partial<AccessToken> = {}): AccessToken {
  return {
    tokenHash: 'access-1',
    clientId: 'abc',
    grantType: 'authorization_code',
    userId: 'u1',
    data: { name: 'Zoë' },
    scopes: ['read'],
    familyId: 'fam-1',
    issuedAt: clock.seconds,
    expiresAt: clock.seconds + 3_600,
    sealed: undefined,
    uniqueKey: undefined,
    refreshTokenHash: undefined,
    ...overrides,
  }
}

/** A refresh token `refresh-1` of client `abc`, family `fam-1`, valid a day, issued with `access-1`. */
export function refresh(clock: TestClock, overrides: Partial<RefreshToken> = {}): RefreshToken {
  return {
    tokenHash: 'refresh-1',
    clientId: 'abc',
    userId: 'u1',
    data: { name: 'Zoë' },
    scopes: ['read', 'write'],
    familyId: 'fam-1',
    issuedAt: clock.seconds,
    expiresAt: clock.seconds + 86_400,
    rotatedAt: undefined,
    graceUsed: false,
    successorHash: undefined,
    accessTokenHash: 'access-1',
    ...overrides,
  }
}

/** A rotation of `presented` into fresh tokens `access-<n>` / `refresh-<n>` of family `fam-1` (or `familyId`). */
export function rotation(
  clock: TestClock,
  presented: string,
  n: number | string,
  overrides: Partial<RotationRequest> & { familyId?: string } = {},
): RotationRequest {
  const { familyId = 'fam-1', ...rest } = overrides
  return {
    presentedHash: presented,
    clientId: 'abc',
    now: clock.seconds,
    graceSeconds: 0,
    accessToken: access(clock, { tokenHash: `access-${n}`, grantType: 'refresh_token', familyId }),
    refreshToken: refresh(clock, { tokenHash: `refresh-${n}`, accessTokenHash: `access-${n}`, familyId }),
    ...rest,
  }
}

/**
 * Records made at the real time, for stores that keep their own (real) clock: an access token and a refresh
 * token of the password grant named by hash and family, with empty user data.
 */
export function recordsNow(): {
  readonly seconds: () => number
  readonly access: (tokenHash: string, familyId: string) => AccessToken
  readonly refresh: (tokenHash: string, familyId: string, accessTokenHash: string) => RefreshToken
} {
  const clock = new TestClock()
  clock.ms = Date.now()
  return {
    seconds: () => clock.seconds,
    access: (tokenHash, familyId) => access(clock, { tokenHash, familyId, grantType: 'password', data: {} }),
    refresh: (tokenHash, familyId, accessTokenHash) => refresh(clock, { tokenHash, familyId, accessTokenHash, data: {} }),
  }
}

/** 2026-01-01 in epoch seconds: the `FakeClock` start, so a store's own clock and these times agree. */
export const T0 = 1_767_225_600

/** A pending request `device-1` / `user-1` of client `tv`, valid 600 s from T0, polled every 5 s. */
export function authorization(overrides: Partial<DeviceAuthorization> = {}): DeviceAuthorization {
  return {
    deviceCodeHash: 'device-1',
    userCodeHash: 'user-1',
    clientId: 'tv',
    scopes: ['read'],
    familyId: 'family-1',
    issuedAt: T0,
    expiresAt: T0 + 600,
    interval: 5,
    context: { subjectType: 'user', resources: ['https://api.example.com/'] },
    ...overrides,
  }
}
