/**
 * OpenID Connect (`oauth2-stack/oidc`): the {@link OpenIdConnect} feature — ID tokens, `/userinfo`,
 * Discovery, CORS for browser relying parties, RP-Initiated and Back-Channel Logout — and what hosts and
 * other features build on: the claims hook, the session seam of logout, the `id_token_hint` verifier.
 * Its source is the barrel of `logout/`, the top OpenID Connect layer (the feature registers logout, and
 * the grant registry it uses sits above `oidc/`).
 *
 * @module oauth2-stack/oidc
 */
export { OpenIdConnect, OPENID_CONFIGURATION_PATH, type OpenIdConnectOptions } from './openid-connect.ts'
export type { LoginSessionInfo, SessionEnder, RevokesFamiliesBySession } from './session-ender.ts'
export { BACKCHANNEL_LOGOUT_EVENT, LOGOUT_TOKEN_LIFETIME, type LogoutSubject } from './back-channel.ts'
export { OFFLINE_ACCESS, OPENID, type ClaimsHook, type IdTokenInput, type IdTokenMinter, type UserClaims } from '../oidc/types.ts'
export { PROTOCOL_CLAIMS, STANDARD_SCOPE_CLAIMS } from '../oidc/claims.ts'
export { atHash, DEFAULT_ID_TOKEN_LIFETIME } from '../oidc/id-token.ts'
export { verifyIdTokenHint, type IdTokenHintCheck, type IdTokenHintClaims } from '../oidc/verify-id-token.ts'
export type { Signer, SigningAlgorithm } from '../keys/types.ts'
export type { SafeFetch, SafeFetchInit, SafeFetchResponse } from '../fetch/types.ts'
