import {
  constantTimeEqual,
  hmacSha256Base64url,
  randomBase64url,
  scrypt,
  sha256Base64url,
  sha256Bytes,
  timingSafeEqual,
} from '../internal/crypto.ts'

// Where it has always been found (tests, the demo's site adapter).
export { constantTimeEqual } from '../internal/crypto.ts'
import { publishSecretHash, SECRET_HASH_CHANNEL } from '../tracing/channels.ts'

/** Re-exported from the tracing module: the channel told of every client-secret check. */
export { SECRET_HASH_CHANNEL }

/**
 * SHA-256 of a code or token, base64url: the key under which stores keep it. A fast hash is right here:
 * the values are ≥ 122 random bits, so nothing can be guessed from the hash (RFC 6819 section 5.1.4.1.3).
 */
export function hashToken(value: string): string {
  return sha256Base64url(value)
}

const SHA256_PREFIX = 'sha256$'
const SCRYPT_PREFIX = 'scrypt$'
/** Secrets at least this long are treated as high-entropy (43 base64url characters = 256 bits). */
const HIGH_ENTROPY_LENGTH = 43
const SCRYPT_COST = 16384
const SCRYPT_KEY_LENGTH = 32

/** Generates a client secret with 256 bits of entropy, base64url (43 characters). */
export function generateClientSecret(): string {
  return randomBase64url(32)
}

/**
 * Hashes a client secret for storage. Generated secrets (43+ characters, see {@link generateClientSecret})
 * get a salted SHA-256, which keeps the token endpoint fast; shorter, human-chosen secrets (like the
 * seed's `xyz`) get scrypt, which is slow on purpose so a leaked hash cannot be brute-forced cheaply.
 */
export async function hashClientSecret(secret: string): Promise<string> {
  const salt = randomBase64url(16)
  if (secret.length >= HIGH_ENTROPY_LENGTH) {
    return `${SHA256_PREFIX}${salt}$${sha256(salt, secret)}`
  }
  const key = await scrypt(secret, salt, SCRYPT_KEY_LENGTH, SCRYPT_COST)
  return `${SCRYPT_PREFIX}${SCRYPT_COST}$${salt}$${key.toString('base64url')}`
}

/** A well-formed hash used to spend the same time on unknown clients as on known ones. */
export const DUMMY_SECRET_HASH: string = `${SHA256_PREFIX}AAAAAAAAAAAAAAAAAAAAAA$${'A'.repeat(43)}`

/**
 * Checks a presented secret against a stored hash in constant time. Unknown formats never match.
 */
export function verifyClientSecret(secret: string, stored: string): Promise<boolean> {
  const result = checkClientSecret(secret, stored)
  return typeof result === 'boolean' ? Promise.resolve(result) : result
}

/**
 * {@link verifyClientSecret} with the answer for a salted-SHA-256 hash given at once (no promise on the
 * token endpoint's common path); scrypt hashes still answer asynchronously.
 */
export function checkClientSecret(secret: string, stored: string): boolean | Promise<boolean> {
  // A short secret this process has already verified with scrypt: an HMAC compare, no scrypt again.
  if (isKnownClientSecret(secret, stored)) return true
  const fast = parsedSha256(stored)
  if (fast !== undefined) {
    publishSecretHash('sha256')
    const digest = sha256Bytes(`${fast.salt}$${secret}`)
    return digest.length === fast.expected.length && timingSafeEqual(digest, fast.expected)
  }
  return verifySlow(secret, stored, stored.split('$'))
}

interface ParsedSha256 {
  readonly salt: string
  readonly expected: Buffer
}

/** Stored salted-SHA-256 hashes, parsed once (they are few: one per client). Bounded. */
const parsedHashes = new Map<string, ParsedSha256 | null>()
const PARSED_HASHES_MAX = 1024

function parsedSha256(stored: string): ParsedSha256 | undefined {
  let parsed = parsedHashes.get(stored)
  if (parsed === undefined) {
    const parts = stored.split('$')
    const expected = parts[2] === undefined ? undefined : Buffer.from(parts[2], 'base64url')
    // 32 bytes: a well-formed SHA-256 digest; anything else never matches (and goes to verifySlow).
    parsed =
      stored.startsWith(SHA256_PREFIX) && parts.length === 3 && expected?.length === 32 && expected.toString('base64url') === parts[2]
        ? { salt: parts[1] ?? '', expected }
        : null
    if (parsedHashes.size >= PARSED_HASHES_MAX) parsedHashes.clear()
    parsedHashes.set(stored, parsed)
  }
  return parsed ?? undefined
}

async function verifySlow(secret: string, stored: string, parts: string[]): Promise<boolean> {
  if (stored.startsWith(SCRYPT_PREFIX) && parts.length === 4) {
    const [, cost = '', salt = '', expected = ''] = parts
    if (Number(cost) !== SCRYPT_COST) return false
    publishSecretHash('scrypt')
    const key = await scrypt(secret, salt, SCRYPT_KEY_LENGTH, SCRYPT_COST)
    const valid = constantTimeEqual(key.toString('base64url'), expected)
    if (valid) rememberVerified(secret, stored)
    return valid
  }
  return false
}

function sha256(salt: string, secret: string): string {
  return sha256Base64url(`${salt}$${secret}`)
}

/**
 * Short (scrypt-hashed) secrets this process has verified, as an HMAC under a key drawn at start and never
 * stored: a client with a weak secret pays one scrypt per process, not one per request, and its right
 * secret is told apart from a guess before any limit counts it (so a busy client is never rate-limited
 * for being busy). Wrong secrets still cost a scrypt, and are counted. Bounded; cleared when full.
 */
const verifiedSecrets = new Map<string, string>()
const VERIFIED_SECRETS_MAX = 1024
/** Drawn on first use, not at load: Workers refuse random values at global scope. */
let verifiedKey: string | undefined

function verifiedDigest(secret: string, stored: string): string {
  verifiedKey ??= randomBase64url(32)
  return hmacSha256Base64url(verifiedKey, `${stored}\0${secret}`)
}

function rememberVerified(secret: string, stored: string): void {
  if (verifiedSecrets.size >= VERIFIED_SECRETS_MAX) verifiedSecrets.clear()
  verifiedSecrets.set(stored, verifiedDigest(secret, stored))
}

/** Whether `secret` is the one this process already verified against the scrypt hash `stored`. */
export function isKnownClientSecret(secret: string, stored: string | undefined): boolean {
  if (stored === undefined) return false
  const known = verifiedSecrets.get(stored)
  return known !== undefined && constantTimeEqual(known, verifiedDigest(secret, stored))
}
