/**
 * Grant classes and helpers (the seed's `oauth2.grant`).
 *
 * @module oauth2-stack/grant
 */
export { AuthorizationCodeGrant, type AuthorizationCodeGrantOptions } from './authorization-code.ts'
export { ImplicitGrant, type ImplicitGrantOptions } from './implicit.ts'
export { ResourceOwnerGrant, type ResourceOwnerGrantOptions } from './resource-owner.ts'
export { ClientCredentialsGrant } from './client-credentials.ts'
export { RefreshToken, type RefreshTokenOptions } from './refresh-token.ts'
export { DEVICE_CODE_GRANT_TYPE, DeviceCodeGrant, type DeviceCodeGrantOptions } from './device-code.ts'
export { Scope, parseScopeParameter, type ScopeOptions } from '../checks/scope.ts'
export { ResourcePolicy, type ResourceOptions } from './resource-binding.ts'
export type { PkceOptions } from '../checks/pkce.ts'
export {
  answerClientEndpoint,
  type ClientEndpointHandler,
  type ClientEndpointServices,
  type ClientRequest,
  type EndpointContext,
} from '../client-auth/client-endpoint.ts'
export type { Params } from '../internal/params.ts'
export type {
  AuthorizeHandler,
  AuthorizeRequestContext,
  EndpointFunction,
  EndpointHandler,
  Grant,
  GrantedUser,
  GrantEndpointContext,
  GrantExtensions,
  GrantRegistry,
  GrantServices,
  MintedTokens,
  PendingAuthorization,
  RefreshPolicy,
  ScopeGrantOptions,
  TokenHandler,
  TokenRequestContext,
  TokenResponseBody,
  TokenSubject,
} from './types.ts'
