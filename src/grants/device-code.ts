import { allows } from '../checks/allows.ts'
import { answerClientEndpoint, type ClientEndpointHandler, type ClientRequest } from '../client-auth/client-endpoint.ts'
import {
  AccessDenied,
  AuthorizationPending,
  ConfigurationError,
  ExpiredToken,
  InvalidGrant,
  InvalidRequest,
  ServerError,
  SlowDown,
  TooManyRequests,
  UnauthorizedClient,
} from '../errors.ts'
import { randomBase64url } from '../internal/crypto.ts'
import type { DeviceCodeStore } from '../stores/device-code-store.ts'
import { RecordDeviceCodeStore } from '../stores/record-device-code-store.ts'
import { hashToken } from '../tokens/hash.ts'
import { Response } from '../web/response.ts'
import type { SiteAdapter } from '../web/site-adapter.ts'
import { DeviceVerification } from './device-verification.ts'
import { valuesOf } from '../internal/params.ts'
import { boundResources, resourceContext } from './resource-binding.ts'
import type { Scope } from '../checks/scope.ts'
import type { Grant, GrantRegistry, GrantServices, ScopeGrantOptions, TokenRequestContext, TokenResponseBody } from './types.ts'
import { checkUserCodeFormat, formatUserCode, generateUserCode, USER_CODE_ALPHABET } from './user-code.ts'

/** The grant type of the device flow (RFC 8628 section 3.4). */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code'

/** Options of {@link DeviceCodeGrant}. */
export interface DeviceCodeGrantOptions<Env = unknown> extends ScopeGrantOptions {
  /**
   * Where pending requests live. By default a `RecordDeviceCodeStore` over the controller's record store
   * (its `recordStore` option, else its token store when that keeps records): shared by every process on
   * the same store and kept across restarts. `LocalDeviceCodeStore` keeps them in this process only.
   */
  readonly deviceCodeStore?: DeviceCodeStore
  /** Lifetime of the device code and the user code in seconds (RFC 8628 section 3.2). Default 600; at most 3600. */
  readonly expiresIn?: number
  /** Seconds the device waits between polls (RFC 8628 section 3.2 `interval`). Default 5; at most 300. */
  readonly interval?: number
  /** Characters of the user code (RFC 8628 section 6.1): A-Z and 0-9, distinct. Default `BCDFGHJKLMNPQRSTVWXZ`. */
  readonly userCodeAlphabet?: string
  /** Characters in a user code, without the dashes it is shown with (`XXXX-XXXX`). Default 8. */
  readonly userCodeLength?: number
  /** Path of the device authorization endpoint (RFC 8628 section 3.1). Default `/device_authorization`. */
  readonly deviceAuthorizationPath?: string
  /** Path of the verification page where users type the code (RFC 8628 section 3.3). Default `/device`. */
  readonly verificationPath?: string
  /** A site adapter for the verification page only, overriding the controller's. */
  readonly siteAdapter?: SiteAdapter<Env>
}

/** How often a colliding user code is drawn again before giving up. */
const SAVE_ATTEMPTS = 5

/**
 * The OAuth 2.0 Device Authorization Grant (RFC 8628) for devices without a browser or keyboard: the
 * device asks the device authorization endpoint for a device code and a short user code, the user types
 * the user code on the verification page of another device and approves, and meanwhile the device polls
 * the token endpoint with `grant_type=urn:ietf:params:oauth:grant-type:device_code`.
 *
 * Public clients may use it; a client must be allowed the grant type. Wrong user codes, requests to the
 * device authorization endpoint and pending codes are limited by the controller's `limits`
 * (`userCodeGuesses`, `deviceAuthorization`, `devicePendingPerClient`, `devicePendingTotal`; RFC 8628
 * section 5.1; the arithmetic is in `docs/limits.md`). Device codes are bound to their
 * client and redeemed exactly once: after the tokens are handed out, the device code answers
 * `invalid_grant` (RFC 8628 leaves it open; the session is over and the code is spent). An approval issues
 * a refresh token too when refresh tokens are enabled.
 *
 * @example
 * ```ts
 * import { DeviceCodeGrant } from 'oauth2-stack/grant'
 *
 * controller.addGrant(new DeviceCodeGrant()) // device codes kept in the controller's record store
 * ```
 */
export class DeviceCodeGrant<Env = unknown> implements Grant<Env> {
  readonly #givenStore: DeviceCodeStore | undefined
  /** The store as the controller guards it, or the default over its records (set by {@link register}). */
  #store: DeviceCodeStore | undefined
  readonly #expiresIn: number
  readonly #interval: number
  readonly #alphabet: string
  readonly #length: number
  readonly #authorizationPath: string
  readonly #verificationPath: string
  readonly #scope: Scope | undefined
  readonly #siteAdapter: SiteAdapter<Env> | undefined
  /** The device authorization handler, made once (not per request). */
  readonly #authorizeHandler: ClientEndpointHandler<Env, GrantServices<Env>> = (request) => this.#authorize(request)

  constructor(options: DeviceCodeGrantOptions<Env> = {}) {
    this.#givenStore = options.deviceCodeStore
    this.#expiresIn = whole('expiresIn', options.expiresIn ?? 600, 1, 3600)
    this.#interval = whole('interval', options.interval ?? 5, 1, 300)
    this.#alphabet = options.userCodeAlphabet ?? USER_CODE_ALPHABET
    this.#length = options.userCodeLength ?? 8
    checkUserCodeFormat(this.#alphabet, this.#length)
    this.#authorizationPath = options.deviceAuthorizationPath ?? '/device_authorization'
    this.#verificationPath = options.verificationPath ?? '/device'
    if (this.#authorizationPath === this.#verificationPath) throw new ConfigurationError('DeviceCodeGrant: the two paths must differ')
    this.#scope = options.scope
    this.#siteAdapter = options.siteAdapter
  }

  /** The store, once the grant is registered with a controller (its endpoints exist only then). */
  #registered(): DeviceCodeStore {
    if (this.#store === undefined) throw new ConfigurationError('DeviceCodeGrant: add the grant to a controller first')
    return this.#store
  }

  register(registry: GrantRegistry<Env>): void {
    // The controller bounds every call of an out-of-process store, as it does for its own stores.
    const store =
      this.#givenStore === undefined
        ? new RecordDeviceCodeStore(registry.recordStore)
        : registry.guardStore(this.#givenStore, 'deviceCodeStore')
    this.#store = store
    const verification = new DeviceVerification({
      store,
      alphabet: this.#alphabet,
      length: this.#length,
      siteAdapter: this.#siteAdapter,
    })
    registry.addEndpoint({
      path: this.#authorizationPath,
      metadataField: 'device_authorization_endpoint',
      // Answered like the token endpoint: POST, form, no repeats, client authentication, RFC 6749 errors.
      handle: (request, environ, services) =>
        answerClientEndpoint('device authorization', services.endpointContext, this.#authorizeHandler, request, environ),
    })
    registry.addEndpoint({
      path: this.#verificationPath,
      handle: (request, environ, services) => verification.handle(request, environ, services),
    })
    registry.addTokenHandler({
      grantType: DEVICE_CODE_GRANT_TYPE,
      allowsPublicClients: true,
      handle: (context) => this.#poll(context),
    })
  }

  /** The device authorization endpoint (RFC 8628 section 3.1 and 3.2). */
  async #authorize({ request, environ, params, services, authenticate }: ClientRequest<Env, GrantServices<Env>>): Promise<Response> {
    const client = await authenticate()
    if (!allows(client.grantTypes, DEVICE_CODE_GRANT_TYPE)) {
      throw new UnauthorizedClient(`The client is not allowed to use grant_type ${DEVICE_CODE_GRANT_TYPE}.`)
    }
    // Each request holds a pending code for its lifetime: limited per (client, address), and capped.
    const requested = await services.limits.deviceAuthorizationRequested(client.clientId, services.limits.address(environ, request))
    if (requested > 0)
      throw new TooManyRequests(`Too many device authorization requests; try again in ${requested} seconds.`, requested, {
        limit: 'deviceAuthorization',
      })
    const scopes = (this.#scope ?? services.scope).parse(params.values.get('scope'), client.scopes)
    // RFC 8707 section 2: the requested resources (or the default) are checked and bound to the device code.
    const resources = services.resources.authorize(client, valuesOf(params, 'resource'))
    const capped = await services.limits.deviceCodeIssued(client.clientId)
    if (capped > 0)
      throw new TooManyRequests(`Too many pending device codes; try again in ${capped} seconds.`, capped, { limit: 'devicePending' })
    const now = services.now()
    const familyId = services.newId()
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      // The device code is a 256-bit random handle; the user code is short, for people (section 6.1).
      const deviceCode = randomBase64url(32)
      const userCode = generateUserCode(this.#alphabet, this.#length)
      const saved = await this.#registered().save({
        deviceCodeHash: hashToken(deviceCode),
        userCodeHash: hashToken(userCode),
        clientId: client.clientId,
        scopes,
        familyId,
        issuedAt: now,
        expiresAt: now + this.#expiresIn,
        interval: this.#interval,
        ...resourceContext(resources),
      })
      if (!saved) continue
      const verificationUri = `${services.issuer.replace(/\/$/, '')}${this.#verificationPath}`
      const shown = formatUserCode(userCode)
      // RFC 8628 section 3.2; the response carries a secret, so no caching (Response.json sets no-store).
      return Response.json(200, {
        device_code: deviceCode,
        user_code: shown,
        verification_uri: verificationUri,
        verification_uri_complete: `${verificationUri}?${new URLSearchParams({ user_code: shown }).toString()}`,
        expires_in: this.#expiresIn,
        interval: this.#interval,
      })
    }
    throw new ServerError('No free user code was found.')
  }

  /** The token endpoint for `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 section 3.4). */
  async #poll(context: TokenRequestContext<Env>): Promise<TokenResponseBody> {
    const { request, client, services } = context
    const deviceCode = request.postParam('device_code')
    if (deviceCode === undefined || deviceCode.length === 0) throw new InvalidRequest('The device_code parameter is missing.')
    const deviceCodeHash = hashToken(deviceCode)
    // Check the binding before polling, so another client's requests neither slow down nor redeem it.
    const record = await this.#registered().fetchByDeviceCode(deviceCodeHash)
    if (record === undefined) throw new InvalidGrant('The device code is invalid.')
    if (record.clientId !== client.clientId) throw new InvalidGrant('The device code was issued to another client.')
    const resources = boundResources(record.context, request) // before the poll, which may consume the code
    const poll = await this.#registered().poll(deviceCodeHash, services.now())
    // RFC 8628 section 3.5: the device's answers while the user decides.
    switch (poll?.status) {
      case undefined:
        throw new InvalidGrant('The device code is invalid.')
      case 'pending':
        throw new AuthorizationPending('The user has not yet approved the request.')
      case 'slow_down':
        throw new SlowDown(`Polling too fast; wait at least ${poll.interval} seconds between requests.`)
      case 'denied':
        throw new AccessDenied('The user denied the request.')
      case 'expired':
        throw new ExpiredToken('The device code has expired; start a new device authorization request.')
      case 'consumed':
        throw new InvalidGrant('The device code was already used.')
      case 'approved':
        return services.issueTokens({
          client,
          grantType: DEVICE_CODE_GRANT_TYPE,
          userId: poll.user.userId,
          data: poll.user.data,
          scopes: poll.authorization.scopes,
          withRefreshToken: true,
          familyId: poll.authorization.familyId,
          request,
          ...resources,
        })
    }
  }
}

function whole(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigurationError(`DeviceCodeGrant: ${name} must be a whole number from ${min} to ${max}`)
  }
  return value
}
