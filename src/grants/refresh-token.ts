import { ConfigurationError, InvalidGrant, InvalidRequest, InvalidScope } from '../errors.ts'
import { DEFAULT_CONCURRENT_REFRESHES, MAX_CONCURRENT_REFRESHES } from '../stores/family.ts'
import { hashToken } from '../tokens/hash.ts'
import { parseScopeParameter } from '../checks/scope.ts'
import type { RefreshToken as RefreshTokenRecord } from '../types.ts'
import type { Grant, GrantRegistry, TokenRequestContext, TokenResponseBody } from './types.ts'
import { boundResources } from './resource-binding.ts'

/** Options of {@link RefreshToken}. */
export interface RefreshTokenOptions {
  /**
   * Refresh-token lifetime in seconds, e.g. 2592000 (30 days). This is the lifetime of the whole family:
   * rotation hands out new tokens but never extends it. (In python-oauth2 0.4.0 this argument set the
   * access-token lifetime; access-token lifetimes belong to the token generator here.)
   */
  readonly expiresIn: number
  /**
   * Concurrent refresh: seconds after a rotation during which the same client may present the
   * rotated-out token again and get a *sibling* successor (with its own access token) instead of tripping
   * reuse detection — for clients that refresh one token from several requests at once (MCP clients) or
   * lost a response. Up to {@link RefreshTokenOptions.concurrentRefreshes} successors in all; the first
   * sibling used wins and makes the others invalid (their access tokens are deleted); any later use of
   * another sibling, of the original beyond the cap or the window, or after a sibling was used, is reuse
   * and revokes the family. Siblings keep the family's absolute expiry. Off (0) by default; at most 300.
   *
   * The trade-off (RFC 9700 section 4.14.2): within the window, a thief replaying a stolen, just-rotated
   * token (with the client's credentials, for a confidential client) gets a live sibling instead of being
   * detected at once. Whoever uses a sibling first wins: if the thief does, the real client's next refresh
   * is reuse and revokes the family (then the thief's tokens too); if the real client does, the thief's
   * next refresh is reuse. Either way the theft is detected at the second use, not at the replay, and the
   * thief's access token lives until then. Keep the window as short as the clients' concurrency needs
   * (a few seconds to a minute). Atomic on the memory, SQL and Redis stores; best effort on memcached
   * (see `docs/refresh-tokens.md`).
   */
  readonly graceSeconds?: number
  /**
   * With `graceSeconds`: how many successors one refresh token may have in all, the first rotation
   * included — so this many concurrent refreshes of one token succeed, and one more is reuse. Default 10;
   * from 1 (no sibling: a second presentation is reuse, as without `graceSeconds`) to 100. Ignored without `graceSeconds`.
   */
  readonly concurrentRefreshes?: number
}

const MAX_GRACE_SECONDS = 300

/**
 * Refresh tokens (RFC 6749 section 6): adding this grant makes the authorization code and password grants
 * issue refresh tokens, and serves `grant_type=refresh_token`.
 *
 * Every use rotates the refresh token. A rotated-out token presented again means it leaked: the whole
 * family is revoked (RFC 9700 section 4.14.2). A refresh token is bound to its client, and a refresh may
 * narrow the scope but never widen it.
 *
 * @example
 * ```ts
 * import { RefreshToken } from 'oauth2-stack/grant'
 *
 * controller.addGrant(new RefreshToken({ expiresIn: 2592000 }))
 * ```
 */
export class RefreshToken<Env = unknown> implements Grant<Env> {
  readonly #expiresIn: number
  readonly #graceSeconds: number
  readonly #concurrentRefreshes: number

  constructor(options: RefreshTokenOptions) {
    if (!Number.isSafeInteger(options.expiresIn) || options.expiresIn <= 0) {
      throw new ConfigurationError('RefreshToken: expiresIn must be a positive whole number of seconds')
    }
    const grace = options.graceSeconds ?? 0
    if (!Number.isSafeInteger(grace) || grace < 0 || grace > MAX_GRACE_SECONDS) {
      throw new ConfigurationError(`RefreshToken: graceSeconds must be a whole number from 0 to ${MAX_GRACE_SECONDS}`)
    }
    const concurrent = options.concurrentRefreshes ?? DEFAULT_CONCURRENT_REFRESHES
    if (!Number.isSafeInteger(concurrent) || concurrent < 1 || concurrent > MAX_CONCURRENT_REFRESHES) {
      throw new ConfigurationError(`RefreshToken: concurrentRefreshes must be a whole number from 1 to ${MAX_CONCURRENT_REFRESHES}`)
    }
    this.#expiresIn = options.expiresIn
    this.#graceSeconds = grace
    this.#concurrentRefreshes = concurrent
  }

  register(registry: GrantRegistry<Env>): void {
    registry.enableRefreshTokens({
      expiresIn: this.#expiresIn,
      graceSeconds: this.#graceSeconds,
      concurrentRefreshes: this.#concurrentRefreshes,
    })
    registry.addTokenHandler({
      grantType: 'refresh_token',
      allowsPublicClients: true,
      handle: (context) => this.#handle(context),
    })
  }

  /**
   * OpenID Connect Core 1.0 section 12.2: a refresh of an `openid` grant returns a new ID token for the
   * same user, client and `auth_time`, without a `nonce`.
   */
  async #withIdToken(
    body: TokenResponseBody,
    current: RefreshTokenRecord,
    scopes: readonly string[],
    { client, services }: TokenRequestContext<Env>,
  ): Promise<TokenResponseBody> {
    const idToken =
      current.userId === undefined
        ? undefined
        : services.extensions?.idTokens?.mint({
            client,
            userId: current.userId,
            scopes,
            accessToken: body.access_token,
            issuedAt: services.now(),
            context: current.context,
            authorizedAt: current.context?.authTime ?? current.issuedAt,
            withNonce: false,
          })
    return idToken === undefined ? body : { ...body, id_token: await idToken }
  }

  async #handle(context: TokenRequestContext<Env>): Promise<TokenResponseBody> {
    const { request, client, services } = context
    const presented = request.postParam('refresh_token')
    if (presented === undefined || presented.length === 0) throw new InvalidRequest('The refresh_token parameter is missing.')
    const presentedHash = hashToken(presented)
    const current = await services.accessTokenStore.fetchByRefreshToken(presentedHash)
    // RFC 6749 section 6: the refresh token must have been issued to the authenticated client.
    if (current === undefined || current.clientId !== client.clientId) {
      throw new InvalidGrant('The refresh token is invalid, expired or revoked.')
    }
    const scopeParameter = request.postParam('scope')
    const scopes = scopeParameter === undefined ? current.scopes : parseScopeParameter(scopeParameter)
    // RFC 6749 section 6: the requested scope MUST NOT include any scope not originally granted.
    for (const name of scopes) {
      if (!current.scopes.includes(name)) throw new InvalidScope(`The scope ${name} was not granted to this refresh token.`)
    }
    const minted = await services.mintTokens({
      client,
      grantType: 'refresh_token',
      userId: current.userId,
      data: current.data,
      scopes,
      withRefreshToken: true,
      familyId: current.familyId,
      refreshScopes: current.scopes,
      refreshExpiresAt: current.expiresAt,
      // The login session and its time stay with every token of the family (logout, auth_time).
      ...(current.context === undefined ? {} : { context: current.context }),
      // RFC 8707 section 2.2: `resource` narrows this access token's audience; the family keeps its set.
      ...boundResources(current.context, request),
    })
    if (minted.refreshToken === undefined) throw new ConfigurationError('refresh tokens are not enabled')
    const outcome = await services.accessTokenStore.rotateRefreshToken({
      presentedHash,
      clientId: client.clientId,
      now: services.now(),
      graceSeconds: services.refreshPolicy?.graceSeconds ?? 0,
      concurrentRefreshes: services.refreshPolicy?.concurrentRefreshes,
      accessToken: minted.accessToken,
      refreshToken: minted.refreshToken,
    })
    switch (outcome) {
      case 'rotated':
      case 'grace':
        services.emit(request, { type: 'token.refreshed', clientId: client.clientId, userId: current.userId, scopes, outcome })
        return this.#withIdToken(minted.body, current, scopes, context)
      case 'reused':
        services.emit(request, { type: 'refresh.reused', clientId: client.clientId, userId: current.userId })
        throw new InvalidGrant('The refresh token was already used; every token of its grant is revoked.')
      case 'invalid':
        throw new InvalidGrant('The refresh token is invalid, expired or revoked.')
    }
  }
}
