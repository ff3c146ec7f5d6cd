/**
 * oauth2-stack: an OAuth 2.0 authorization server framework for Node.js.
 *
 * This entry point holds the controller and the data types (the seed's `oauth2` module). Grants, stores,
 * token generators, the web layer and errors have their own subpaths: `oauth2-stack/grant`, `/store`,
 * `/tokengenerator`, `/web` and `/error`.
 *
 * @module oauth2-stack
 */
export { AuthorizationController } from './controller.ts'
export type { AuthorizationControllerOptions, IntrospectionOptions } from './options.ts'
export type { ResourceOptions } from './grants/resource-binding.ts'
export {
  DEFAULT_SESSION_IDLE_LIFETIME,
  DEFAULT_SESSION_LIFETIME,
  DEFAULT_SESSION_TOUCH_INTERVAL,
  MAX_SESSION_CLIENTS,
  LoginSessions,
  type LoginSession,
  type LoginSessionsOptions,
  type SessionLifetimes,
  type SessionUser,
  type StartedSession,
} from './sessions/login-sessions.ts'
export {
  DEFAULT_CONSENT_LIFETIME,
  RememberedConsents,
  type ConsentSelector,
  type FamilyRevoker,
  type RememberedConsent,
  type RememberedConsentsOptions,
} from './sessions/consent-store.ts'
export type { SessionOptions } from './sessions/session-options.ts'
export type { IdTokenHintVerifier } from './sessions/interaction-flow.ts'
export type { AuthorizationServerMetadata } from './endpoints/metadata.ts'
export { DEFAULT_LIMITS, type LimitName, type LimitPolicy, type LimitsOptions } from './limits/policies.ts'
export type { ClientAddressFunction } from './limits/client-address.ts'
export type { Limits } from './limits/rate-limits.ts'
export type { ClientSecretPolicy } from './checks/client-secret-strength.ts'
export type {
  AccessToken,
  AuthorizationCode,
  Client,
  ClientAuthMethod,
  CodeChallengeMethod,
  GrantContext,
  RefreshToken as RefreshTokenRecord,
  SubjectType,
  UserData,
} from './types.ts'
export { isPublicClient } from './types.ts'
export type {
  AuditEvent,
  AuditEventBase,
  AuditEventHandler,
  AuditEventInput,
  AuditEventType,
  ClientAuthFailedEvent,
  ClientRegisteredEvent,
  CodeReusedEvent,
  ConsentGrantedEvent,
  RateLimitedEvent,
  RefreshReusedEvent,
  StoreUnavailableEvent,
  TokenIssuedEvent,
  TokenRefreshedEvent,
  TokenRevokedEvent,
  UserLoginFailedEvent,
  WithoutBase,
} from './events/types.ts'
export type { Logger, LogMethod } from './events/logger.ts'
export { requestIdOf } from './events/request-id.ts'
export type { PingCapability, ReadinessReport, StoreReadiness } from './readiness.ts'
export { TRACE_CHANNELS, type DispatchTrace, type GrantTrace, type StoreTrace } from './tracing/channels.ts'
export {
  CIMD_METADATA_FIELD,
  MetadataDocumentClients,
  withMetadataDocuments,
  type ClientIdMetadataDocumentOptions,
  type DocumentCacheOptions,
  type HostPolicy,
} from './clients/metadata-document-clients.ts'
export type { ClientDisplay } from './clients/display.ts'
export {
  createSafeFetch,
  DEFAULT_MAX_BYTES,
  DEFAULT_TIMEOUT_MS,
  type ResolvedAddress,
  type Resolver,
  type SafeFetchOptions,
} from './fetch/safe-fetch.ts'
export { SafeFetchError, type SafeFetchErrorCode } from './fetch/errors.ts'
export { classifyAddress, type AddressKind } from './fetch/addresses.ts'
export type { SafeFetch, SafeFetchInit, SafeFetchResponse } from './fetch/types.ts'
export {
  DynamicClientRegistration,
  RegisteredClients,
  RegistrationError,
  type ClientMetadata,
  type DynamicClientRegistrationOptions,
  type IssuedCredentials,
  type RegisteredClient,
  type RegisteredClientsOptions,
  type RegistrationErrorCode,
  type RegistrationPolicy,
  type RegistrationPolicyContext,
  type RegistrationPolicyResult,
} from './registration/index.ts'
