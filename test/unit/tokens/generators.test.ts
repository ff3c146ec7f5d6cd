import { describe, expect, it } from 'vitest'
import { RandomTokenGenerator } from '../../../src/tokens/random.ts'
import { Uuid4 } from '../../../src/tokens/uuid4.ts'
import type { TokenContext, TokenGenerator } from '../../../src/tokens/types.ts'

const CONTEXT: TokenContext = {
  kind: 'access_token',
  grantType: 'authorization_code',
  clientId: 'abc',
  userId: 'u1',
  scopes: [],
  issuedAt: 0,
  expiresAt: 3600,
}
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('RandomTokenGenerator (RFC 6749 section 10.10: unguessable tokens)', () => {
  it('makes 43 base64url characters (32 bytes, 256 bits) by default', () => {
    const token = new RandomTokenGenerator().generate()
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(token, 'base64url')).toHaveLength(32)
  })

  it('honours bytes: the length is ceil(bytes * 4 / 3) base64url characters', () => {
    for (const bytes of [32, 33, 48, 64, 100, 1024]) {
      const token = new RandomTokenGenerator({ bytes }).generate()
      expect(token).toHaveLength(Math.ceil((bytes * 4) / 3))
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/)
      expect(Buffer.from(token, 'base64url')).toHaveLength(bytes)
    }
  })

  it('never repeats across many tokens, pool refills included (20 000 tokens, 156 pools)', () => {
    const generator: TokenGenerator = new RandomTokenGenerator()
    const tokens = new Set<string | Promise<string>>()
    for (let i = 0; i < 20_000; i++) tokens.add(generator.generate(CONTEXT))
    expect(tokens.size).toBe(20_000)
  })

  it('never hands out the zeroed part of its pool', () => {
    const generator = new RandomTokenGenerator()
    const zero = Buffer.alloc(32).toString('base64url')
    for (let i = 0; i < 1_000; i++) expect(generator.generate()).not.toBe(zero)
  })

  it('uses every base64url character over many tokens (no skewed alphabet)', () => {
    const generator = new RandomTokenGenerator()
    const seen = new Set<string>()
    for (let i = 0; i < 500; i++) for (const char of generator.generate()) seen.add(char)
    expect(seen.size).toBe(64)
  })

  it('independent generators produce different tokens', () => {
    expect(new RandomTokenGenerator().generate()).not.toBe(new RandomTokenGenerator().generate())
  })

  it.each([31, 16, 0, -32, 32.5, Number.NaN, Number.POSITIVE_INFINITY, 1025])('refuses bytes = %s with a TypeError', (bytes) => {
    expect(() => new RandomTokenGenerator({ bytes })).toThrow(TypeError)
  })

  it('returns the lifetime configured per grant type, undefined for others', () => {
    const generator = new RandomTokenGenerator({ expiresIn: { client_credentials: 600, authorization_code: 3600 } })
    expect(generator.expiresIn('client_credentials')).toBe(600)
    expect(generator.expiresIn('authorization_code')).toBe(3600)
    expect(generator.expiresIn('password')).toBeUndefined()
    expect(new RandomTokenGenerator().expiresIn('client_credentials')).toBeUndefined()
  })

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a lifetime of %s seconds with a TypeError', (seconds) => {
    expect(() => new RandomTokenGenerator({ expiresIn: { client_credentials: seconds } })).toThrow(TypeError)
  })
})

describe('Uuid4 (seed compatibility)', () => {
  it('makes version 4, variant 1 UUIDs', () => {
    const generator = new Uuid4()
    for (let i = 0; i < 100; i++) expect(generator.generate()).toMatch(UUID_V4)
  })

  it('never repeats across many tokens', () => {
    const generator = new Uuid4()
    const tokens = new Set<string>()
    for (let i = 0; i < 10_000; i++) tokens.add(generator.generate())
    expect(tokens.size).toBe(10_000)
  })

  it('returns the lifetime configured per grant type and validates the table', () => {
    expect(new Uuid4({ expiresIn: { implicit: 120 } }).expiresIn('implicit')).toBe(120)
    expect(new Uuid4().expiresIn('implicit')).toBeUndefined()
    expect(() => new Uuid4({ expiresIn: { implicit: 0 } })).toThrow(TypeError)
  })
})
