import { ConfigurationError } from '../errors.ts'
import { withCors } from '../oidc/cors.ts'
import type { Grant, GrantRegistry } from '../grants/types.ts'
import type { RecordStore } from '../stores/types.ts'
import type { Request } from '../web/request.ts'
import type { MetadataRules } from './client-metadata.ts'
import { fixedToken, handleRegistration, type RegistrationEndpointOptions } from './endpoint.ts'
import type { RegistrationPolicy } from './policy.ts'
import { RegisteredClients, registeredClientStore } from './registered-clients.ts'

/** Options of {@link DynamicClientRegistration}. */
export interface DynamicClientRegistrationOptions {
  /** Path of the registration endpoint, announced as `registration_endpoint`. Default `/register`. */
  readonly path?: string
  /**
   * An initial access token (RFC 7591 section 3): the registration request must carry it as
   * `Authorization: Bearer`. A string is compared in constant time; a function decides itself. Default:
   * open registration (then keep the `registration` rate limit on).
   */
  readonly initialAccessToken?: string | ((token: string, request: Request) => boolean | Promise<boolean>)
  /** Decides per request whether a registration or update may go ahead; see {@link RegistrationPolicy}. */
  readonly policy?: RegistrationPolicy
  /**
   * Seconds of disuse after which a registration expires (its client id, secret and registration access
   * token stop working): 3600 to 31536000. Default 7776000 (90 days). Use only pushes it forward about
   * once a day, so keep it above the refresh-token lifetime plus a day.
   */
  readonly idleExpirySeconds?: number
  /**
   * The grant types a client may register. Default `['authorization_code', 'refresh_token']`: an open
   * registration endpoint should not hand out `client_credentials` clients.
   */
  readonly grantTypes?: readonly string[]
  /** The prefix of generated client ids, telling them from configured clients. Default `dcr_`. */
  readonly idPrefix?: string
  /** Serve RFC 7592 read, update and delete with a registration access token. Default `true`. */
  readonly management?: boolean
  /**
   * Let browser pages register (the MCP Inspector's web UI): every answer of the endpoint carries
   * `Access-Control-Allow-Origin: *` (never with credentials: the endpoint takes no cookies) and preflights
   * are answered. A page of any origin can then register from its visitors' browsers, each visitor's
   * address counted by the `registration` limit. With it, the token and revocation endpoints answer
   * preflights and let a registered client's pages read their answers from the origins of its http(s)
   * redirect URIs (where a browser client receives its code), and no other origin. `false` sends no CORS
   * headers. Default `true`.
   */
  readonly cors?: boolean
  /**
   * Where registrations are kept. Default: the controller's record store (its `recordStore` option, or
   * the token store when it keeps records). memcached evicts under memory pressure: do not keep
   * registrations there.
   */
  readonly recordStore?: RecordStore
}

const DEFAULT_GRANT_TYPES = ['authorization_code', 'refresh_token']
const REGISTRABLE_GRANT_TYPES = new Set([
  ...DEFAULT_GRANT_TYPES,
  'client_credentials',
  'implicit',
  'urn:ietf:params:oauth:grant-type:device_code',
])

/**
 * Dynamic client registration (RFC 7591) and its management protocol (RFC 7592), added with
 * `controller.use(...)`: serves `POST /register`, announces `registration_endpoint` in the metadata, and
 * answers the registered clients' ids wherever the controller looks clients up. Registrations are kept
 * through the `RecordStore` primitives, so every backend that keeps records holds them.
 *
 * @example
 * ```ts
 * import { AuthorizationController, DynamicClientRegistration } from 'oauth2-stack'
 *
 * controller.use(new DynamicClientRegistration({ idleExpirySeconds: 30 * 86400 }))
 * // POST /register {"redirect_uris":["http://127.0.0.1:33418/"],"token_endpoint_auth_method":"none"}
 * ```
 */
export class DynamicClientRegistration<Env = unknown> implements Grant<Env> {
  readonly #options: DynamicClientRegistrationOptions
  #registered: RegisteredClients | undefined

  constructor(options: DynamicClientRegistrationOptions = {}) {
    for (const grant of options.grantTypes ?? []) {
      if (!REGISTRABLE_GRANT_TYPES.has(grant))
        throw new ConfigurationError(`DynamicClientRegistration: unknown grant type ${JSON.stringify(grant)}`)
    }
    if (
      options.initialAccessToken !== undefined &&
      typeof options.initialAccessToken === 'string' &&
      options.initialAccessToken.length < 16
    ) {
      throw new ConfigurationError('DynamicClientRegistration: initialAccessToken must be at least 16 characters')
    }
    this.#options = options
  }

  /** The registered clients, once the feature is added to a controller (for hosts and tests). */
  get registeredClients(): RegisteredClients {
    if (this.#registered === undefined) throw new ConfigurationError('DynamicClientRegistration: add it to a controller first')
    return this.#registered
  }

  register(registry: GrantRegistry<Env>): void {
    if (this.#registered !== undefined) throw new ConfigurationError('DynamicClientRegistration: one instance per controller')
    const options = this.#options
    const records = options.recordStore === undefined ? registry.recordStore : registry.guardStore(options.recordStore, 'registrationStore')
    const path = options.path ?? '/register'
    const grantTypes = new Set(options.grantTypes ?? DEFAULT_GRANT_TYPES)
    let endpoint: RegistrationEndpointOptions | undefined
    registry.decorateClientStore((configured, services) => {
      const registered = new RegisteredClients({
        records,
        now: () => services.now(),
        ...(options.idleExpirySeconds === undefined ? {} : { idleExpirySeconds: options.idleExpirySeconds }),
        ...(options.idPrefix === undefined ? {} : { idPrefix: options.idPrefix }),
      })
      this.#registered = registered
      const token = options.initialAccessToken
      const available = services.scope.available
      const rules: MetadataRules = { grantTypes, availableScopes: available === undefined ? undefined : new Set(available) }
      endpoint = {
        path,
        registered,
        rules,
        initialAccessToken: typeof token === 'string' ? fixedToken(token) : token,
        policy: options.policy,
        management: options.management ?? true,
        cors: options.cors ?? true,
      }
      return registeredClientStore(registered, configured)
    })
    if (options.cors ?? true) {
      // A browser client (the MCP Inspector) exchanges its code and revokes from its redirect URI's origin.
      registry.wrapEndpoint('token', (handle, services) => withCors(handle, services))
      registry.wrapEndpoint('revocation', (handle, services) => withCors(handle, services))
    }
    registry.addEndpoint({
      path,
      metadataField: 'registration_endpoint',
      handle: (request, environ, services) => handleRegistration(endpoint as RegistrationEndpointOptions, request, environ, services),
    })
  }
}
