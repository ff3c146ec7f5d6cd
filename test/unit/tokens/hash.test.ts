import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  constantTimeEqual,
  DUMMY_SECRET_HASH,
  generateClientSecret,
  hashClientSecret,
  hashToken,
  verifyClientSecret,
} from '../../../src/tokens/hash.ts'

const SEED = 20260107
const B64URL = /^[A-Za-z0-9_-]+$/
const SHA256_FORMAT = /^sha256\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/
const SCRYPT_FORMAT = /^scrypt\$16384\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/

/** Changes the last character of a base64url string to another one. */
const flipLast = (text: string): string => text.slice(0, -1) + (text.endsWith('A') ? 'B' : 'A')

describe('hashToken (RFC 6819 section 5.1.4.1.3: store tokens by hash)', () => {
  it('is the base64url SHA-256 of the value', () => {
    expect(hashToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0')
    expect(hashToken('abc')).toBe(createHash('sha256').update('abc').digest('base64url'))
  })

  it('is deterministic and 43 base64url characters', () => {
    const token = generateClientSecret()
    expect(hashToken(token)).toBe(hashToken(token))
    expect(hashToken(token)).toMatch(B64URL)
    expect(hashToken(token)).toHaveLength(43)
    expect(hashToken(token)).not.toBe(hashToken(`${token}x`))
  })
})

describe('generateClientSecret', () => {
  it('makes 43 base64url characters (256 bits), different each time', () => {
    const secrets = new Set(Array.from({ length: 200 }, () => generateClientSecret()))
    expect(secrets.size).toBe(200)
    for (const secret of secrets) {
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32)
    }
  })
})

describe('hashClientSecret / verifyClientSecret', () => {
  it('uses salted SHA-256 for a secret of 43 characters or more, and verifies it', async () => {
    const secret = generateClientSecret()
    const stored = await hashClientSecret(secret)
    expect(stored).toMatch(SHA256_FORMAT)
    expect(stored).not.toContain(secret)
    expect(await verifyClientSecret(secret, stored)).toBe(true)
    expect(await verifyClientSecret(flipLast(secret), stored)).toBe(false)
    expect(await verifyClientSecret('', stored)).toBe(false)
  })

  it('uses scrypt for a short (human-chosen) secret, and verifies it', async () => {
    const stored = await hashClientSecret('xyz')
    expect(stored).toMatch(SCRYPT_FORMAT)
    expect(await verifyClientSecret('xyz', stored)).toBe(true)
    expect(await verifyClientSecret('xyZ', stored)).toBe(false)
    expect(await verifyClientSecret('xyz ', stored)).toBe(false)
  })

  it('switches from scrypt to SHA-256 exactly at 43 characters', async () => {
    expect(await hashClientSecret('s'.repeat(42))).toMatch(SCRYPT_FORMAT)
    expect(await hashClientSecret('s'.repeat(43))).toMatch(SHA256_FORMAT)
  })

  it('salts every hash: the same secret hashes differently twice, and both verify', async () => {
    const secret = generateClientSecret()
    const [a, b] = await Promise.all([hashClientSecret(secret), hashClientSecret(secret)])
    expect(a).not.toBe(b)
    expect(await verifyClientSecret(secret, a)).toBe(true)
    expect(await verifyClientSecret(secret, b)).toBe(true)
    const [c, d] = await Promise.all([hashClientSecret('pw'), hashClientSecret('pw')])
    expect(c).not.toBe(d)
  })

  it('refuses tampered SHA-256 hashes (hash, salt or prefix changed)', async () => {
    const secret = generateClientSecret()
    const stored = await hashClientSecret(secret)
    const [prefix, salt = '', hash = ''] = stored.split('$')
    for (const tampered of [
      `${prefix}$${salt}$${flipLast(hash)}`,
      `${prefix}$${flipLast(salt)}$${hash}`,
      `SHA256$${salt}$${hash}`,
      `sha512$${salt}$${hash}`,
      `${prefix}$${salt}$${hash}$`,
      `${prefix}$${salt}$${hash.slice(0, -1)}`,
      `${prefix}$${salt}`,
    ]) {
      expect(await verifyClientSecret(secret, tampered), tampered).toBe(false)
    }
  })

  it('refuses tampered scrypt hashes (key, salt or cost changed)', async () => {
    const stored = await hashClientSecret('xyz')
    const [prefix, cost, salt = '', key = ''] = stored.split('$')
    for (const tampered of [
      `${prefix}$${cost}$${salt}$${flipLast(key)}`,
      `${prefix}$${cost}$${flipLast(salt)}$${key}`,
      `${prefix}$1024$${salt}$${key}`,
      `${prefix}$${cost}$${salt}`,
      `${prefix}$${cost}$${salt}$${key}$x`,
    ]) {
      expect(await verifyClientSecret('xyz', tampered), tampered).toBe(false)
    }
  })

  it('never matches an unknown format, a plaintext secret or an empty string', async () => {
    for (const stored of ['', 'xyz', '$', '$$', 'sha256$$', 'scrypt$16384$$', 'bcrypt$2b$10$abc', 'plain$xyz']) {
      expect(await verifyClientSecret('xyz', stored), stored).toBe(false)
      expect(await verifyClientSecret('', stored), stored).toBe(false)
    }
  })

  it('DUMMY_SECRET_HASH is a well-formed SHA-256 hash that no likely secret matches', async () => {
    expect(DUMMY_SECRET_HASH).toMatch(SHA256_FORMAT)
    for (const secret of ['', 'A'.repeat(43), 'xyz', generateClientSecret()]) {
      expect(await verifyClientSecret(secret, DUMMY_SECRET_HASH)).toBe(false)
    }
  })

  it(`verifies any long secret against its own hash and no other secret (SHA-256 path, fast-check seed ${SEED})`, async () => {
    const longSecret = fc.string({ unit: 'binary', minLength: 43, maxLength: 80 }).filter((s) => s.length >= 43)
    await fc.assert(
      fc.asyncProperty(longSecret, fc.string({ unit: 'binary', maxLength: 80 }), async (secret, other) => {
        const stored = await hashClientSecret(secret)
        expect(stored.startsWith('sha256$')).toBe(true)
        expect(await verifyClientSecret(secret, stored)).toBe(true)
        if (other !== secret) expect(await verifyClientSecret(other, stored)).toBe(false)
      }),
      { seed: SEED, numRuns: 300 },
    )
  })
})

describe('constantTimeEqual', () => {
  it('compares strings by content, including different lengths and multi-byte text', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true)
    expect(constantTimeEqual('', '')).toBe(true)
    expect(constantTimeEqual('abc', 'abd')).toBe(false)
    expect(constantTimeEqual('abc', 'abcd')).toBe(false)
    expect(constantTimeEqual('é', 'e\u0301')).toBe(false)
    expect(constantTimeEqual('€', '€')).toBe(true)
  })

  it(`agrees with === on any pair of strings (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), fc.boolean(), (a, b, same) => {
        const right = same ? a : b
        expect(constantTimeEqual(a, right)).toBe(a === right)
      }),
      { seed: SEED, numRuns: 3000 },
    )
  })
})
