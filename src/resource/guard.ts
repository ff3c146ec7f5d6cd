import { NO_STORE_HEADERS, Response } from '../web/response.ts'
import { BearerError } from './errors.ts'
import { ConfigurationError } from '../errors.ts'
import { canonicalResourceUri, protectedResourceMetadataUrl } from '../checks/resource-uri.ts'
import { createTokenVerifier, type VerifiedToken, type VerifyOptions } from './verify.ts'

/** Options of a bearer-token guard. */
export interface BearerGuardOptions extends VerifyOptions {
  /** The `realm` of `WWW-Authenticate` challenges. Default: the issuer. */
  readonly realm?: string
  /**
   * Accept `access_token` in the query string (RFC 6750 section 2.3). Off by default: such tokens end up
   * in logs and Referer headers, and the RFC says SHOULD NOT; with it off a query token is refused.
   */
  readonly allowQueryToken?: boolean
  /**
   * The URL of this resource's protected resource metadata (RFC 9728), sent as `resource_metadata` in
   * every 401 and 403 challenge (RFC 9728 section 5.1) so clients find the authorization server. Default:
   * the well-known URL of {@link VerifyOptions.resource} (`protectedResourceMetadataUrl`), where
   * `protectedResourceMetadata` serves it; `false` sends none.
   */
  readonly resourceMetadata?: string | false
}

/** What a guard needs from a request: the Authorization header and the raw query string. */
export interface BearerInput {
  readonly authorization: string | undefined
  readonly query: string | undefined
}

/** The outcome of a guard: the verified token, or the 400/401/403 response to send. */
export type GuardResult = { readonly ok: true; readonly token: VerifiedToken } | { readonly ok: false; readonly response: Response }

/** A guard: checks a request's bearer token, optionally for scopes. */
export type BearerGuard = (input: BearerInput, requiredScopes?: readonly string[]) => Promise<GuardResult>

// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * Makes the framework-free guard every middleware wraps: reads the token (RFC 6750 section 2), verifies
 * it, checks scopes, and otherwise builds the RFC 6750 section 3 answer — 401 with
 * `WWW-Authenticate: Bearer realm=…, error="invalid_token"`, 403 `insufficient_scope` with the scope
 * needed, 400 `invalid_request` for malformed or doubled credentials, and a bare 401 challenge when no
 * token was sent.
 */
export function createBearerGuard(options: BearerGuardOptions): BearerGuard {
  const verify = createTokenVerifier(options)
  const realm = (options.realm ?? options.issuer).replace(/["\\]/g, '')
  const metadata = metadataUrlOf(options)
  // Built once: realm and resource_metadata start every challenge.
  const prefix = metadata === undefined ? `realm="${realm}"` : `realm="${realm}", resource_metadata="${metadata}"`
  return async (input, requiredScopes) => {
    try {
      const token = extractToken(input, options.allowQueryToken === true)
      return { ok: true, token: await verify(token, requiredScopes) }
    } catch (error) {
      if (error instanceof BearerError) return { ok: false, response: challenge(error, prefix, requiredScopes) }
      throw error
    }
  }
}

/** The `resource_metadata` URL of a guard, checked at start-up. */
function metadataUrlOf(options: BearerGuardOptions): string | undefined {
  const given = options.resourceMetadata
  if (given === false) return undefined
  if (given !== undefined) {
    if (!URL.canParse(given) || /["\\\s]/.test(given)) throw new ConfigurationError('resourceMetadata must be a URL')
    return given
  }
  const resource = options.resource === undefined ? undefined : canonicalResourceUri(options.resource)
  return resource !== undefined && /^https?:/.test(resource) ? protectedResourceMetadataUrl(resource) : undefined
}

function extractToken(input: BearerInput, allowQuery: boolean): string {
  const header = input.authorization
  const queryToken =
    input.query === undefined || !input.query.includes('access_token') ? undefined : new URLSearchParams(input.query).getAll('access_token')
  if (queryToken !== undefined && queryToken.length > 0) {
    if (!allowQuery) throw new BearerError('invalid_request', 'Access tokens are not accepted in the query string.')
    // RFC 6750 section 2: a client MUST NOT use more than one method to transmit the token.
    if (header !== undefined || queryToken.length > 1) throw new BearerError('invalid_request', 'Send the access token once.')
    const token = queryToken[0] ?? ''
    if (!B64TOKEN.test(token)) throw new BearerError('invalid_request', 'Malformed access token.')
    return token
  }
  if (header === undefined) throw new BearerError(undefined, 'An access token is required.')
  const space = header.indexOf(' ')
  if (space === -1 || header.slice(0, space).toLowerCase() !== 'bearer') throw new BearerError(undefined, 'An access token is required.')
  const token = header.slice(space + 1).trim()
  if (!B64TOKEN.test(token)) throw new BearerError('invalid_request', 'Malformed Authorization header.')
  return token
}

/**
 * The RFC 6750 section 3 challenge, with RFC 9728 section 5.1's `resource_metadata` and the scope the
 * request needs (RFC 6750 section 3: `scope` on a 401 too, so a client knows what to ask for).
 */
function challenge(error: BearerError, prefix: string, requiredScopes: readonly string[] | undefined): Response {
  const parts = [prefix]
  if (error.error !== undefined) parts.push(`error="${error.error}"`, `error_description="${error.description}"`)
  const scope = error.scope ?? (requiredScopes !== undefined && requiredScopes.length > 0 ? requiredScopes.join(' ') : undefined)
  if (scope !== undefined && error.error !== 'invalid_request') parts.push(`scope="${scope}"`)
  const headers = { ...NO_STORE_HEADERS, 'www-authenticate': `Bearer ${parts.join(', ')}` }
  if (error.error === undefined) return new Response(401, headers, '')
  return Response.json(error.status, { error: error.error, error_description: error.description }, headers)
}
