/**
 * Clients identified by the URL of their Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-
 * document), answered next to the registered ones: a `ClientStore` decorator.
 *
 * @module
 */

import { ClientNotFoundError } from '../errors.ts'
import { freshnessSeconds, type FreshnessBounds } from '../fetch/cache-control.ts'
import { SafeFetchError } from '../fetch/errors.ts'
import { createSafeFetch } from '../fetch/safe-fetch.ts'
import type { SafeFetch } from '../fetch/types.ts'
import type { ClientStore } from '../stores/types.ts'
import type { Client } from '../types.ts'
import { DocumentCache } from './document-cache.ts'
import { clientFromMetadataDocument, MetadataDocumentProblem, metadataDocumentUrlProblem } from './metadata-document.ts'

/** A host policy: a list of exact host names (lower case, as in the URL), or a function of the host name. */
export type HostPolicy = readonly string[] | ((host: string) => boolean)

/**
 * The controller's `clientIdMetadataDocuments` option: clients whose `client_id` is an https URL are
 * described by the JSON document at that URL, fetched with a {@link SafeFetch} and cached. See
 * docs/client-id-metadata-documents.md.
 */
export interface ClientIdMetadataDocumentOptions {
  /** Only documents on these hosts are fetched. Default: every host (not denied). */
  readonly allowHost?: HostPolicy
  /** Documents on these hosts are never fetched; checked before `allowHost`. Default: none. */
  readonly denyHost?: HostPolicy
  /**
   * Development switch of the default fetcher: documents on loopback addresses (127.0.0.0/8, ::1) may be
   * fetched. Every other private or special-use address stays refused. Default `false`.
   */
  readonly allowLoopback?: boolean
  /** The fetcher. Default: `createSafeFetch({ allowLoopback })` (https only, 5 KiB, 5 s, no redirects). */
  readonly fetch?: SafeFetch
  /** How long validated documents are kept in this process; see {@link DocumentCacheOptions}. */
  readonly cache?: DocumentCacheOptions
}

/**
 * Bounds of the document cache. A document is kept for its `Cache-Control: max-age`, raised to
 * `minSeconds` and lowered to `maxSeconds`; `defaultSeconds` without `max-age`; not at all with
 * `no-store`, `no-cache` or `max-age=0`. Failures are never cached.
 */
export interface DocumentCacheOptions {
  /** Default 60. */
  readonly minSeconds?: number
  /** Default 86400 (24 hours). */
  readonly maxSeconds?: number
  /** Default 600 (10 minutes). */
  readonly defaultSeconds?: number
  /** The most documents kept; the least recently used goes first. Default 1000. */
  readonly maxEntries?: number
}

/** The metadata field announcing the feature (draft section 5). */
export const CIMD_METADATA_FIELD = 'client_id_metadata_document_supported'

/**
 * Answers `fetchByClientId` for client ids that are document URLs from their metadata documents, and
 * every other id from the wrapped store. A document URL is never looked up in the wrapped store: with the
 * feature on, such a `client_id` means "my document is there". An `https` id that is no document URL (no
 * path, a query, …) is asked of the wrapped store, and refused with the reason when it is not there. A
 * refused or unreachable document throws `ClientNotFoundError` (`invalid_client`) whose description says
 * why.
 */
export class MetadataDocumentClients implements ClientStore {
  readonly #store: ClientStore
  readonly #fetch: SafeFetch
  readonly #clock: () => number
  readonly #bounds: FreshnessBounds
  readonly #cache: DocumentCache
  readonly #pending = new Map<string, Promise<Client>>()
  readonly #allowed: (host: string) => boolean

  /** `clock` in milliseconds since the epoch (default `Date.now`). */
  constructor(store: ClientStore, options: ClientIdMetadataDocumentOptions = {}, clock: () => number = Date.now) {
    this.#store = store
    this.#fetch = options.fetch ?? createSafeFetch({ allowLoopback: options.allowLoopback === true })
    this.#clock = clock
    const cache = options.cache ?? {}
    this.#bounds = {
      minSeconds: cache.minSeconds ?? 60,
      maxSeconds: cache.maxSeconds ?? 86_400,
      defaultSeconds: cache.defaultSeconds ?? 600,
    }
    this.#cache = new DocumentCache(cache.maxEntries ?? 1000)
    const allow = policy(options.allowHost, true)
    const deny = policy(options.denyHost, false)
    this.#allowed = (host) => !deny(host) && allow(host)
  }

  /** Not an async function: a cache hit is a map lookup and an already-settled promise. */
  fetchByClientId(clientId: string): Promise<Client | undefined> {
    if (!clientId.startsWith('https://')) return this.#store.fetchByClientId(clientId)
    const cached = this.#cache.get(clientId, this.#clock())
    if (cached !== undefined) return Promise.resolve(cached)
    let pending = this.#pending.get(clientId)
    if (pending === undefined) {
      // Concurrent first uses share one fetch; it is forgotten once settled, so a failure is not kept.
      pending = this.#resolve(clientId).finally(() => this.#pending.delete(clientId))
      this.#pending.set(clientId, pending)
    }
    return pending
  }

  /** Forgets the cached document of `clientId`, so the next use fetches it again. */
  forget(clientId: string): void {
    this.#cache.delete(clientId)
  }

  async #resolve(url: string): Promise<Client> {
    const refused = (why: string, cause?: unknown): ClientNotFoundError =>
      new ClientNotFoundError(`The client's metadata document ${why}.`, cause === undefined ? undefined : { cause })
    const problem = metadataDocumentUrlProblem(url)
    if (problem !== undefined) {
      // Not a document URL: a client registered under such an id keeps working; anyone else learns why.
      const registered = await this.#store.fetchByClientId(url)
      if (registered !== undefined) return registered
      throw refused(`URL ${problem}`)
    }
    if (!this.#allowed(new URL(url).hostname)) throw refused('is on a host this server does not accept clients from')
    let response
    try {
      response = await this.#fetch(url)
    } catch (error) {
      throw refused(`could not be fetched (${error instanceof SafeFetchError ? error.code : 'network'})`, error)
    }
    if (response.status !== 200) throw refused(`could not be fetched (HTTP ${response.status})`)
    let client: Client
    try {
      client = clientFromMetadataDocument(url, response.body)
    } catch (error) {
      if (error instanceof MetadataDocumentProblem) throw refused(error.message, error)
      throw error
    }
    const seconds = freshnessSeconds(response.headers['cache-control'], this.#bounds)
    if (seconds > 0) this.#cache.set(url, client, this.#clock() + seconds * 1000)
    return client
  }
}

function policy(hosts: HostPolicy | undefined, fallback: boolean): (host: string) => boolean {
  if (hosts === undefined) return () => fallback
  if (typeof hosts === 'function') return hosts
  const set = new Set(hosts.map((host) => host.toLowerCase()))
  return (host) => set.has(host)
}

/**
 * `store` with metadata-document clients in front of it, or `store` itself when `options` is `undefined`
 * or `false`. The other methods of `store` (listing, registration, …) stay reachable through the result.
 */
export function withMetadataDocuments<T extends ClientStore>(
  store: T,
  options: ClientIdMetadataDocumentOptions | false | undefined,
  clock?: () => number,
): T {
  if (options === undefined || options === false) return store
  const documents = new MetadataDocumentClients(store, options, clock)
  const fetchByClientId = (clientId: string): Promise<Client | undefined> => documents.fetchByClientId(clientId)
  const bound = new Map<PropertyKey, unknown>()
  return new Proxy(store, {
    get(target, property) {
      if (property === 'fetchByClientId') return fetchByClientId
      const value: unknown = Reflect.get(target, property)
      if (typeof value !== 'function') return value
      let method = bound.get(property)
      if (method === undefined) bound.set(property, (method = (value as (...args: unknown[]) => unknown).bind(target)))
      return method
    },
  })
}
