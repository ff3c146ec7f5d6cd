import { assertRegistrableRedirectUri } from '../checks/redirect-uri.ts'
import { checkClientSecretStrength, type ClientSecretPolicy } from '../checks/client-secret-strength.ts'
import { hashClientSecret } from '../tokens/hash.ts'
import type { Client, ClientAuthMethod } from '../types.ts'
import type { ClientStore } from './types.ts'

/** What {@link LocalClientStore.addClient} takes. Only `clientId` and `redirectUris` are required. */
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
  /** Redirect URIs, registered in full. Required for clients that use the authorization endpoint. */
  readonly redirectUris?: readonly string[]
  /** The `grant_type`s this client may use. Default: every grant registered on the controller. */
  readonly grantTypes?: readonly string[]
  /** The `response_type`s this client may use. Default: every one registered on the controller. */
  readonly responseTypes?: readonly string[]
  /** The scopes this client may ask for. Default: whatever the grant's scope rules allow. */
  readonly scopes?: readonly string[]
  /** Require PKCE of this confidential client too. Public clients always need it. Default `false`. */
  readonly requirePkce?: boolean
  /** A name shown on the consent page. */
  readonly name?: string
  /**
   * Token-endpoint authentication methods. Default: both secret methods for a confidential client,
   * `none` for a public client.
   */
  readonly tokenEndpointAuthMethods?: readonly ClientAuthMethod[]
}

const CLIENT_ID = /^[\x20-\x7e]+$/

/**
 * Builds a validated {@link Client} record from a registration, hashing the secret. Throws a `TypeError`
 * naming what is wrong. Every client store uses it, so all apply the same rules. With `policy` (where the
 * issuer is known: the CLI, a registration endpoint), a secret shorter than 43 characters is refused on
 * an issuer that is not a loopback one unless `allowWeakClientSecrets` is set.
 */
export async function createClient(registration: ClientRegistration, policy?: ClientSecretPolicy): Promise<Client> {
  const { clientId } = registration
  // RFC 6749 appendix A.1: client_id = *VSCHAR.
  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
    throw new TypeError('clientId must be a non-empty string of printable ASCII characters')
  }
  if (registration.clientSecret !== undefined && registration.clientSecretHash !== undefined) {
    throw new TypeError(`client ${clientId}: give clientSecret or clientSecretHash, not both`)
  }
  if (registration.clientSecret !== undefined && registration.clientSecret.length === 0) {
    throw new TypeError(`client ${clientId}: clientSecret must not be empty`)
  }
  if (registration.clientSecret !== undefined && policy !== undefined) checkClientSecretStrength(clientId, registration.clientSecret, policy)
  if (registration.clientSecretHash !== undefined && !/^(sha256|scrypt)\$/.test(registration.clientSecretHash)) {
    throw new TypeError(`client ${clientId}: clientSecretHash must come from hashClientSecret`)
  }
  const redirectUris = [...(registration.redirectUris ?? [])]
  for (const uri of redirectUris) assertRegistrableRedirectUri(uri)
  const clientSecretHash =
    registration.clientSecretHash ??
    (registration.clientSecret === undefined ? undefined : await hashClientSecret(registration.clientSecret))
  const isPublic = clientSecretHash === undefined
  const methods = registration.tokenEndpointAuthMethods ?? (isPublic ? ['none'] : ['client_secret_basic', 'client_secret_post'])
  if (methods.length === 0) throw new TypeError(`client ${clientId}: tokenEndpointAuthMethods must not be empty`)
  if (isPublic && methods.some((method) => method !== 'none')) {
    throw new TypeError(`client ${clientId}: a client without a secret can only use tokenEndpointAuthMethods ['none']`)
  }
  if (!isPublic && methods.includes('none')) {
    throw new TypeError(`client ${clientId}: a client with a secret must authenticate; remove 'none'`)
  }
  return Object.freeze({
    clientId,
    clientSecretHash,
    redirectUris: Object.freeze(redirectUris),
    grantTypes: Object.freeze([...(registration.grantTypes ?? ['*'])]),
    responseTypes: Object.freeze([...(registration.responseTypes ?? ['*'])]),
    tokenEndpointAuthMethods: Object.freeze([...methods]),
    scopes: registration.scopes === undefined ? undefined : Object.freeze([...registration.scopes]),
    requirePkce: registration.requirePkce ?? false,
    name: registration.name,
  })
}

/**
 * Keeps clients in memory (the seed's `LocalClientStore`). Secrets are hashed on the way in.
 *
 * @example
 * ```ts
 * const clientStore = new LocalClientStore()
 * await clientStore.addClient({ clientId: 'abc', clientSecret: 'xyz', redirectUris: ['http://localhost/callback'] })
 * ```
 */
export class LocalClientStore implements ClientStore {
  /** In-process: the controller calls it directly, without a timer per call. */
  readonly inProcess = true
  readonly #clients = new Map<string, Client>()

  /** Registers (or replaces) a client and resolves to its stored record. */
  async addClient(registration: ClientRegistration): Promise<Client> {
    const client = await createClient(registration)
    this.#clients.set(client.clientId, client)
    return client
  }

  /** Removes a client; resolves whether it existed. */
  async removeClient(clientId: string): Promise<boolean> {
    return this.#clients.delete(clientId)
  }

  /** Every registered client, in the order they were first added. */
  async listClients(): Promise<Client[]> {
    return [...this.#clients.values()]
  }

  async fetchByClientId(clientId: string): Promise<Client | undefined> {
    return this.#clients.get(clientId)
  }
}
