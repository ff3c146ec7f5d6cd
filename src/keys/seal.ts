import { ConfigurationError } from '../errors.ts'
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from '../internal/crypto.ts'

/** The shortest key secret accepted, in bytes: 256 bits, the AES key's own strength. */
export const MIN_KEY_SECRET_BYTES = 32

/** Prefix of a sealed value: the format's version, so a later format can be told apart. */
const PREFIX = 'v1.'
/** HKDF salt: fixed per format, so one secret gives a different key to any other use of it. */
const SALT = 'oauth2-stack signing keys v1'

/** Thrown when a sealed private key does not open: another `keySecret` sealed it, or it was altered. */
export class KeySecretMismatchError extends ConfigurationError {
  constructor(kid: string) {
    super(
      `the private part of signing key ${kid} in the store does not open with this keySecret: ` +
        'every process sharing a store needs the same secret (OAUTH2_STACK_KEY_SECRET for the CLI)',
    )
  }
}

/**
 * Encrypts the private parts of signing keys at rest: AES-256-GCM under a key derived with HKDF-SHA256
 * (RFC 5869) from the configured secret and the issuer, with the key id as additional authenticated data,
 * so a sealed key cannot be moved to another `kid` or another issuer's set unnoticed.
 */
export class KeySealer {
  readonly #key: Buffer

  /** `secret`: at least 32 bytes (a string counts its UTF-8 bytes). `issuer`: the key set's issuer. */
  constructor(secret: string | Uint8Array, issuer: string) {
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret)
    if (bytes.length < MIN_KEY_SECRET_BYTES) {
      throw new ConfigurationError(
        `keySecret must be at least ${MIN_KEY_SECRET_BYTES} bytes (e.g. 43 base64url characters from a random generator), got ${bytes.length}`,
      )
    }
    // RFC 5869 section 3.1: a fixed salt; the issuer as `info` binds the derived key to this key set.
    this.#key = Buffer.from(hkdfSync('sha256', bytes, SALT, `issuer:${issuer}`, 32))
  }

  /** Seals `text` (a private JWK as JSON) for key `kid`. */
  seal(kid: string, text: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    cipher.setAAD(Buffer.from(kid, 'utf8'))
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()])
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
  }

  /** Opens what {@link KeySealer.seal} sealed for `kid`; throws {@link KeySecretMismatchError} when it does not open. */
  open(kid: string, sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new KeySecretMismatchError(kid)
    try {
      const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url')
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12))
      decipher.setAAD(Buffer.from(kid, 'utf8'))
      decipher.setAuthTag(raw.subarray(12, 28))
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
    } catch {
      throw new KeySecretMismatchError(kid)
    }
  }
}
