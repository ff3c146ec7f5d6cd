import { ConfigurationError } from '../errors.ts'
import { createCipheriv, createDecipheriv, randomBytes } from './crypto.ts'

/**
 * Encrypts tokens for the `uniqueToken` option (AES-256-GCM), so a store can hand an existing token
 * back without ever holding it in plaintext.
 */
export class Sealer {
  readonly #key: Buffer

  constructor(key: Uint8Array | undefined) {
    if (key !== undefined && key.length !== 32) throw new ConfigurationError('uniqueToken.key must be 32 bytes')
    this.#key = key === undefined ? randomBytes(32) : Buffer.from(key)
  }

  seal(text: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()])
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
  }

  /** The plaintext, or `undefined` when the value was sealed with another key or altered. */
  open(sealed: string): string | undefined {
    try {
      const raw = Buffer.from(sealed, 'base64url')
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12))
      decipher.setAuthTag(raw.subarray(12, 28))
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
    } catch {
      return undefined
    }
  }
}
