import type { AnyOAuthError } from '../errors.ts'
import { toOAuthError } from '../web/error-response.ts'
import { hashToken } from '../tokens/hash.ts'
import type { AccessTokenStore, ClientStore } from '../stores/types.ts'
import type { Request } from '../web/request.ts'
import { Response } from '../web/response.ts'
import type { ClaimRules } from './claims.ts'
import { OPENID, type ClaimsHook } from './types.ts'
import { allowCors, corsPreflight } from './cors.ts'

/** What the userinfo endpoint is configured with: the claims hook and the claim rules. */
export interface UserinfoConfig {
  readonly claims: ClaimsHook
  readonly rules: ClaimRules
}

/** What the userinfo endpoint reads per request: the controller's stores, clock and issuer (its services). */
export interface UserinfoServices {
  readonly accessTokenStore: AccessTokenStore
  readonly clientStore: ClientStore
  now(): number
  /** The issuer, the `realm` of `WWW-Authenticate` (RFC 6750 section 3). */
  readonly issuer: string
  /** Hands a failure (a store or the claims hook) to the controller's `onError` hook. */
  reportError(error: AnyOAuthError, request: Request): void
}

/**
 * The UserInfo endpoint (OpenID Connect Core 1.0 section 5.3): GET or POST with a bearer access token
 * (RFC 6750) whose grant included `openid`, whatever its audience; answers the user's claims that the
 * token's scopes cover, with the same `sub` as the ID token. A client's own token (client credentials) has
 * no user and is refused. Errors are RFC 6750 section 3 challenges. Never rejects.
 */
export function userinfoEndpoint(config: UserinfoConfig): (request: Request, services: UserinfoServices) => Promise<Response> {
  let realm: string | undefined
  const challenge = (status: number, error?: string, description?: string, scope?: string): Response => {
    let value = `Bearer realm="${realm}"`
    if (error !== undefined) value += `, error="${error}"`
    if (description !== undefined) value += `, error_description="${description}"`
    if (scope !== undefined) value += `, scope="${scope}"`
    const body = error === undefined ? {} : { error, ...(description === undefined ? {} : { error_description: description }) }
    return Response.json(status, body, { 'www-authenticate': value })
  }
  const answer = async (request: Request, services: UserinfoServices): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'POST') {
      const response = Response.json(405, { error: 'invalid_request', error_description: 'Use GET or POST.' })
      response.headers.allow = 'GET, POST'
      return response
    }
    const presented = bearerToken(request)
    // RFC 6750 section 3.1: a request without any token gets a challenge without an error code.
    if (presented === undefined) return challenge(401)
    if (presented === null) return challenge(400, 'invalid_request', 'Send the access token in exactly one way.')
    const token = await services.accessTokenStore.fetchByToken(hashToken(presented))
    if (token === undefined || token.expiresAt <= services.now())
      return challenge(401, 'invalid_token', 'The access token is invalid or expired.')
    if (token.userId === undefined || token.context?.subjectType === 'client') {
      return challenge(401, 'invalid_token', 'The access token has no user.')
    }
    if (!token.scopes.includes(OPENID)) return challenge(403, 'insufficient_scope', 'The openid scope was not granted.', OPENID)
    const client = await services.clientStore.fetchByClientId(token.clientId)
    const claims = client === undefined ? undefined : await config.claims(token.userId, token.scopes, client)
    if (client === undefined || claims === undefined) return challenge(401, 'invalid_token', 'The access token has no user.')
    const response = Response.json(200, config.rules.release(claims, token.scopes, token.userId))
    allowCors(request, response, client)
    return response
  }
  return async (request, services) => {
    if (request.method === 'OPTIONS') return corsPreflight(request, 'GET, POST')
    realm ??= services.issuer.replaceAll('"', '')
    try {
      return await answer(request, services)
    } catch (error) {
      // A store or hook failure: 503 for an unavailable store, else the RFC's server error; never a trace.
      const failure = toOAuthError(error)
      services.reportError(failure, request)
      return Response.json(failure.status, { error: failure.error })
    }
  }
}

/**
 * The bearer token of a request (RFC 6750 section 2.1 header, or section 2.2 form body on POST);
 * `undefined` when there is none, `null` when there are several.
 */
function bearerToken(request: Request): string | null | undefined {
  const header = request.header('authorization')
  const fromHeader = header !== undefined && /^bearer +/i.test(header) ? header.replace(/^bearer +/i, '').trim() : undefined
  const fromBody =
    request.method === 'POST' && request.contentType === 'application/x-www-form-urlencoded' ? request.postParam('access_token') : undefined
  if (fromHeader !== undefined && fromBody !== undefined) return null
  const token = fromHeader ?? fromBody
  return token === undefined || token.length === 0 ? undefined : token
}
