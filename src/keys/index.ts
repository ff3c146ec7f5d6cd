/**
 * Signing keys that survive restarts: {@link KeySet} keeps an issuer's keys in the store (private parts
 * sealed under a secret), shared by every process, with rotation (`oauth2-stack keys rotate`). It signs JWT
 * access tokens (`JwtTokenGenerator({ signer })`), ID tokens and logout tokens, publishes the JWKS, and lets a
 * resource server in the same process verify (`createTokenVerifier({ jwks: keySet })`). See docs/signing-keys.md.
 *
 * @module oauth2-stack/keys
 */
export { DEFAULT_REFRESH_SECONDS, DEFAULT_RETIRE_AFTER_SECONDS, KEY_SET_KIND, KeySet, type KeyInfo, type KeySetOptions } from './key-set.ts'
export { KeySetFormatError, MAX_RETIRING_PER_ALGORITHM, type KeyState } from './key-record.ts'
export { KeySecretMismatchError, MIN_KEY_SECRET_BYTES } from './seal.ts'
export type { PublicKeySource, Signer, SigningAlgorithm } from './types.ts'
