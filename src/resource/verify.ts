import { ConfigurationError } from '../errors.ts'
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose'
import type { AccessTokenStore } from '../stores/types.ts'
import { hashToken } from '../tokens/hash.ts'
import type { AccessToken, SubjectType } from '../types.ts'
import { BearerError } from './errors.ts'
import { canonicalResourceUri } from '../checks/resource-uri.ts'

/** How a resource server checks access tokens. Give a `store` (opaque tokens), `jwks` (JWTs), or both. */
export interface VerifyOptions {
  /** The authorization server's issuer; a JWT's `iss` must equal it. */
  readonly issuer: string
  /**
   * This resource's URI (RFC 8707, RFC 9728 `resource`), e.g. `https://mcp.example.com/mcp`: a token is
   * accepted only when its audience names it — a JWT's `aud`, an opaque token's stored audience — in the
   * canonical form both sides share. A token for another resource, or for none, is `invalid_token`: no
   * token passthrough. Recommended; the guards also announce it (`resource_metadata`).
   */
  readonly resource?: string
  /**
   * Without {@link VerifyOptions.resource}: a JWT's `aud` must contain this (RFC 9068 section 4), and
   * opaque tokens are not checked. Default: the issuer. Ignored when `resource` is set.
   */
  readonly audience?: string
  /**
   * Opaque tokens are looked up here by hash. With a JWKS too, JWTs are also checked against the store,
   * so a revoked JWT is refused before it expires.
   */
  readonly store?: AccessTokenStore
  /** The authorization server's JWKS: a URL (fetched and cached by jose), a JWK Set, or a jose key getter. */
  readonly jwks?: URL | { keys: readonly object[] } | JWTVerifyGetKey
  /** Accepted JWT algorithms. Default ES256, EdDSA, RS256. */
  readonly algorithms?: readonly string[]
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: () => number
}

/** A valid access token, as the resource server sees it. */
export interface VerifiedToken {
  readonly clientId: string
  /**
   * The resource owner, or the client itself for client credentials (RFC 9068 section 2.2). Read it
   * together with {@link VerifiedToken.subjectType}: a client may be called like a user.
   */
  readonly subject: string | undefined
  /**
   * Whose token it is: `user` — {@link VerifiedToken.subject} is a resource owner who authorized the
   * client — or `client` — the client acting on its own behalf (`client_credentials`), `subject` is its
   * `client_id`. An API acting for users must check it is `user` before it treats `subject` as one: a
   * client registered as `alice` must not pass for the user `alice` (RFC 9068 section 5, RFC 9700
   * section 4.15). See {@link subjectTypeOfClaims} for how JWTs say it.
   */
  readonly subjectType: SubjectType
  readonly scopes: readonly string[]
  /** Expiry, epoch seconds. */
  readonly expiresAt: number
  /** `jwt` or `opaque`. */
  readonly format: 'jwt' | 'opaque'
  /** The JWT claims, for JWTs. */
  readonly claims: Readonly<Record<string, unknown>> | undefined
  /** The resources the token is for (its `aud`, RFC 8707), when it names any. */
  readonly audience: readonly string[] | undefined
}

/** A checker made once from {@link VerifyOptions}: `(token, requiredScopes?) => VerifiedToken`. */
export type TokenVerifier = (token: string, requiredScopes?: readonly string[]) => Promise<VerifiedToken>

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/**
 * Builds a verifier for access tokens (RFC 6750, RFC 9068): JWTs are checked with the JWKS (signature,
 * `typ: at+jwt`, issuer, audience, expiry), opaque tokens through the store; then the scopes. Throws a
 * {@link BearerError}: `invalid_token` for anything unknown, expired, revoked or malformed,
 * `insufficient_scope` when a required scope is missing.
 */
export function createTokenVerifier(options: VerifyOptions): TokenVerifier {
  if (options.store === undefined && options.jwks === undefined)
    throw new ConfigurationError('createTokenVerifier needs a store, a jwks, or both')
  const clock = options.clock ?? Date.now
  const keys = options.jwks === undefined ? undefined : keyGetter(options.jwks)
  const resource = options.resource === undefined ? undefined : checkResource(options.resource)
  const audience = options.audience ?? options.issuer
  const algorithms = [...(options.algorithms ?? ['ES256', 'EdDSA', 'RS256'])]
  return async (token, requiredScopes = []) => {
    const verified = JWT.test(token) && keys !== undefined ? await verifyJwt(token, keys) : await verifyOpaque(token)
    const missing = requiredScopes.filter((scope) => !verified.scopes.includes(scope))
    // RFC 6750 section 3.1: insufficient_scope, with the scope necessary to access the resource.
    if (missing.length > 0)
      throw new BearerError('insufficient_scope', 'The access token lacks a required scope.', requiredScopes.join(' '))
    return verified
  }

  async function verifyJwt(token: string, getKey: JWTVerifyGetKey): Promise<VerifiedToken> {
    let payload: Record<string, unknown>
    try {
      const result = await jwtVerify(token, getKey, {
        issuer: options.issuer,
        ...(resource === undefined ? { audience } : {}),
        algorithms,
        // RFC 9068 section 4: the resource server MUST verify typ at+jwt.
        typ: 'at+jwt',
        currentDate: new Date(clock()),
      })
      payload = result.payload
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) throw new BearerError('invalid_token', 'The access token is invalid or expired.')
      throw error
    }
    if (options.store !== undefined && (await options.store.fetchByToken(hashToken(token))) === undefined) {
      throw new BearerError('invalid_token', 'The access token was revoked.')
    }
    const tokenAudience = audienceClaim(payload.aud)
    if (resource !== undefined)
      checkAudience(
        tokenAudience?.map((value) => canonicalResourceUri(value) ?? value),
        resource,
      )
    const scope = typeof payload.scope === 'string' ? payload.scope : ''
    const subjectType = subjectTypeOfClaims(payload)
    if (subjectType === undefined) throw new BearerError('invalid_token', 'The access token is invalid or expired.')
    return {
      clientId: typeof payload.client_id === 'string' ? payload.client_id : '',
      subject: typeof payload.sub === 'string' ? payload.sub : undefined,
      subjectType,
      scopes: scope === '' ? [] : scope.split(' '),
      expiresAt: typeof payload.exp === 'number' ? payload.exp : 0,
      format: 'jwt',
      claims: payload,
      audience: tokenAudience,
    }
  }

  async function verifyOpaque(token: string): Promise<VerifiedToken> {
    const record = options.store === undefined ? undefined : await options.store.fetchByToken(hashToken(token))
    if (record === undefined || record.expiresAt <= Math.floor(clock() / 1000)) {
      throw new BearerError('invalid_token', 'The access token is invalid or expired.')
    }
    // The issuer stores the audience in canonical form.
    if (resource !== undefined) checkAudience(record.context?.resources, resource)
    return {
      clientId: record.clientId,
      subject: record.userId ?? record.clientId,
      subjectType: subjectTypeOfRecord(record),
      scopes: record.scopes,
      expiresAt: record.expiresAt,
      format: 'opaque',
      claims: undefined,
      audience: record.context?.resources,
    }
  }
}

/** The configured resource in canonical form; a `TypeError` when it is not a resource URI. */
function checkResource(value: string): string {
  const canonical = canonicalResourceUri(value)
  if (canonical === undefined) throw new ConfigurationError(`resource ${JSON.stringify(value)} must be an absolute URI without fragment`)
  return canonical
}

/** A JWT's `aud` (RFC 7519 section 4.1.3: a string or an array of strings) as a list; `undefined` when absent or malformed. */
function audienceClaim(aud: unknown): readonly string[] | undefined {
  if (typeof aud === 'string') return [aud]
  if (Array.isArray(aud) && aud.every((value) => typeof value === 'string')) return aud
  return undefined
}

/**
 * RFC 8707 section 2 and the MCP specification's audience validation: the token must name this resource.
 * A token without an audience is refused too — it would be good at every resource (no token passthrough).
 */
function checkAudience(audience: readonly string[] | undefined, resource: string): void {
  if (audience === undefined || !audience.includes(resource)) {
    throw new BearerError('invalid_token', 'The access token is not meant for this resource.')
  }
}

/**
 * The JWT claim by which `JwtTokenGenerator` says whose access token it is: `"user"` or `"client"`. RFC
 * 9068 has no claim for it (its section 2.2 only makes `sub` the client's id for client credentials), so
 * the issuer marks every token and {@link subjectTypeOfClaims} reads the mark.
 */
export const SUBJECT_TYPE_CLAIM = 'sub_type'

/**
 * Whose token a JWT access token's claims describe, or `undefined` for contradictory claims (refused as
 * `invalid_token`). The rule:
 *
 * - `sub_type: "client"` (set by the issuer for `client_credentials`): `client`, and `sub` must equal
 *   `client_id`, as RFC 9068 section 2.2 has it.
 * - `sub_type: "user"`: `user`.
 * - no `sub_type` (another issuer, or a token minted before the mark existed): `client` when `sub` is
 *   missing or equals `client_id`, else `user`. An unmarked token whose user has the client's name is
 *   taken for the client's — the safe side: an API that acts for users refuses it rather than acting for
 *   a user the client may have named itself after (RFC 9068 section 5).
 * - any other `sub_type`: `undefined`.
 */
export function subjectTypeOfClaims(claims: Readonly<Record<string, unknown>>): SubjectType | undefined {
  const marked = claims[SUBJECT_TYPE_CLAIM]
  const sameAsClient = claims.sub === undefined || claims.sub === claims.client_id
  if (marked === 'client') return sameAsClient && claims.sub !== undefined ? 'client' : undefined
  if (marked === 'user') return 'user'
  if (marked !== undefined) return undefined
  return sameAsClient ? 'client' : 'user'
}

/** Whose token a stored access token is: the client's when no user authorized it. */
function subjectTypeOfRecord(record: AccessToken): SubjectType {
  return record.userId === undefined || record.context?.subjectType === 'client' ? 'client' : 'user'
}

function keyGetter(jwks: NonNullable<VerifyOptions['jwks']>): JWTVerifyGetKey {
  if (jwks instanceof URL) return createRemoteJWKSet(jwks)
  if (typeof jwks === 'function') return jwks
  return createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0])
}

/**
 * Checks one access token (a convenience over {@link createTokenVerifier}; build the verifier once when
 * checking many).
 */
export function verifyAccessToken(
  token: string,
  options: VerifyOptions & { readonly requiredScopes?: readonly string[] },
): Promise<VerifiedToken> {
  return createTokenVerifier(options)(token, options.requiredScopes)
}
