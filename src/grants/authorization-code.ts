import { checkCodeChallenge, checkCodeVerifier, type PkceOptions } from '../checks/pkce.ts'
import { InvalidGrant, InvalidRequest } from '../errors.ts'
import { hashToken } from '../tokens/hash.ts'
import { isPublicClient, type AuthorizationCode, type GrantContext } from '../types.ts'
import { OPENID } from '../oidc/types.ts'
import type { SiteAdapter } from '../web/site-adapter.ts'
import { boundResources } from './resource-binding.ts'
import type { Scope } from '../checks/scope.ts'
import type {
  AuthorizeRequestContext,
  Grant,
  GrantRegistry,
  PendingAuthorization,
  ScopeGrantOptions,
  TokenRequestContext,
  TokenResponseBody,
} from './types.ts'

/** Options of {@link AuthorizationCodeGrant}. */
export interface AuthorizationCodeGrantOptions<Env = unknown> extends ScopeGrantOptions {
  /** PKCE policy (RFC 7636). Public clients always need PKCE; S256 only unless `allowPlain`. */
  readonly pkce?: PkceOptions
  /** A site adapter for this grant only, overriding the controller's. */
  readonly siteAdapter?: SiteAdapter<Env>
}

/**
 * The Authorization Code Grant (RFC 6749 section 4.1) with PKCE (RFC 7636): `response_type=code` at the
 * authorization endpoint and `grant_type=authorization_code` at the token endpoint. Three-legged.
 *
 * A code is bound to its client, its redirect URI and its PKCE challenge, lives at most the controller's
 * `authorizationCodeLifetime` (≤ 10 minutes), and is single-use: a second redemption fails with
 * `invalid_grant` and revokes every token issued from the code (RFC 6749 section 4.1.2).
 *
 * @example
 * ```ts
 * import { AuthorizationCodeGrant } from 'oauth2-stack/grant'
 *
 * controller.addGrant(new AuthorizationCodeGrant({ pkce: { requireForAllClients: true } }))
 * ```
 */
export class AuthorizationCodeGrant<Env = unknown> implements Grant<Env> {
  readonly #pkce: PkceOptions
  readonly #scope: Scope | undefined
  readonly #siteAdapter: SiteAdapter<Env> | undefined

  constructor(options: AuthorizationCodeGrantOptions<Env> = {}) {
    this.#pkce = options.pkce ?? {}
    this.#scope = options.scope
    this.#siteAdapter = options.siteAdapter
  }

  register(registry: GrantRegistry<Env>): void {
    registry.addAuthorizeHandler({
      responseType: 'code',
      responseMode: 'query',
      siteAdapter: this.#siteAdapter,
      codeChallengeMethods: this.#pkce.allowPlain === true ? ['S256', 'plain'] : ['S256'],
      validate: (context) => this.#validate(context),
    })
    registry.addTokenHandler({
      grantType: 'authorization_code',
      allowsPublicClients: true,
      handle: (context) => this.#redeem(context),
    })
  }

  async #validate(context: AuthorizeRequestContext<Env>): Promise<PendingAuthorization> {
    const { client, services } = context
    const scopes = (this.#scope ?? services.scope).parse(context.param('scope'), client.scopes)
    // RFC 9700 section 2.1.1: public clients MUST use PKCE; it can be required of every client.
    const required = isPublicClient(client) || client.requirePkce || this.#pkce.requireForAllClients === true
    const pkce = checkCodeChallenge(context.param('code_challenge'), context.param('code_challenge_method'), required, this.#pkce)
    // OpenID Connect Core 1.0 section 3.1.2.1: the nonce is kept with the code and echoed in the ID token.
    const nonce = scopes.includes(OPENID) ? context.param('nonce') : undefined
    // RFC 8707 section 2: the requested resources (or the default) are checked and bound to the code.
    const resources = services.resources.authorize(client, context.paramValues('resource'))
    return {
      scopes,
      issue: async (user) => {
        const now = services.now()
        const code = await services.tokenGenerator.generate({
          kind: 'authorization_code',
          grantType: 'authorization_code',
          clientId: client.clientId,
          userId: user.userId,
          scopes,
          issuedAt: now,
          expiresAt: now + services.authorizationCodeLifetime,
        })
        const record: AuthorizationCode = {
          codeHash: hashToken(code),
          clientId: client.clientId,
          redirectUri: context.redirectUriParameter,
          effectiveRedirectUri: context.redirectUri,
          scopes,
          userId: user.userId,
          data: user.data,
          codeChallenge: pkce.codeChallenge,
          codeChallengeMethod: pkce.codeChallengeMethod,
          familyId: services.newId(),
          issuedAt: now,
          expiresAt: now + services.authorizationCodeLifetime,
          // auth_time, sid and the remembered consent's grant id (for the ID token, logout and revocation),
          // the nonce, and the resources the grant is bound to (RFC 8707).
          context: codeContext(user.context, nonce, scopes.includes(OPENID) ? now : undefined, resources),
        }
        await services.authCodeStore.saveCode(record)
        return { code }
      },
    }
  }

  async #redeem(context: TokenRequestContext<Env>): Promise<TokenResponseBody> {
    const { request, client, services } = context
    const code = request.postParam('code')
    if (code === undefined || code.length === 0) throw new InvalidRequest('The code parameter is missing.')
    const codeHash = hashToken(code)
    // Check the code's bindings before consuming it, so a request that cannot redeem the code (another
    // client, another redirect URI, no or a wrong PKCE verifier) cannot burn it either.
    const peek = await services.authCodeStore.fetchByCode(codeHash)
    if (peek !== undefined) {
      checkBindings(peek, context)
      boundResources(peek.context, request) // an invalid_target must not burn the code either
    }
    const consumption = await services.authCodeStore.consumeCode(codeHash, services.now())
    if (consumption === undefined) throw new InvalidGrant('The authorization code is invalid or expired.')
    const record = consumption.code
    if (consumption.outcome === 'reused') {
      // RFC 6749 section 4.1.2: a code used twice is refused and the tokens issued from it SHOULD be
      // revoked. Only a request that could have redeemed it (same client, redirect URI and verifier) may
      // trigger that, so someone holding just the code cannot revoke the rightful client's tokens.
      checkBindings(record, context)
      await services.accessTokenStore.revokeFamily(record.familyId)
      services.emit(request, { type: 'code.reused', clientId: client.clientId, userId: record.userId })
      throw new InvalidGrant('The authorization code was already used; the tokens issued from it are revoked.')
    }
    checkBindings(record, context)
    const { nonce, ...grant } = record.context ?? {}
    const body = await services.issueTokens({
      client,
      grantType: 'authorization_code',
      userId: record.userId,
      data: record.data,
      scopes: record.scopes,
      withRefreshToken: true,
      familyId: record.familyId,
      request,
      ...(record.context === undefined ? {} : { context: { subjectType: 'user', ...grant } }),
      ...boundResources(record.context, request),
    })
    // OpenID Connect Core 1.0 section 3.1.3.3: the ID token comes with the tokens when openid was granted.
    const idToken = services.extensions?.idTokens?.mint({
      client,
      userId: record.userId,
      scopes: record.scopes,
      accessToken: body.access_token,
      issuedAt: services.now(),
      context: record.context,
      authorizedAt: record.issuedAt,
      withNonce: nonce !== undefined,
    })
    return idToken === undefined ? body : { ...body, id_token: await idToken }
  }
}

/**
 * The code's grant context: what the authorization carried (auth_time, sid, the remembered consent's grant
 * id), the `nonce` (OpenID Connect Core section 3.1.2.1), the login time — the code's issue time when the
 * site adapter told none, for an `openid` request — and the resources (RFC 8707 section 2).
 */
function codeContext(
  user: GrantContext | undefined,
  nonce: string | undefined,
  issuedAt: number | undefined,
  resources: readonly string[] | undefined,
): GrantContext | undefined {
  const context: { -readonly [K in keyof GrantContext]: GrantContext[K] } = { ...user }
  const time = user?.authTime ?? issuedAt
  if (time !== undefined) context.authTime = time
  if (nonce !== undefined) context.nonce = nonce
  if (resources !== undefined) context.resources = resources
  return Object.keys(context).length === 0 ? undefined : context
}

/**
 * RFC 6749 section 4.1.3 and RFC 7636 section 4.6: the code must have been issued to this client, the
 * redirect URI must match, and the PKCE verifier must fit the challenge. Throws `InvalidGrant`.
 */
function checkBindings<Env>(record: AuthorizationCode, context: TokenRequestContext<Env>): void {
  const { request, client } = context
  if (record.clientId !== client.clientId) throw new InvalidGrant('The authorization code was issued to another client.')
  const redirectUri = request.postParam('redirect_uri')
  if (record.redirectUri !== undefined && redirectUri === undefined) {
    throw new InvalidGrant('The redirect_uri parameter is required for this code.')
  }
  // Identical when it was sent to the authorization endpoint; when it was not, a client may still send
  // the URI the code was delivered to (many clients always send it).
  if (redirectUri !== undefined && redirectUri !== (record.redirectUri ?? record.effectiveRedirectUri)) {
    throw new InvalidGrant('The redirect_uri does not match the authorization request.')
  }
  checkCodeVerifier(request.postParam('code_verifier'), record)
}
