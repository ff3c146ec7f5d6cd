import type { ClientSecretPolicy } from '../checks/client-secret-strength.ts'
import { createClient, type ClientRegistration } from './client-registration.ts'
import type { Client } from '../types.ts'
import type { ClientStore } from './types.ts'

// The SQL and Redis stores import these from here; registration itself lives in client-registration.ts.
export { createClient, type ClientRegistration } from './client-registration.ts'

/**
 * Keeps clients in memory (the seed's `LocalClientStore`). Secrets are hashed on the way in.
 *
 * @example
 * ```ts
 * import { LocalClientStore } from 'oauth2-stack/store'
 *
 * const clientStore = new LocalClientStore()
 * await clientStore.addClient({ clientId: 'abc', clientSecret: 'xyz', redirectUris: ['http://localhost/callback'] })
 * ```
 */
export class LocalClientStore implements ClientStore {
  /** In-process: the controller calls it directly, without a timer per call. */
  readonly inProcess = true
  readonly #clients = new Map<string, Client>()

  /**
   * Registers (or replaces) a client and resolves to its stored record.
   * With `policy` (the issuer it serves, `allowWeakClientSecrets`), a secret shorter than 43 characters
   * is refused on an issuer that is not a loopback one (RFC 6749 section 10.10; see `createClient`).
   */
  async addClient(registration: ClientRegistration, policy?: ClientSecretPolicy): Promise<Client> {
    const client = await createClient(registration, policy)
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
