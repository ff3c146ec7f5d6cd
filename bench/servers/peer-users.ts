/**
 * Shared by the peer servers that need a user store or compare client secrets themselves (the libraries
 * leave both to the application): the benchmark's one user, its scopes, and a constant-time comparison.
 */
import { timingSafeEqual } from 'node:crypto'

/** The resource owner of the password scenario. */
export const BENCH_USER = { id: 'bench', username: 'bench', password: 'bench' } as const

/** The scopes every server offers (as oauth2-stack's benchmark server does). */
export const BENCH_SCOPES: readonly string[] = ['read', 'write']

/** Compares a presented secret or password with the expected one in constant time. */
export function secretMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false
  const left = Buffer.from(presented, 'utf8')
  const right = Buffer.from(expected, 'utf8')
  return left.length === right.length && timingSafeEqual(left, right)
}

/** The user `bench` if the credentials are its own, otherwise `undefined`. */
export function findBenchUser(username: string, password: string | undefined): typeof BENCH_USER | undefined {
  return username === BENCH_USER.username && secretMatches(password, BENCH_USER.password) ? BENCH_USER : undefined
}
