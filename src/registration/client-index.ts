/**
 * Which client ids were registered, so that `oauth2-stack client list` can show them: the `RecordStore`
 * primitives have no listing, so the ids are kept in 16 index records (`client_index`, keys `0`–`15`),
 * each a JSON array written by compare-and-set. Sixteen, so that concurrent registrations seldom retry.
 * Ids of registrations that expired stay in the index until a listing (or a full shard) prunes them.
 *
 * @module
 */
import type { RecordStore } from '../stores/types.ts'

/** The record kind of the index shards. */
export const INDEX_KIND = 'client_index'
const SHARDS = 16
/** A shard's value stays under the 64 KiB a record may hold: about 2 000 ids per shard. */
const MAX_SHARD_CHARACTERS = 60_000
/** Index records outlive every registration in them (`idleExpirySeconds` is at most 365 days). */
const INDEX_LIFETIME = 400 * 86_400
const ATTEMPTS = 25

/** The index is full even after pruning: answered 503 by the endpoint. */
export class ClientIndexFull extends Error {
  constructor() {
    super('the index of registered clients is full')
  }
}

/** The 16 index records over a record store; `isLive` tells a registered id from an expired one. */
export class ClientIndex {
  readonly #records: RecordStore
  readonly #now: () => number
  readonly #isLive: (clientId: string) => Promise<boolean>

  constructor(records: RecordStore, now: () => number, isLive: (clientId: string) => Promise<boolean>) {
    this.#records = records
    this.#now = now
    this.#isLive = isLive
  }

  /** Adds an id; throws {@link ClientIndexFull} when its shard stays full after pruning. */
  add(clientId: string): Promise<void> {
    return this.#change(shardOf(clientId), async (ids) => {
      if (ids.includes(clientId)) return undefined
      let next = [...ids, clientId]
      if (JSON.stringify(next).length > MAX_SHARD_CHARACTERS) next = [...(await this.#live(ids)), clientId]
      if (JSON.stringify(next).length > MAX_SHARD_CHARACTERS) throw new ClientIndexFull()
      return next
    })
  }

  /** Removes an id (a deleted registration). */
  remove(clientId: string): Promise<void> {
    return this.#change(shardOf(clientId), async (ids) => (ids.includes(clientId) ? ids.filter((id) => id !== clientId) : undefined))
  }

  /** Every id still registered, pruning the expired ones from the index as it goes. */
  async list(): Promise<string[]> {
    const all: string[] = []
    for (let shard = 0; shard < SHARDS; shard++) {
      const record = await this.#records.getRecord(INDEX_KIND, String(shard))
      if (record === undefined) continue
      const ids = parseIds(record.value)
      const live = await this.#live(ids)
      all.push(...live)
      if (live.length < ids.length) {
        const dead = new Set(ids.filter((id) => !live.includes(id)))
        await this.#change(shard, async (current) => current.filter((id) => !dead.has(id)))
      }
    }
    return all.sort()
  }

  async #live(ids: readonly string[]): Promise<string[]> {
    const alive = await Promise.all(ids.map((id) => this.#isLive(id)))
    return ids.filter((_, index) => alive[index])
  }

  /** Compare-and-set loop on one shard: `update` answers the new ids, or `undefined` to change nothing. */
  async #change(shard: number, update: (ids: readonly string[]) => Promise<readonly string[] | undefined>): Promise<void> {
    const key = String(shard)
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const record = await this.#records.getRecord(INDEX_KIND, key)
      const next = await update(record === undefined ? [] : parseIds(record.value))
      if (next === undefined) return
      const expiresAt = this.#now() + INDEX_LIFETIME
      const value = JSON.stringify(next)
      const written =
        record === undefined
          ? await this.#records.createRecord(INDEX_KIND, key, value, expiresAt)
          : await this.#records.replaceRecord(INDEX_KIND, key, record.version, value, expiresAt)
      if (written) return
    }
    throw new Error('the index of registered clients is too busy; try again')
  }
}

/** The shard of an id: its characters summed, modulo 16 (ids are random, so shards fill evenly). */
function shardOf(clientId: string): number {
  let sum = 0
  for (let index = 0; index < clientId.length; index++) sum += clientId.charCodeAt(index)
  return sum % SHARDS
}

function parseIds(value: string): string[] {
  try {
    const parsed: unknown = JSON.parse(value)
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : []
  } catch {
    return []
  }
}
