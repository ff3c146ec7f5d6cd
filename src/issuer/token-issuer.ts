import { sha256Base64url } from '../internal/crypto.ts'
import { InvalidGrant } from '../errors.ts'
import { formatScope } from '../checks/scope.ts'
import type { MintedTokens, RefreshPolicy, TokenResponseBody, TokenSubject } from './types.ts'
import type { AccessTokenStore } from '../stores/types.ts'
import { hashToken } from '../tokens/hash.ts'
import type { TokenContext, TokenGenerator } from '../tokens/types.ts'
import type { AccessToken, GrantContext, RefreshToken } from '../types.ts'
import { randomId } from '../internal/random-id.ts'
import type { Sealer } from '../internal/sealer.ts'

/** What the issuer needs from the controller. */
export interface TokenIssuerConfig {
  readonly tokenGenerator: TokenGenerator
  readonly accessTokenStore: AccessTokenStore
  readonly accessTokenLifetime: number
  readonly now: () => number
  readonly refreshPolicy: () => RefreshPolicy | undefined
  /** Set with the `uniqueToken` option. */
  readonly sealer: Sealer | undefined
  /**
   * Called once the store agreed to keep new tokens (e.g. the `token.issued` audit event), inside
   * {@link TokenIssuer.issue}: no wrapper, no extra promise per request.
   */
  readonly issued?: ((subject: TokenSubject, body: TokenResponseBody) => void) | undefined
}

// Whose tokens they are (RFC 9068 section 5): no user means the client's own.
const CONTEXTS: Readonly<Record<'user' | 'client', GrantContext>> = {
  user: Object.freeze({ subjectType: 'user' }),
  client: Object.freeze({ subjectType: 'client' }),
}

/** An existing token is handed out again only while it has at least this many seconds left. */
const UNIQUE_MIN_REMAINING = 60

/** Makes token values and records, and stores them. One per controller. */
export class TokenIssuer {
  readonly #config: TokenIssuerConfig

  constructor(config: TokenIssuerConfig) {
    this.#config = config
  }

  /** A random id for a token family. */
  newId(): string {
    return randomId(16)
  }

  /** Makes the tokens of a grant and their records (not yet stored). */
  async mint(subject: TokenSubject): Promise<MintedTokens> {
    return this.#mint(subject)
  }

  /**
   * {@link mint}, without a promise when the generator is synchronous (the default one is): one fewer
   * asynchronous hop per token request. The access token is made first, the refresh token after it.
   */
  #mint(subject: TokenSubject): MintedTokens | Promise<MintedTokens> {
    const { tokenGenerator, accessTokenLifetime, now } = this.#config
    const issuedAt = now()
    const expiresIn = tokenGenerator.expiresIn(subject.grantType) ?? accessTokenLifetime
    const policy = subject.withRefreshToken ? this.#config.refreshPolicy() : undefined
    const refreshExpiresAt = policy === undefined ? issuedAt : (subject.refreshExpiresAt ?? issuedAt + policy.expiresIn)
    const withRefresh = (access: string): MintedTokens | Promise<MintedTokens> => {
      const refresh = policy === undefined ? undefined : generate(tokenGenerator, subject, 'refresh_token', issuedAt, refreshExpiresAt)
      return typeof refresh === 'object'
        ? refresh.then((value) => this.#records(subject, policy, issuedAt, expiresIn, refreshExpiresAt, access, value))
        : this.#records(subject, policy, issuedAt, expiresIn, refreshExpiresAt, access, refresh)
    }
    const access = generate(tokenGenerator, subject, 'access_token', issuedAt, issuedAt + expiresIn)
    return typeof access === 'string' ? withRefresh(access) : access.then(withRefresh)
  }

  #records(
    subject: TokenSubject,
    policy: RefreshPolicy | undefined,
    issuedAt: number,
    expiresIn: number,
    refreshExpiresAt: number,
    access: string,
    refresh: string | undefined,
  ): MintedTokens {
    const { sealer } = this.#config
    const familyId = subject.familyId ?? (refresh === undefined ? undefined : this.newId())
    const accessTokenHash = hashToken(access)
    const refreshToken: RefreshToken | undefined =
      refresh === undefined || policy === undefined
        ? undefined
        : {
            tokenHash: hashToken(refresh),
            clientId: subject.client.clientId,
            userId: subject.userId,
            data: subject.data,
            scopes: subject.refreshScopes ?? subject.scopes,
            familyId: familyId ?? this.newId(),
            issuedAt,
            expiresAt: refreshExpiresAt,
            rotatedAt: undefined,
            graceUsed: false,
            successorHash: undefined,
            accessTokenHash,
            context: contextOf(subject, subject.refreshResources ?? subject.resources),
          }
    const uniqueKey = sealer === undefined ? undefined : uniqueKeyOf(subject)
    const accessToken: AccessToken = {
      tokenHash: accessTokenHash,
      clientId: subject.client.clientId,
      grantType: subject.grantType,
      userId: subject.userId,
      data: subject.data,
      scopes: subject.scopes,
      familyId,
      issuedAt,
      expiresAt: issuedAt + expiresIn,
      sealed: sealer?.seal(JSON.stringify(refresh === undefined ? [access] : [access, refresh])),
      uniqueKey,
      refreshTokenHash: uniqueKey === undefined ? undefined : refreshToken?.tokenHash,
      context: contextOf(subject, subject.resources),
    }
    return { accessToken, refreshToken, body: responseBody(access, expiresIn, refresh, subject.scopes) }
  }

  async issue(subject: TokenSubject): Promise<TokenResponseBody> {
    // Tokens from a code are never handed out again: a replayed code must be able to revoke exactly the
    // tokens it issued (RFC 6749 section 4.1.2), so they belong to the code's family alone.
    const reusable = this.#config.sealer !== undefined && subject.familyId === undefined
    const existing = reusable ? await this.#existing(subject) : undefined
    if (existing !== undefined) return existing
    const minting = this.#mint(subject)
    const minted = minting instanceof Promise ? await minting : minting
    const saved = await this.#config.accessTokenStore.saveToken(minted.accessToken, minted.refreshToken)
    if (!saved) throw new InvalidGrant('The grant was revoked.')
    this.#config.issued?.(subject, minted.body)
    return minted.body
  }

  /** With `uniqueToken`: the still-valid token this client already holds for this user and scope. */
  async #existing(subject: TokenSubject): Promise<TokenResponseBody | undefined> {
    const { accessTokenStore, sealer, now } = this.#config
    if (sealer === undefined) return undefined
    const token = await accessTokenStore.fetchExistingToken(uniqueKeyOf(subject))
    const remaining = token === undefined ? 0 : token.expiresAt - now()
    if (token?.sealed === undefined || remaining < UNIQUE_MIN_REMAINING) return undefined
    const opened = sealer.open(token.sealed)
    if (opened === undefined) return undefined
    const [access, refresh] = JSON.parse(opened) as [string, string | undefined]
    const wantsRefresh = subject.withRefreshToken && this.#config.refreshPolicy() !== undefined
    if (wantsRefresh !== (refresh !== undefined)) return undefined
    if (refresh !== undefined && token.refreshTokenHash !== undefined) {
      // Hand a refresh token back only while it is still the current one of its family.
      const current = await accessTokenStore.fetchByRefreshToken(token.refreshTokenHash)
      if (current === undefined || current.rotatedAt !== undefined) return undefined
    }
    return responseBody(access, remaining, refresh, token.scopes)
  }
}

/** One token from the generator; a synchronous generator's value is used as it is (no promise per token). */
function generate(
  generator: TokenGenerator,
  subject: TokenSubject,
  kind: TokenContext['kind'],
  issuedAt: number,
  expiresAt: number,
): string | Promise<string> {
  return generator.generate({
    kind,
    grantType: subject.grantType,
    clientId: subject.client.clientId,
    userId: subject.userId,
    scopes: subject.scopes,
    issuedAt,
    expiresAt,
    audience: kind === 'access_token' ? subject.resources : undefined,
  })
}

/** A token's context: whose it is, and its resources (RFC 8707) when it has some. */
function contextOf(subject: TokenSubject, resources: readonly string[] | undefined): GrantContext {
  // The grant's own context (login time and session) when it has one, else only whose tokens they are.
  const shared = subject.context ?? CONTEXTS[subject.userId === undefined ? 'client' : 'user']
  return resources === undefined ? shared : { ...shared, resources }
}

function uniqueKeyOf(subject: TokenSubject): string {
  // The audience is part of the key: a token for one resource is never handed out for another (RFC 8707).
  const audience = subject.resources === undefined ? '' : `\0${[...subject.resources].sort().join(' ')}`
  return sha256Base64url(`${subject.client.clientId}\0${subject.userId ?? ''}\0${[...subject.scopes].sort().join(' ')}${audience}`)
}

function responseBody(access: string, expiresIn: number, refresh: string | undefined, scopes: readonly string[]): TokenResponseBody {
  const scope = formatScope(scopes)
  // RFC 6749 section 5.1; token_type Bearer per RFC 6750.
  const body: { -readonly [K in keyof TokenResponseBody]: TokenResponseBody[K] } = {
    access_token: access,
    token_type: 'Bearer',
    expires_in: expiresIn,
  }
  if (refresh !== undefined) body.refresh_token = refresh
  if (scope !== undefined) body.scope = scope
  return body
}
