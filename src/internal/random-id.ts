import { randomBytes } from './crypto.ts'

/** Bytes drawn from the CSPRNG at once; ids are cut from this pool, so one call serves many requests. */
const POOL_BYTES = 4096

let pool: Buffer = Buffer.alloc(0)
let offset = 0

/**
 * A random identifier (not a secret: token family ids and the like), `bytes` random bytes as base64url.
 * Drawn from a pooled CSPRNG buffer: a `randomBytes` call per id showed in the profile of the password
 * grant.
 */
export function randomId(bytes = 16): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(Math.max(POOL_BYTES, bytes))
    offset = 0
  }
  const start = offset
  offset += bytes
  return pool.toString('base64url', start, offset)
}
