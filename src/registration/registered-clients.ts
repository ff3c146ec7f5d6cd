/**
 * Dynamically registered clients (RFC 7591), kept through the `RecordStore` primitives so that every
 * backend holds them: one record per client (kind `registered_client`, keyed by `client_id`), its value
 * JSON with the metadata, the hashed client secret and the hashed registration access token.
 *
 * Idle expiry: a record expires `idleExpirySeconds` after the client was last used. Use does not write on
 * every request: a lookup (the token and authorization endpoints) pushes the expiry forward only once it
 * is more than a day (or a tenth of the idle time, if shorter) older than "now + idle time", so a busy
 * client costs at most one write a day, and a registration lives at least `idleExpirySeconds` minus that
 * day after its last use.
 *
 * @module
 */
import { constantTimeEqual, randomBase64url, sha256Base64url } from '../internal/crypto.ts'
import { ConfigurationError } from '../errors.ts'
import type { ClientStore, RecordStore } from '../stores/types.ts'
import { generateClientSecret, hashClientSecret, hashToken } from '../tokens/hash.ts'
import type { Client } from '../types.ts'
import type { ClientMetadata } from './client-metadata.ts'
import { ClientIndex } from './client-index.ts'

/** The record kind of registered clients. */
export const CLIENT_KIND = 'registered_client'
/** Default idle time after which an unused registration expires: 90 days. */
export const DEFAULT_IDLE_EXPIRY_SECONDS: number = 90 * 86_400
const MAX_IDLE_EXPIRY_SECONDS = 365 * 86_400
const CACHE_MAX = 1024

/** A registered client as stored (the record's JSON value). */
export interface RegisteredClient {
  readonly clientId: string
  readonly metadata: ClientMetadata
  /** `hashClientSecret` of the secret; `undefined` for `token_endpoint_auth_method: none`. */
  readonly secretHash: string | undefined
  /** SHA-256 of the registration access token (RFC 7592). */
  readonly tokenHash: string
  /** When it was registered, epoch seconds (`client_id_issued_at`). */
  readonly issuedAt: number
  /** When it expires unless used, epoch seconds. */
  readonly expiresAt: number | undefined
  /** The record's version, for compare-and-set updates (`''` for one just written). */
  readonly version: string
}

/** What {@link RegisteredClients.create} and {@link RegisteredClients.update} hand back once. */
export interface IssuedCredentials {
  readonly client: RegisteredClient
  /** The client secret in plaintext, when one was issued now; never stored. */
  readonly secret: string | undefined
  /** The registration access token in plaintext, when one was issued now; never stored. */
  readonly registrationAccessToken: string | undefined
}

/** Options of {@link RegisteredClients}. */
export interface RegisteredClientsOptions {
  readonly records: RecordStore
  /** Now, in epoch seconds. */
  readonly now: () => number
  /** Seconds of disuse after which a registration expires; 3600 to 31536000 (365 days). */
  readonly idleExpirySeconds?: number
  /** The prefix of every generated `client_id`, telling registered clients from configured ones. */
  readonly idPrefix?: string
}

/**
 * The registered clients over a record store: create, read, update and delete (RFC 7591, RFC 7592), the
 * client record the grants see, and the listing for `oauth2-stack client list`.
 */
export class RegisteredClients {
  /** The prefix of every generated `client_id`. */
  readonly idPrefix: string
  /** Seconds of disuse after which a registration expires. */
  readonly idleExpirySeconds: number
  readonly #records: RecordStore
  readonly #now: () => number
  readonly #touchAfter: number
  readonly #index: ClientIndex
  readonly #cache = new Map<string, { readonly version: string; readonly client: Client }>()

  constructor(options: RegisteredClientsOptions) {
    const idle = options.idleExpirySeconds ?? DEFAULT_IDLE_EXPIRY_SECONDS
    if (!Number.isSafeInteger(idle) || idle < 3600 || idle > MAX_IDLE_EXPIRY_SECONDS) {
      throw new ConfigurationError('idleExpirySeconds must be a whole number of seconds from 3600 to 31536000')
    }
    const prefix = options.idPrefix ?? 'dcr_'
    if (!/^[A-Za-z0-9._~-]{1,16}$/.test(prefix)) throw new ConfigurationError('idPrefix must be 1 to 16 unreserved URI characters')
    this.idPrefix = prefix
    this.idleExpirySeconds = idle
    this.#records = options.records
    this.#now = options.now
    this.#touchAfter = Math.min(86_400, Math.floor(idle / 10))
    this.#index = new ClientIndex(
      options.records,
      options.now,
      async (id) => (await options.records.getRecord(CLIENT_KIND, id)) !== undefined,
    )
  }

  /** Whether `clientId` has the shape of a registered client's id. */
  isRegisteredId(clientId: string): boolean {
    return clientId.startsWith(this.idPrefix)
  }

  /**
   * Registers a client: a fresh `client_id` (RFC 9700 section 4.15: the server assigns it), a 256-bit
   * secret unless the method is `none`, and a registration access token; only their hashes are stored.
   */
  async create(metadata: ClientMetadata): Promise<IssuedCredentials> {
    const secret = metadata.token_endpoint_auth_method === 'none' ? undefined : generateClientSecret()
    const registrationAccessToken = randomBase64url(32)
    const now = this.#now()
    const stored = {
      metadata,
      secretHash: secret === undefined ? undefined : await hashClientSecret(secret),
      tokenHash: hashToken(registrationAccessToken),
      issuedAt: now,
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const clientId = `${this.idPrefix}${randomBase64url(16)}`
      const expiresAt = now + this.idleExpirySeconds
      if (!(await this.#records.createRecord(CLIENT_KIND, clientId, JSON.stringify(stored), expiresAt))) continue
      try {
        await this.#index.add(clientId)
      } catch (error) {
        await this.#records.deleteRecord(CLIENT_KIND, clientId)
        throw error
      }
      return { client: { clientId, ...stored, expiresAt, version: '' }, secret, registrationAccessToken }
    }
    throw new Error('could not draw an unused client_id')
  }

  /** The registered client, or `undefined` (unknown, expired or deleted). */
  async read(clientId: string): Promise<RegisteredClient | undefined> {
    if (!this.isRegisteredId(clientId)) return undefined
    const record = await this.#records.getRecord(CLIENT_KIND, clientId)
    return record === undefined ? undefined : parseRecord(clientId, record.value, record.version, record.expiresAt)
  }

  /**
   * The registered client whose registration access token this is (RFC 7592 section 2), compared in
   * constant time; `undefined` for any other token or an unknown client.
   */
  async authorize(clientId: string, registrationAccessToken: string): Promise<RegisteredClient | undefined> {
    const client = await this.read(clientId)
    const valid = constantTimeEqual(client?.tokenHash ?? DUMMY_TOKEN_HASH, hashToken(registrationAccessToken))
    return valid ? client : undefined
  }

  /**
   * Replaces a client's metadata (RFC 7592 section 2.2) if it was not changed meanwhile. A client that
   * moves from `none` to a secret method gets a new secret; one that moves to `none` loses its secret.
   * `undefined` when the record changed or vanished since it was read.
   */
  async update(current: RegisteredClient, metadata: ClientMetadata): Promise<IssuedCredentials | undefined> {
    const wantsSecret = metadata.token_endpoint_auth_method !== 'none'
    const secret = wantsSecret && current.secretHash === undefined ? generateClientSecret() : undefined
    const secretHash = !wantsSecret ? undefined : secret === undefined ? current.secretHash : await hashClientSecret(secret)
    const stored = { metadata, secretHash, tokenHash: current.tokenHash, issuedAt: current.issuedAt }
    const expiresAt = this.#now() + this.idleExpirySeconds
    const replaced = await this.#records.replaceRecord(CLIENT_KIND, current.clientId, current.version, JSON.stringify(stored), expiresAt)
    if (!replaced) return undefined
    this.#cache.delete(current.clientId)
    return { client: { clientId: current.clientId, ...stored, expiresAt, version: '' }, secret, registrationAccessToken: undefined }
  }

  /** Deletes a registration (RFC 7592 section 2.3); `true` when it was there. */
  async delete(clientId: string): Promise<boolean> {
    if (!this.isRegisteredId(clientId)) return false
    const deleted = await this.#records.deleteRecord(CLIENT_KIND, clientId)
    this.#cache.delete(clientId)
    await this.#index.remove(clientId)
    return deleted
  }

  /** Every live registration, sorted by `client_id` (prunes expired ids from the index). */
  async list(): Promise<RegisteredClient[]> {
    const clients = await Promise.all((await this.#index.list()).map((id) => this.read(id)))
    return clients.filter((client): client is RegisteredClient => client !== undefined)
  }

  /**
   * The client record the grants see, or `undefined`. Pushes the idle expiry forward at most once a day
   * (see the module documentation), without waiting for that write.
   */
  async fetchClient(clientId: string): Promise<Client | undefined> {
    const record = await this.#records.getRecord(CLIENT_KIND, clientId)
    if (record === undefined) return undefined
    const now = this.#now()
    if (record.expiresAt !== undefined && record.expiresAt - now < this.idleExpirySeconds - this.#touchAfter) {
      // A lost race (another process touched or updated it) or an outage only delays the next touch.
      this.#records.replaceRecord(CLIENT_KIND, clientId, record.version, record.value, now + this.idleExpirySeconds).catch(() => {})
    }
    const cached = this.#cache.get(clientId)
    if (cached?.version === record.version) return cached.client
    const parsed = parseRecord(clientId, record.value, record.version, record.expiresAt)
    if (parsed === undefined) return undefined
    const client = toClient(parsed)
    if (this.#cache.size >= CACHE_MAX) this.#cache.clear()
    this.#cache.set(clientId, { version: record.version, client })
    return client
  }
}

/**
 * A client store answering registered ids from the registrations first, then from the configured store
 * (an operator may have added a client whose id has the prefix); other ids go to the configured store
 * only, so configured clients cost nothing more.
 */
export function registeredClientStore(registered: RegisteredClients, configured: ClientStore): ClientStore {
  return {
    async fetchByClientId(clientId: string): Promise<Client | undefined> {
      if (!registered.isRegisteredId(clientId)) return configured.fetchByClientId(clientId)
      return (await registered.fetchClient(clientId)) ?? configured.fetchByClientId(clientId)
    },
  }
}

/** The client record of a registration: exactly what it registered, and PKCE always (OAuth 2.1). */
export function toClient(registered: RegisteredClient): Client {
  const { metadata } = registered
  return Object.freeze({
    clientId: registered.clientId,
    clientSecretHash: registered.secretHash,
    redirectUris: Object.freeze([...metadata.redirect_uris]),
    grantTypes: Object.freeze([...metadata.grant_types]),
    responseTypes: Object.freeze([...metadata.response_types]),
    tokenEndpointAuthMethods: Object.freeze([metadata.token_endpoint_auth_method]),
    // A client that registered no scope gets the server's default scopes (the grant's Scope decides).
    scopes: metadata.scope === undefined ? undefined : Object.freeze(metadata.scope.split(' ')),
    requirePkce: true,
    name: metadata.client_name,
    // Remembered consent is kept per redirect URI and dropped when an RFC 7592 update changes the metadata.
    metadataVersion: sha256Base64url(JSON.stringify(metadata)),
    // A browser client calls the token and revocation endpoints from where it receives its code.
    allowedCorsOrigins: Object.freeze(webOriginsOf(metadata.redirect_uris)),
  })
}

/** The distinct origins of the http(s) redirect URIs (private-use schemes have none a browser sends). */
function webOriginsOf(redirectUris: readonly string[]): string[] {
  const origins = new Set<string>()
  for (const uri of redirectUris) {
    if (uri.startsWith('https://') || uri.startsWith('http://')) origins.add(new URL(uri).origin)
  }
  return [...origins]
}

const DUMMY_TOKEN_HASH = hashToken('no registration access token')

function parseRecord(clientId: string, value: string, version: string, expiresAt: number | undefined): RegisteredClient | undefined {
  try {
    const stored = JSON.parse(value) as Omit<RegisteredClient, 'clientId' | 'version' | 'expiresAt'>
    if (typeof stored.tokenHash !== 'string' || typeof stored.metadata !== 'object' || stored.metadata === null) return undefined
    return {
      clientId,
      metadata: stored.metadata,
      secretHash: stored.secretHash ?? undefined,
      tokenHash: stored.tokenHash,
      issuedAt: stored.issuedAt,
      expiresAt,
      version,
    }
  } catch {
    return undefined
  }
}
