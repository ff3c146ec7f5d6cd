/**
 * Token generators (the seed's `oauth2.tokengenerator`) and the hashing used to keep tokens and client
 * secrets at rest.
 *
 * @module oauth2-stack/tokengenerator
 */
export { RandomTokenGenerator, type RandomTokenGeneratorOptions } from './random.ts'
export { Uuid4 } from './uuid4.ts'
export {
  accessTokenClaims,
  JwtTokenGenerator,
  type JwtAlgorithm,
  type JwtKeysOptions,
  type JwtSigner,
  type JwtSignerOptions,
  type JwtSigningKey,
  type JwtTokenGeneratorBaseOptions,
  type JwtTokenGeneratorOptions,
  type PublishedJwks,
} from './jwt.ts'
export type { ExpiresInByGrantType, PublishesKeys, TokenContext, TokenGenerator, TokenGeneratorOptions } from './types.ts'
export { generateClientSecret, hashClientSecret, hashToken, SECRET_HASH_CHANNEL, verifyClientSecret } from './hash.ts'
