import { ConfigurationError } from '../errors.ts'
import { randomId } from '../internal/random-id.ts'
import type { RecordStore } from '../stores/types.ts'
import { hashToken } from '../tokens/hash.ts'
import type { Client } from '../types.ts'
import { RecordIndex } from './consent-index.ts'
import { redirectsOnlyToLoopback } from './consent-loopback.ts'

/** RecordStore kind of remembered consent. */
const KIND = 'consent'
/** Default lifetime of a remembered consent: 180 days after it was last given. */
export const DEFAULT_CONSENT_LIFETIME: number = 180 * 86_400
/** The scope whose consent lets the client get refresh tokens while the user is away (OpenID Connect Core section 11). */
const OFFLINE_ACCESS = 'offline_access'

/**
 * A remembered consent (a "grant"): a user allowed a client these scopes. An authorization it covers skips
 * the consent page. The tokens issued under it carry its `grantId` (`GrantContext.grantId`), so revoking
 * it ends them.
 */
export interface RememberedConsent {
  /** Identifies this consent; carried into every grant made under it. */
  readonly grantId: string
  readonly userId: string
  readonly clientId: string
  /**
   * The redirect URI the consent is for, for clients whose metadata can change (`Client.metadataVersion`
   * set: self-registered and metadata-document clients); `undefined` for the others (one consent per
   * user and client).
   */
  readonly redirectUri: string | undefined
  /** The scopes allowed, in the order first allowed. */
  readonly scopes: readonly string[]
  /** Whether the consent covered `offline_access` (refresh tokens while the user is away). */
  readonly offlineAccess: boolean
  /** The client's `metadataVersion` when consent was given; another version drops the consent. */
  readonly metadataVersion: string | undefined
  /** When consent was first given, in epoch seconds. */
  readonly createdAt: number
  /** When consent was last given (widened or renewed), in epoch seconds. */
  readonly updatedAt: number
  /** When the consent is forgotten, in epoch seconds. */
  readonly expiresAt: number
}

/** What ends token families: the token store's `revokeFamilies`, when it has one. */
export interface FamilyRevoker {
  revokeFamilies?(selector: { readonly grantId: string }): Promise<unknown>
}

/** Options of {@link RememberedConsents}. */
export interface RememberedConsentsOptions {
  /** Now, in epoch seconds. */
  readonly now: () => number
  /** How long consent is remembered after it was last given, in seconds. Default {@link DEFAULT_CONSENT_LIFETIME} (180 days). */
  readonly lifetime?: number
  /**
   * Where the tokens issued under a consent are ended when it is revoked: the access token store, whose
   * `revokeFamilies({ grantId })` (a {@link FamilyRevoker}) is called when it has one.
   */
  readonly tokens?: object
}

/** Which remembered consents {@link RememberedConsents.revoke} ends: a user's, a client's, or one user's for one client. */
export type ConsentSelector =
  { readonly userId: string; readonly clientId?: string | undefined } | { readonly userId?: string | undefined; readonly clientId: string }

/**
 * Remembered consent, kept in the controller's {@link RecordStore} (kind `consent`, keyed by a hash of
 * user, client and — for clients with a `metadataVersion` — redirect URI), with an index per user and
 * one per client (kinds `consent_user`, `consent_client`) so both can be listed and revoked.
 *
 * The library API behind `oauth2-stack grant list|revoke`; the authorization endpoint reads and writes
 * it when the site adapter implements the login/consent split (docs/sessions-and-consent.md).
 */
export class RememberedConsents {
  readonly #records: RecordStore
  readonly #now: () => number
  readonly #lifetime: number
  readonly #tokens: FamilyRevoker | undefined
  readonly #byUser: RecordIndex
  readonly #byClient: RecordIndex

  constructor(records: RecordStore, options: RememberedConsentsOptions) {
    this.#records = records
    this.#now = options.now
    const lifetime = options.lifetime ?? DEFAULT_CONSENT_LIFETIME
    if (!Number.isSafeInteger(lifetime) || lifetime < 1)
      throw new ConfigurationError('sessions.consentLifetime must be a whole number of seconds')
    this.#lifetime = lifetime
    this.#tokens = options.tokens
    this.#byUser = new RecordIndex(records, 'consent_user')
    this.#byClient = new RecordIndex(records, 'consent_client')
  }

  /**
   * The consent `userId` gave `client` (for `redirectUri` when the client has a `metadataVersion`), or
   * `undefined`. A consent given under another `metadataVersion` is dropped (the client's metadata
   * changed: RFC 7592 update, refetched metadata document) and reads as absent.
   */
  async find(userId: string, client: Client, redirectUri: string): Promise<RememberedConsent | undefined> {
    const key = consentKey(userId, client, redirectUri)
    const consent = await this.#read(key)
    if (consent === undefined) return undefined
    if (consent.metadataVersion !== client.metadataVersion) {
      await this.#records.deleteRecord(KIND, key)
      return undefined
    }
    return consent
  }

  /**
   * Whether `consent` covers an authorization for `scopes` of `client`: every scope was allowed and, for a
   * self-registered or metadata-document client (one with a `metadataVersion`), not every redirect URI
   * is a loopback one (anyone can register or publish such a client under any name, and whoever runs it
   * gets the code, so its consent is never taken as given).
   */
  covers(consent: RememberedConsent | undefined, client: Client, scopes: readonly string[]): consent is RememberedConsent {
    if (consent === undefined) return false
    if (client.metadataVersion !== undefined && redirectsOnlyToLoopback(client)) return false
    const allowed = new Set(consent.scopes)
    return scopes.every((scope) => allowed.has(scope))
  }

  /**
   * Remembers that `userId` allowed `client` these `scopes`: adds them to an existing consent (same
   * `grantId`) or creates one, and renews its lifetime.
   */
  async remember(userId: string, client: Client, redirectUri: string, scopes: readonly string[]): Promise<RememberedConsent> {
    const key = consentKey(userId, client, redirectUri)
    const now = this.#now()
    const expiresAt = now + this.#lifetime
    await this.#byUser.add(hashToken(`u\0${userId}`), key, expiresAt)
    await this.#byClient.add(hashToken(`c\0${client.clientId}`), key, expiresAt)
    for (let attempt = 0; attempt < 8; attempt++) {
      const record = await this.#records.getRecord(KIND, key)
      const previous = record === undefined ? undefined : parseConsent(record.value)
      const kept = previous !== undefined && previous.metadataVersion === client.metadataVersion ? previous : undefined
      const all = kept === undefined ? [...new Set(scopes)] : [...new Set([...kept.scopes, ...scopes])]
      const consent: RememberedConsent = {
        grantId: kept?.grantId ?? randomId(16),
        userId,
        clientId: client.clientId,
        redirectUri: client.metadataVersion === undefined ? undefined : redirectUri,
        scopes: all,
        offlineAccess: all.includes(OFFLINE_ACCESS),
        metadataVersion: client.metadataVersion,
        createdAt: kept?.createdAt ?? now,
        updatedAt: now,
        expiresAt,
      }
      const value = JSON.stringify(consent)
      const written =
        record === undefined
          ? await this.#records.createRecord(KIND, key, value, expiresAt)
          : await this.#records.replaceRecord(KIND, key, record.version, value, expiresAt)
      if (written) return consent
    }
    throw new Error('remembered consent is too contended to write')
  }

  /** Every live consent `userId` gave, oldest first. */
  async listByUser(userId: string): Promise<RememberedConsent[]> {
    return this.#readAll(await this.#byUser.list(hashToken(`u\0${userId}`)))
  }

  /** Every live consent given to `clientId`, oldest first. */
  async listByClient(clientId: string): Promise<RememberedConsent[]> {
    return this.#readAll(await this.#byClient.list(hashToken(`c\0${clientId}`)))
  }

  /**
   * Revokes the consents `selector` names: deletes them, so the next authorization asks again, and ends
   * the token families issued under each (through the token store's `revokeFamilies({ grantId })`, when
   * it has it). Returns the consents revoked.
   */
  async revoke(selector: ConsentSelector): Promise<RememberedConsent[]> {
    const { userId, clientId } = selector
    const found = userId === undefined ? await this.listByClient(clientId as string) : await this.listByUser(userId)
    const chosen = found.filter((consent) => clientId === undefined || consent.clientId === clientId)
    const revoked: RememberedConsent[] = []
    for (const consent of chosen) {
      const key = keyOf(consent)
      if (await this.#records.deleteRecord(KIND, key)) revoked.push(consent)
      await this.#byUser.remove(hashToken(`u\0${consent.userId}`), key)
      await this.#byClient.remove(hashToken(`c\0${consent.clientId}`), key)
      await this.#tokens?.revokeFamilies?.({ grantId: consent.grantId })
    }
    return revoked
  }

  async #read(key: string): Promise<RememberedConsent | undefined> {
    const record = await this.#records.getRecord(KIND, key)
    return record === undefined ? undefined : parseConsent(record.value)
  }

  async #readAll(keys: readonly string[]): Promise<RememberedConsent[]> {
    const consents: RememberedConsent[] = []
    for (const key of new Set(keys)) {
      const consent = await this.#read(key)
      if (consent !== undefined) consents.push(consent)
    }
    return consents.sort((a, b) => a.createdAt - b.createdAt)
  }
}

/** The record key of a consent: per user and client, and per redirect URI for clients with a metadata version. */
function consentKey(userId: string, client: Client, redirectUri: string): string {
  return hashToken(`${userId}\0${client.clientId}\0${client.metadataVersion === undefined ? '' : redirectUri}`)
}

function keyOf(consent: RememberedConsent): string {
  return hashToken(`${consent.userId}\0${consent.clientId}\0${consent.redirectUri ?? ''}`)
}

function parseConsent(value: string): RememberedConsent | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<RememberedConsent> | null
    if (parsed === null || typeof parsed.grantId !== 'string' || typeof parsed.userId !== 'string' || !Array.isArray(parsed.scopes)) {
      return undefined
    }
    return parsed as RememberedConsent
  } catch {
    return undefined
  }
}
