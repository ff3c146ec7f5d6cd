import { ConfigurationError } from '../errors.ts'
import { hasControlCharacter, isClientIdSyntax, isClientSecretSyntax } from '../checks/identifier.ts'
import { checkClientSecretStrength, type ClientSecretPolicy } from '../checks/client-secret-strength.ts'
import { checkCorsOrigin } from '../checks/cors-origin.ts'
import { checkRegisteredUri, type RegisteredUriProblem } from '../checks/registered-uri.ts'
import { canonicalResourceUri } from '../checks/resource-uri.ts'
import { hashClientSecret } from '../tokens/hash.ts'
import type { Client, ClientAuthMethod } from '../types.ts'

/** What a client store's `addClient` takes. Only `clientId` and `redirectUris` are required. */
export interface ClientRegistration {
  /** The `client_id`. */
  readonly clientId: string
  /**
   * The client secret in plaintext; it is hashed at once and never kept. Omit it (and
   * `clientSecretHash`) for a public client.
   */
  readonly clientSecret?: string
  /** An already hashed secret (from `hashClientSecret`), e.g. when loading clients from configuration. */
  readonly clientSecretHash?: string
  /**
   * Redirect URIs, registered in full, each checked by `checkRegisteredUri` (kind `redirect`). Required
   * for clients that use the authorization endpoint.
   */
  readonly redirectUris?: readonly string[]
  /** The `grant_type`s this client may use. Default: every grant registered on the controller. */
  readonly grantTypes?: readonly string[]
  /**
   * The `response_type`s this client may use. Default `['code']`, plus `token` when `grantTypes` names
   * `implicit` (RFC 7591 section 2.1 pairs them): the implicit grant is opt-in per client, never on by
   * default (RFC 9700 section 2.1.2). `['*']` allows every response type the controller serves.
   */
  readonly responseTypes?: readonly string[]
  /** The scopes this client may ask for. Default: whatever the grant's scope rules allow. */
  readonly scopes?: readonly string[]
  /** Require PKCE of this confidential client too. Public clients always need it. Default `false`. */
  readonly requirePkce?: boolean
  /** A name shown on the consent page; no control characters. */
  readonly name?: string
  /**
   * Token-endpoint authentication methods. Default: both secret methods for a confidential client,
   * `none` for a public client.
   */
  readonly tokenEndpointAuthMethods?: readonly ClientAuthMethod[]
  /**
   * OpenID Connect RP-Initiated Logout 1.0 section 3.1: where the client may ask to be sent after logout,
   * each checked by `checkRegisteredUri` (kind `post_logout_redirect`: the redirect URI rules).
   */
  readonly postLogoutRedirectUris?: readonly string[]
  /**
   * OpenID Connect Back-Channel Logout 1.0 section 2.2: where logout tokens are POSTed; checked by
   * `checkRegisteredUri` (kind `backchannel_logout`: https, or http on loopback).
   */
  readonly backchannelLogoutUri?: string
  /** OpenID Connect: the algorithm of this client's ID tokens (`RS256`, `ES256` or `EdDSA`); RS256 when unset. */
  readonly idTokenSignedResponseAlg?: 'RS256' | 'ES256' | 'EdDSA'
  /**
   * Browser origins allowed to call the token, revocation and userinfo endpoints (CORS): origins only,
   * `https://host[:port]` (or http on loopback), no path, as `checkCorsOrigin` says.
   */
  readonly allowedCorsOrigins?: readonly string[]
  /** The resources (RFC 8707) this client may ask tokens for; absolute URIs, kept in canonical form. */
  readonly resources?: readonly string[]
  /** The client's logo (RFC 7591 section 2 `logo_uri`), for display: https, or http on loopback. */
  readonly logoUri?: string
  /** The client's home page (RFC 7591 section 2 `client_uri`), for display: https, or http on loopback. */
  readonly clientUri?: string
}

/**
 * Builds a validated {@link Client} record from a registration, hashing the secret. Throws a `TypeError`
 * naming what is wrong. Every client store uses it, so all apply the same rules. With `policy` (where the
 * issuer is known: the CLI, a registration endpoint), a secret shorter than 43 characters is refused on
 * an issuer that is not a loopback one unless `allowWeakClientSecrets` is set.
 */
export async function createClient(registration: ClientRegistration, policy?: ClientSecretPolicy): Promise<Client> {
  const { clientId } = registration
  // RFC 6749 appendix A.1: client_id = *VSCHAR.
  if (typeof clientId !== 'string' || !isClientIdSyntax(clientId)) {
    throw new ConfigurationError('clientId must be a non-empty string of printable ASCII characters')
  }
  if (registration.clientSecret !== undefined && registration.clientSecretHash !== undefined) {
    throw new ConfigurationError(`client ${clientId}: give clientSecret or clientSecretHash, not both`)
  }
  if (registration.clientSecret !== undefined && registration.clientSecret.length === 0) {
    throw new ConfigurationError(`client ${clientId}: clientSecret must not be empty`)
  }
  // RFC 6749 appendix A.2: client_secret = *VSCHAR; a control character (a trailing NUL) never belongs.
  if (registration.clientSecret !== undefined && !isClientSecretSyntax(registration.clientSecret)) {
    throw new ConfigurationError(`client ${clientId}: clientSecret must not contain control characters`)
  }
  if (registration.clientSecret !== undefined && policy !== undefined)
    checkClientSecretStrength(clientId, registration.clientSecret, policy)
  if (registration.clientSecretHash !== undefined && !/^(sha256|scrypt)\$/.test(registration.clientSecretHash)) {
    throw new ConfigurationError(`client ${clientId}: clientSecretHash must come from hashClientSecret`)
  }
  if (registration.name !== undefined && hasControlCharacter(registration.name)) {
    throw new ConfigurationError(`client ${clientId}: name must not contain control characters`)
  }
  const redirectUris = [...(registration.redirectUris ?? [])]
  for (const uri of redirectUris) {
    const problem = checkRegisteredUri(uri, { kind: 'redirect' })
    if (problem !== undefined) throw new ConfigurationError(`client ${clientId}: redirect ${problem.message}`)
  }
  const clientSecretHash =
    registration.clientSecretHash ??
    (registration.clientSecret === undefined ? undefined : await hashClientSecret(registration.clientSecret))
  const isPublic = clientSecretHash === undefined
  const methods = registration.tokenEndpointAuthMethods ?? (isPublic ? ['none'] : ['client_secret_basic', 'client_secret_post'])
  if (methods.length === 0) throw new ConfigurationError(`client ${clientId}: tokenEndpointAuthMethods must not be empty`)
  if (isPublic && methods.some((method) => method !== 'none')) {
    throw new ConfigurationError(`client ${clientId}: a client without a secret can only use tokenEndpointAuthMethods ['none']`)
  }
  if (!isPublic && methods.includes('none')) {
    throw new ConfigurationError(`client ${clientId}: a client with a secret must authenticate; remove 'none'`)
  }
  return Object.freeze({
    ...oidcFields(clientId, registration),
    clientId,
    clientSecretHash,
    redirectUris: Object.freeze(redirectUris),
    grantTypes: Object.freeze([...(registration.grantTypes ?? ['*'])]),
    responseTypes: Object.freeze([...(registration.responseTypes ?? defaultResponseTypes(registration.grantTypes))]),
    tokenEndpointAuthMethods: Object.freeze([...methods]),
    scopes: registration.scopes === undefined ? undefined : Object.freeze([...registration.scopes]),
    requirePkce: registration.requirePkce ?? false,
    name: registration.name,
    ...(registration.resources === undefined ? {} : { resources: canonicalResources(clientId, registration.resources) }),
  })
}

/**
 * The optional OpenID Connect and RFC 7591 fields, checked; absent ones stay absent (records without them
 * are unchanged), so every store gives back exactly the keys the registration set.
 */
function oidcFields(clientId: string, registration: ClientRegistration): Partial<Client> {
  const fields: { -readonly [K in keyof Client]?: Client[K] } = {}
  if (registration.postLogoutRedirectUris !== undefined) {
    for (const uri of registration.postLogoutRedirectUris) {
      const problem = checkRegisteredUri(uri, { kind: 'post_logout_redirect' })
      if (problem !== undefined) throw new ConfigurationError(`client ${clientId}: post-logout redirect ${problem.message}`)
    }
    fields.postLogoutRedirectUris = Object.freeze([...registration.postLogoutRedirectUris])
  }
  if (registration.backchannelLogoutUri !== undefined) {
    const problem = checkRegisteredUri(registration.backchannelLogoutUri, { kind: 'backchannel_logout' })
    if (problem !== undefined) throw new ConfigurationError(`client ${clientId}: back-channel logout ${problem.message}`)
    fields.backchannelLogoutUri = registration.backchannelLogoutUri
  }
  if (registration.idTokenSignedResponseAlg !== undefined) {
    if (!['RS256', 'ES256', 'EdDSA'].includes(registration.idTokenSignedResponseAlg)) {
      throw new ConfigurationError(`client ${clientId}: idTokenSignedResponseAlg must be RS256, ES256 or EdDSA`)
    }
    fields.idTokenSignedResponseAlg = registration.idTokenSignedResponseAlg
  }
  if (registration.allowedCorsOrigins !== undefined) {
    for (const origin of registration.allowedCorsOrigins) {
      const problem = checkCorsOrigin(origin)
      if (problem !== undefined) throw new ConfigurationError(`client ${clientId}: allowedCorsOrigins: ${problem}`)
    }
    fields.allowedCorsOrigins = Object.freeze([...registration.allowedCorsOrigins])
  }
  // RFC 7591 section 2: logo_uri and client_uri are web pages shown or linked to the user.
  for (const key of ['logoUri', 'clientUri'] as const) {
    const uri = registration[key]
    if (uri === undefined) continue
    const problem = checkRegisteredUri(uri, { kind: 'client_page' })
    if (problem !== undefined) throw new ConfigurationError(`client ${clientId}: ${key} ${problem.message}`)
    fields[key] = uri
  }
  return fields
}

/** A client's resource list in canonical form (RFC 8707 section 2); a `TypeError` for a value that is no resource URI. */
function canonicalResources(clientId: string, resources: readonly string[]): readonly string[] {
  return Object.freeze(
    resources.map((resource) => {
      const canonical = canonicalResourceUri(resource)
      if (canonical === undefined)
        throw new ConfigurationError(`client ${clientId}: resource ${JSON.stringify(resource)} is not an absolute URI without fragment`)
      return canonical
    }),
  )
}

/** `code`, and `token` only for a client registered for the implicit grant. */
function defaultResponseTypes(grantTypes: readonly string[] | undefined): readonly string[] {
  return grantTypes?.includes('implicit') === true ? ['code', 'token'] : ['code']
}

/** A stored redirect URI that today's registration rule refuses (registered before the rule existed). */
export interface StoredUriProblem {
  /** The URI as stored. */
  readonly uri: string
  /** What {@link checkRegisteredUri} says is wrong with it. */
  readonly problem: RegisteredUriProblem
}

/**
 * The stored redirect URIs of a client that `createClient` would refuse today. They keep working (they
 * are matched as exact strings, and nothing is dropped silently); the demo server warns about them at
 * start and `oauth2-stack client list`/`show` mark them, so an operator re-registers the client.
 */
export function storedUriProblems(client: Client): readonly StoredUriProblem[] {
  const problems: StoredUriProblem[] = []
  for (const uri of client.redirectUris) {
    const problem = checkRegisteredUri(uri, { kind: 'redirect' })
    if (problem !== undefined) problems.push({ uri, problem })
  }
  return problems
}
