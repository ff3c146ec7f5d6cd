/**
 * Dynamic client registration (RFC 7591) and management (RFC 7592).
 *
 * @module
 */
export { DynamicClientRegistration, type DynamicClientRegistrationOptions } from './feature.ts'
export type { ClientMetadata } from './client-metadata.ts'
export { inferApplicationType } from './client-metadata.ts'
export { RegistrationError, type RegistrationErrorCode } from './errors.ts'
export type { RegistrationPolicy, RegistrationPolicyContext, RegistrationPolicyResult } from './policy.ts'
export {
  CLIENT_KIND,
  DEFAULT_IDLE_EXPIRY_SECONDS,
  RegisteredClients,
  registeredClientStore,
  toClient,
  type IssuedCredentials,
  type RegisteredClient,
  type RegisteredClientsOptions,
} from './registered-clients.ts'
