import { canonicalResourceUri } from '../checks/resource-uri.ts'
import { ConfigurationError, InvalidTarget } from '../errors.ts'
import { valuesOf } from '../internal/params.ts'
import type { Client, GrantContext } from '../types.ts'
import type { Request } from '../web/request.ts'
import type { TokenSubject } from '../issuer/types.ts'

/**
 * Resource indicators (RFC 8707): which resources a client may ask tokens for, and the one a request
 * without `resource` gets. The controller's `resources` option.
 */
export interface ResourceOptions {
  /**
   * The resource a request without `resource` gets: real clients often omit it (Claude Code, the MCP SDK
   * without protected resource metadata). Never "every resource". Without it, such a request gets tokens
   * with no audience, as before resource indicators.
   */
  readonly default?: string
  /**
   * Whether `client` may have tokens for `requested` (every value in canonical form). Checked after the
   * client's own list (`Client.resources`), when it has one. Without this function and without a list,
   * only {@link ResourceOptions.default} is allowed.
   */
  readonly allowed?: (client: Client, requested: readonly string[]) => boolean
}

/**
 * The resource rules of RFC 8707, made once per controller from its `resources` option: parses the
 * `resource` values of a request, applies the default and the policy, and narrows a bound set at the
 * token endpoint. Every refusal is `invalid_target` (RFC 8707 section 2).
 */
export class ResourcePolicy {
  readonly #default: readonly string[] | undefined
  readonly #allowed: ResourceOptions['allowed']

  constructor(options: ResourceOptions = {}) {
    if (options.default !== undefined) {
      const canonical = canonicalResourceUri(options.default)
      if (canonical === undefined) throw new ConfigurationError('resources.default must be an absolute URI without fragment (RFC 8707)')
      this.#default = Object.freeze([canonical])
    }
    this.#allowed = options.allowed
  }

  /**
   * The resources an authorization request (`/authorize`, `/device_authorization`) binds its grant to:
   * the requested ones, else the default; `undefined` when there is neither.
   */
  authorize(client: Client, values: readonly string[]): readonly string[] | undefined {
    const requested = values.length === 0 ? this.#default : parseResources(values)
    if (requested !== undefined) this.#check(client, requested)
    return requested
  }

  /**
   * The audience of a token for a grant with no authorization step (client credentials, password): the
   * requested resources, else the client's own list, else the default.
   */
  direct(client: Client, values: readonly string[]): readonly string[] | undefined {
    if (values.length === 0 && client.resources !== undefined && client.resources.length > 0) return client.resources
    return this.authorize(client, values)
  }

  #check(client: Client, requested: readonly string[]): void {
    const list = client.resources
    if (list !== undefined) {
      const outside = requested.find((resource) => !list.includes(resource))
      if (outside !== undefined) throw new InvalidTarget(`The client may not ask for the resource ${outside}.`)
    }
    if (this.#allowed !== undefined) {
      if (!this.#allowed(client, requested)) throw new InvalidTarget('The requested resource is not allowed for this client.')
    } else if (list === undefined) {
      const only = this.#default?.[0]
      const outside = requested.find((resource) => resource !== only)
      if (outside !== undefined) throw new InvalidTarget(`Unknown resource ${outside}.`)
    }
  }
}

/**
 * The `resource` values of a request in canonical form, without duplicates. RFC 8707 section 2: each is
 * an absolute URI without a fragment, else `invalid_target`.
 */
export function parseResources(values: readonly string[]): readonly string[] {
  const resources: string[] = []
  for (const value of values) {
    const canonical = canonicalResourceUri(value)
    if (canonical === undefined) throw new InvalidTarget('The resource parameter must be an absolute URI without a fragment.')
    if (!resources.includes(canonical)) resources.push(canonical)
  }
  return resources
}

/**
 * The audience of an access token redeemed from a bound grant (a code, a device code, a refresh token):
 * RFC 8707 section 2.2 — the requested resources must be a subset of the bound set (else
 * `invalid_target`); without `resource`, the whole set. The grant keeps its whole set either way.
 */
export function narrowResources(bound: readonly string[] | undefined, values: readonly string[]): readonly string[] | undefined {
  if (values.length === 0) return bound
  const requested = parseResources(values)
  const outside = requested.find((resource) => bound?.includes(resource) !== true)
  if (outside !== undefined) throw new InvalidTarget(`The grant does not cover the resource ${outside}.`)
  return requested
}

/** The context part a bound set adds to a code or a device authorization (nothing when there is none). */
export function resourceContext(resources: readonly string[] | undefined): { readonly context?: GrantContext } {
  return resources === undefined ? {} : { context: { resources } }
}

/** The resource fields of a token request's subject. */
export type TokenResources = Pick<TokenSubject, 'resources' | 'refreshResources'>

const NO_RESOURCES: TokenResources = Object.freeze({})

/**
 * For a token request redeeming a bound grant (code, device code, refresh token): the access token's
 * audience, narrowed by the request's `resource` values ({@link narrowResources}), and the family's whole
 * set for the refresh token.
 */
export function boundResources(context: GrantContext | undefined, request: Request): TokenResources {
  const bound = context?.resources
  const values = valuesOf(request.formParams(), 'resource')
  if (bound === undefined && values.length === 0) return NO_RESOURCES
  return { resources: narrowResources(bound, values), refreshResources: bound }
}

/** For a grant without an authorization step (client credentials, password): {@link ResourcePolicy.direct}. */
export function directResources(policy: ResourcePolicy, client: Client, request: Request): TokenResources {
  const resources = policy.direct(client, valuesOf(request.formParams(), 'resource'))
  return resources === undefined ? NO_RESOURCES : { resources }
}
