import { randomUUID } from '../internal/crypto.ts'
import { checkExpiresIn, type ExpiresInByGrantType, type TokenGenerator, type TokenGeneratorOptions } from './types.ts'

/**
 * The seed's `Uuid4` generator: a random UUID per token.
 *
 * Legacy: a UUID carries 122 random bits, below the 128 bits RFC 6749 section 10.10 asks of tokens that
 * must not be guessed. Prefer {@link RandomTokenGenerator}, the default.
 */
export class Uuid4 implements TokenGenerator {
  readonly #expiresIn: ExpiresInByGrantType

  constructor(options: TokenGeneratorOptions = {}) {
    this.#expiresIn = checkExpiresIn(options.expiresIn)
  }

  generate(): string {
    return randomUUID()
  }

  expiresIn(grantType: string): number | undefined {
    return this.#expiresIn[grantType]
  }
}
