import { TooManyRequests } from '../errors.ts'
import type { AuthenticationResult } from '../web/site-adapter.ts'
import { waitInWords, type Limits } from './rate-limits.ts'

/**
 * Applies the sign-in limits to what the site adapter decided on a login form POST (RFC 6749 section
 * 4.3.2): a `failed` sign-in is counted per (username, address) and per username, and both a failure and
 * a success are refused with `TooManyRequests` while the name is locked for this address — the same
 * answer, so the page tells a guesser nothing. A success clears the failures of that name from there.
 */
export async function applySignInLimits(
  limits: Pick<Limits, 'signInLockedFor' | 'signInFailed' | 'signInSucceeded'>,
  result: AuthenticationResult,
  address: string,
): Promise<void> {
  if (result.type !== 'failed' && result.type !== 'granted') return
  const username = result.type === 'failed' ? result.username : (result.username ?? result.userId)
  const locked = limits.signInLockedFor(username, address)
  const wait = typeof locked === 'number' ? locked : await locked
  if (wait > 0) throw signInRefused(wait)
  if (result.type === 'failed') await limits.signInFailed(username, address)
  else await limits.signInSucceeded(username, address)
}

/** The answer to a sign-in while the name is locked: never redirected, shown with `Retry-After`. */
export function signInRefused(wait: number): TooManyRequests {
  return new TooManyRequests(`Too many failed sign-ins. Try again in ${waitInWords(wait)}.`, wait, { limit: 'signIn' })
}
