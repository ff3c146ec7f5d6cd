/**
 * How the key-value stores (Redis, memcached) keep records as JSON: the codecs that put back the optional
 * properties JSON leaves out, and how long an entry lives natively. Internal: not exported from the package.
 *
 * @module
 */
import type { AccessToken, AuthorizationCode, Client, RefreshToken } from '../types.ts'

/**
 * Milliseconds from `nowMs` (the store's clock) until `expiresAt` (epoch seconds), at least 1.
 *
 * Native expiry is computed relative to the store's own clock rather than as an absolute time
 * (`PXAT`): then a store given a fake clock (tests) or a host clock that differs from the server's still
 * keeps each entry exactly as long as its record says. Reads check `expiresAt` as well.
 */
export function ttlMs(expiresAt: number, nowMs: number): number {
  return Math.max(1, Math.ceil(expiresAt * 1000 - nowMs))
}

/**
 * Parses a stored record and puts back the optional properties JSON leaves out, so a record read back
 * has the same keys as the one saved. The grant's `context` comes back as it was written (its fields that
 * were `undefined` stay absent, which reads the same); a record saved without one reads `context: undefined`.
 */
function decode<T>(json: string, optional: readonly (keyof T)[]): T {
  const record = JSON.parse(json) as Record<string, unknown>
  for (const key of optional) if (!(key in record)) record[key as string] = undefined
  return record as T
}

/** Parses a stored {@link Client}. */
export function decodeClient(json: string): Client {
  return decode<Client>(json, ['clientSecretHash', 'scopes', 'name'])
}

/** Parses a stored {@link AuthorizationCode}. */
export function decodeCode(json: string): AuthorizationCode {
  return decode<AuthorizationCode>(json, ['redirectUri', 'codeChallenge', 'codeChallengeMethod', 'context'])
}

/** Parses a stored {@link AccessToken}. */
export function decodeAccessToken(json: string): AccessToken {
  return decode<AccessToken>(json, ['userId', 'familyId', 'sealed', 'uniqueKey', 'refreshTokenHash', 'context'])
}

/** Parses a stored {@link RefreshToken}. */
export function decodeRefreshToken(json: string): RefreshToken {
  return decode<RefreshToken>(json, ['userId', 'rotatedAt', 'successorHash', 'accessTokenHash', 'context'])
}
