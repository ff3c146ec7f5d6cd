/**
 * Every use of `node:crypto` by the core, in one module: porting the core to another runtime's crypto
 * (WebCrypto under Workers, say) means changing this file only. Bun and Deno provide `node:crypto`, so the
 * Fetch adapter runs there unchanged.
 *
 * The helpers name what the core does (hash a token, sign a CSRF binding, draw a random handle); the
 * low-level functions are re-exported for the few places that need exactly them (pooled randomness, AES-GCM).
 */
import { createHmac, hash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto'

export {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  randomFillSync,
  randomInt,
  randomUUID,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto'

/** SHA-256 of a UTF-8 string, base64url without padding (one-shot: no hash object per call). */
export function sha256Base64url(value: string): string {
  return hash('sha256', value, 'base64url')
}

/** SHA-256 of a UTF-8 string, as bytes. */
export function sha256Bytes(value: string): Buffer {
  return hash('sha256', value, 'buffer')
}

/** SHA-256 or SHA-512 of a UTF-8 string, as bytes (OpenID Connect `at_hash` and `c_hash`). */
export function digestBytes(algorithm: 'sha256' | 'sha512', value: string): Buffer {
  return hash(algorithm, value, 'buffer')
}

/** HMAC-SHA-256 of `value` under `key`, base64url without padding. */
export function hmacSha256Base64url(key: string, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url')
}

/** `bytes` bytes from the CSPRNG, base64url without padding. */
export function randomBase64url(bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  if (left.length !== right.length) {
    timingSafeEqual(left, left)
    return false
  }
  return timingSafeEqual(left, right)
}

/** scrypt (RFC 7914) of `secret` with `salt`, `keyLength` bytes, cost `N` (r = 8, p = 1), off the main thread. */
export function scrypt(secret: string, salt: string, keyLength: number, cost: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(secret, salt, keyLength, { N: cost, r: 8, p: 1 }, (error, key) => {
      if (error) reject(error)
      else resolve(key)
    })
  })
}
