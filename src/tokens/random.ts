import { ConfigurationError } from '../errors.ts'
import { randomBytes } from '../internal/crypto.ts'
import { checkExpiresIn, type ExpiresInByGrantType, type TokenGenerator, type TokenGeneratorOptions } from './types.ts'

/** Options of {@link RandomTokenGenerator}. */
export interface RandomTokenGeneratorOptions extends TokenGeneratorOptions {
  /** Random bytes per token; at least 32 (256 bits). Default 32. */
  readonly bytes?: number
}

/** Random bytes are drawn in pools of this many tokens, so one `randomBytes` call serves many requests. */
const POOL_TOKENS = 128

/**
 * The default generator: 256 random bits (or more), base64url, from the operating system's CSPRNG
 * (RFC 6749 section 10.10 asks for at most 2^-128 guessing odds; this gives 2^-256).
 */
export class RandomTokenGenerator implements TokenGenerator {
  readonly #bytes: number
  readonly #expiresIn: ExpiresInByGrantType
  #pool: Buffer = Buffer.alloc(0)
  #offset = 0

  constructor(options: RandomTokenGeneratorOptions = {}) {
    const bytes = options.bytes ?? 32
    if (!Number.isSafeInteger(bytes) || bytes < 32 || bytes > 1024) {
      throw new ConfigurationError('RandomTokenGenerator: bytes must be a whole number from 32 to 1024')
    }
    this.#bytes = bytes
    this.#expiresIn = checkExpiresIn(options.expiresIn)
  }

  generate(): string {
    if (this.#offset + this.#bytes > this.#pool.length) {
      this.#pool = randomBytes(this.#bytes * POOL_TOKENS)
      this.#offset = 0
    }
    const start = this.#offset
    this.#offset += this.#bytes
    const value = this.#pool.toString('base64url', start, this.#offset)
    // Never keep a handed-out secret in memory longer than needed.
    this.#pool.fill(0, start, this.#offset)
    return value
  }

  expiresIn(grantType: string): number | undefined {
    return this.#expiresIn[grantType]
  }
}
