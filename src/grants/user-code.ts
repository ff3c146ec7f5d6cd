import { randomInt } from '../internal/crypto.ts'

/**
 * The default user-code alphabet (RFC 8628 section 6.1): 20 consonants, no vowels (no words can be
 * spelled) and no characters that look alike; 8 of them give 20^8 ≈ 2^34.5 codes.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'

/** Validates a user-code alphabet and length at start-up; throws a `TypeError` naming the problem. */
export function checkUserCodeFormat(alphabet: string, length: number): void {
  if (!/^[A-Z0-9]+$/.test(alphabet) || new Set(alphabet).size !== alphabet.length || alphabet.length < 2) {
    throw new TypeError('DeviceCodeGrant: userCodeAlphabet must be 2 or more distinct characters from A-Z and 0-9')
  }
  if (!Number.isSafeInteger(length) || length < 4 || length > 32) {
    throw new TypeError('DeviceCodeGrant: userCodeLength must be a whole number from 4 to 32')
  }
  // RFC 8628 section 5.1: the code space must be large enough that rate-limited guessing is hopeless.
  if (length * Math.log2(alphabet.length) < 20) {
    throw new TypeError('DeviceCodeGrant: userCodeAlphabet and userCodeLength give fewer than 2^20 codes')
  }
}

/** A fresh user code from the operating system's CSPRNG, without separators. */
export function generateUserCode(alphabet: string, length: number): string {
  let code = ''
  for (let i = 0; i < length; i++) code += alphabet[randomInt(alphabet.length)] ?? ''
  return code
}

/** A user code as shown to people: groups of four separated by dashes (`WDJB-MJHT`, RFC 8628 section 6.1). */
export function formatUserCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1-')
}

/**
 * A typed user code in the form it is hashed in, or `undefined` when it cannot be one: case-insensitive,
 * dashes and spaces ignored (RFC 8628 section 6.1), every character from the alphabet, and the right length.
 */
export function normalizeUserCode(typed: string, alphabet: string, length: number): string | undefined {
  if (typed.length > 4 * length) return undefined
  const code = typed.toUpperCase().replace(/[\s-]/g, '')
  if (code.length !== length) return undefined
  for (const character of code) if (!alphabet.includes(character)) return undefined
  return code
}

/** Limits on wrong user codes typed into the verification page (RFC 8628 section 5.1). */
export interface UserCodeAttemptLimits {
  /** Wrong codes one browser may type per window before it is refused. Default 5. */
  readonly perBrowser?: number
  /**
   * Wrong codes all browsers together may type per window (in this process) before every browser is
   * refused: browsers that drop their cookies get a fresh per-browser allowance, so this is the real
   * bound on guessing. Someone typing wrong codes on purpose can use it up and lock everyone out until
   * the window ends; raise it on busy servers, and block abusers before they reach the page (the
   * `limiter` hook tells you about each failure). Default 100.
   */
  readonly global?: number
  /** The window in seconds; counting starts with the first wrong code. Default 900 (15 minutes). */
  readonly windowSeconds?: number
}

interface Window {
  start: number
  count: number
}

/** The most browsers whose failures are remembered at once; the global cap still counts the rest. */
const MAX_BROWSERS = 10_000

/**
 * Counts wrong user codes per browser and in total over fixed windows, in memory. A browser (or, past
 * the global cap, everyone) is refused until its window ends.
 */
export class GuessLimiter {
  readonly #perBrowser: number
  readonly #global: number
  readonly #window: number
  readonly #browsers = new Map<string, Window>()
  #all: Window = { start: 0, count: 0 }

  constructor(limits: UserCodeAttemptLimits = {}) {
    this.#perBrowser = positive('perBrowser', limits.perBrowser ?? 5)
    this.#global = positive('global', limits.global ?? 100)
    this.#window = positive('windowSeconds', limits.windowSeconds ?? 900)
  }

  /** Seconds until `browser` may try again at `now`, or 0 when it may try now. */
  lockedFor(browser: string, now: number): number {
    const all = this.#current(this.#all, now)
    const own = this.#browsers.get(browser)
    const mine = own === undefined ? undefined : this.#current(own, now)
    const globalWait = all.count >= this.#global ? all.start + this.#window - now : 0
    const browserWait = mine !== undefined && mine.count >= this.#perBrowser ? mine.start + this.#window - now : 0
    return Math.max(globalWait, browserWait)
  }

  /** Records a wrong code from `browser` at `now`; returns the counts in the current windows. */
  fail(browser: string, now: number): { readonly browser: number; readonly global: number } {
    this.#all = this.#current(this.#all, now)
    this.#all.count++
    let own = this.#browsers.get(browser)
    own = own === undefined ? { start: now, count: 0 } : this.#current(own, now)
    own.count++
    this.#browsers.delete(browser)
    this.#browsers.set(browser, own)
    if (this.#browsers.size > MAX_BROWSERS) this.#prune(now)
    return { browser: own.count, global: this.#all.count }
  }

  /** Failures counted so far in the current windows, without recording one. */
  counts(browser: string, now: number): { readonly browser: number; readonly global: number } {
    const own = this.#browsers.get(browser)
    return { browser: own === undefined ? 0 : this.#current(own, now).count, global: this.#current(this.#all, now).count }
  }

  /** The window itself while it runs, a fresh one once it has ended. */
  #current(window: Window, now: number): Window {
    return now - window.start >= this.#window ? { start: now, count: 0 } : window
  }

  /** Forgets ended windows, then the oldest browsers (Map order is last-failure order) beyond the bound. */
  #prune(now: number): void {
    for (const [key, window] of this.#browsers) if (now - window.start >= this.#window) this.#browsers.delete(key)
    for (const key of this.#browsers.keys()) {
      if (this.#browsers.size <= MAX_BROWSERS) break
      this.#browsers.delete(key)
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`DeviceCodeGrant: userCodeAttempts.${name} must be a positive whole number`)
  return value
}
