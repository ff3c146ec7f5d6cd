/**
 * The resource-server side (RFC 6750, RFC 9068, RFC 9728): verify access tokens — opaque ones through the store,
 * JWTs through the authorization server's JWKS, each for this resource only (RFC 8707 audience) — guard
 * APIs in node:http, Express, Fastify, Koa and any Fetch-API runtime, and serve the protected resource
 * metadata that tells clients where to get tokens.
 *
 * @module oauth2-stack/resource
 */
export { BearerError, type BearerErrorCode } from './errors.ts'
export {
  createTokenVerifier,
  SUBJECT_TYPE_CLAIM,
  subjectTypeOfClaims,
  verifyAccessToken,
  type TokenVerifier,
  type VerifiedToken,
  type VerifyOptions,
} from './verify.ts'
export { createBearerGuard, type BearerGuard, type BearerGuardOptions, type BearerInput, type GuardResult } from './guard.ts'
export {
  expressBearer,
  fastifyBearer,
  fetchBearer,
  koaBearer,
  nodeBearer,
  verifiedToken,
  type FastifyBearerReply,
  type FastifyBearerRequest,
  type KoaBearerContext,
} from './middleware.ts'
export {
  expressProtectedResourceMetadata,
  fastifyProtectedResourceMetadata,
  fetchProtectedResourceMetadata,
  koaProtectedResourceMetadata,
  nodeProtectedResourceMetadata,
  protectedResourceMetadata,
  type FastifyMetadataReply,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataDocument,
  type ProtectedResourceMetadataOptions,
} from './metadata.ts'
export { canonicalResourceUri, protectedResourceMetadataUrl } from '../checks/resource-uri.ts'
