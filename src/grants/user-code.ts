import { ConfigurationError } from '../errors.ts'
import { randomInt } from '../internal/crypto.ts'

/**
 * The default user-code alphabet (RFC 8628 section 6.1): 20 consonants, no vowels (no words can be
 * spelled) and no characters that look alike; 8 of them give 20^8 ≈ 2^34.5 codes.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'

/** Validates a user-code alphabet and length at start-up; throws a `TypeError` naming the problem. */
export function checkUserCodeFormat(alphabet: string, length: number): void {
  if (!/^[A-Z0-9]+$/.test(alphabet) || new Set(alphabet).size !== alphabet.length || alphabet.length < 2) {
    throw new ConfigurationError('DeviceCodeGrant: userCodeAlphabet must be 2 or more distinct characters from A-Z and 0-9')
  }
  if (!Number.isSafeInteger(length) || length < 4 || length > 32) {
    throw new ConfigurationError('DeviceCodeGrant: userCodeLength must be a whole number from 4 to 32')
  }
  // RFC 8628 section 5.1: the code space must be large enough that rate-limited guessing is hopeless.
  if (length * Math.log2(alphabet.length) < 20) {
    throw new ConfigurationError('DeviceCodeGrant: userCodeAlphabet and userCodeLength give fewer than 2^20 codes')
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
