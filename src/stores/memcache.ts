/**
 * A memcached store for authorization codes, tokens and short-lived records (the seed's
 * `MemcacheTokenStore`), on [memjs](https://github.com/memcachier/memjs) 1.3, an optional peer dependency.
 *
 * @module oauth2-stack/store/memcache
 */
import { Client as MemjsClient } from 'memjs'
import { ConfigurationError, StoreUnavailableError } from '../errors.ts'
import type { AccessToken, AuthorizationCode, RefreshToken } from '../types.ts'
import { unreachableError } from './errors.ts'
import { decideRotation, familiesOf } from './family.ts'
import { decodeAccessToken, decodeCode, decodeRefreshToken } from './json-records.ts'
import { MemcacheConnection } from './memcache-connection.ts'
import { anyRevoked, joinFamilies, revokeFamily } from './memcache-families.ts'
import { MemcacheRecords } from './memcache-records.ts'
import { RecordFacade } from './record-facade.ts'
import type { AccessTokenStore, AuthCodeStore, CodeConsumption, RecordStore, RotationOutcome, RotationRequest } from './types.ts'

/** Options every {@link MemcacheTokenStore} takes. */
export interface MemcacheTokenStoreCommonOptions {
  /**
   * Prepended to every key, so several stores (or test runs) can share one memcached. Printable ASCII
   * without spaces, at most 100 characters. Default `'oauth2:'`.
   */
  readonly prefix?: string
  /**
   * Clock in milliseconds since the epoch; defaults to `Date.now`. Entries expire natively after
   * `expiresAt` minus this clock's now, and reads compare `expiresAt` with it too.
   */
  readonly clock?: () => number
  /**
   * Every store call that has not settled after this many milliseconds fails with
   * `StoreUnavailableError`. Default 1000. memjs itself does not settle a request whose connection the
   * server closed (a memcached restart), so without this such a call would never end.
   */
  readonly callTimeoutMs?: number
}

/**
 * A store over a memjs client the host already has, like the seed's `MemcacheTokenStore(mc=…)`.
 *
 * The client must use memjs's default serializer. Give it `retries: 1` (no retry) and `failover: false`:
 * a retried `add` whose first attempt was stored reads as lost, so the winner of `consumeCode` would be
 * told `reused`; and failover moves keys to another server, where the single-use markers are missing.
 * The store never closes a client passed in.
 */
export interface MemcacheTokenStoreClientOptions extends MemcacheTokenStoreCommonOptions {
  /** The memjs client to use. */
  readonly client: MemjsClient
  readonly servers?: never
}

/** A store that makes (and owns) its own memjs client: no retries, no failover, quiet logger. */
export interface MemcacheTokenStoreServersOptions extends MemcacheTokenStoreCommonOptions {
  /** memjs server list, e.g. `'127.0.0.1:11211'` or `'user:pass@host1:11211,host2:11211'`. */
  readonly servers: string
  readonly client?: never
  /** memjs `timeout`: how long one memcached operation may take, in milliseconds. Default 500. */
  readonly timeoutMs?: number
}

/** Options of {@link MemcacheTokenStore}: an existing client, or a server list. */
export type MemcacheTokenStoreOptions = MemcacheTokenStoreClientOptions | MemcacheTokenStoreServersOptions

/** State recorded beside a refresh token by the `add` that won a rotation. */
interface Marker {
  readonly rotatedAt?: number
  readonly successorHash?: string
  readonly graceUsed?: boolean
}

/** What a token write put into memcached, so it can be taken back. */
interface Written {
  readonly keys: readonly string[]
}

/**
 * Keeps authorization codes, tokens and short-lived records in memcached (the seed's `MemcacheTokenStore`),
 * keyed by the SHA-256 hashes the core passes; pair it with a client store such as `LocalClientStore`.
 * Records are JSON (a grant's `context` included) with native expiry (memcached `exptime`: relative seconds, or an absolute Unix time beyond 30 days,
 * computed from the system clock, which must be in step with memcached's); reads check `expiresAt` as well.
 *
 * memcached has no scripts and no transactions, so each atomic step is built on one operation that has a
 * single winner:
 * - `consumeCode`: `add` of `consumed:<hash>`; whoever's `add` succeeds has consumed the code.
 * - `rotateRefreshToken`: the rule is `decideRotation` (`stores/family.ts`). The successor is written
 *   first, then claimed by `add` of `rotated:<hash>` (or `grace:<hash>` for the one grace retry); a caller
 *   whose `add` fails takes its tokens back and decides again on the new state. A grace retry tombstones
 *   the lost successor by `add` of `rotated:<successor>`; if that fails the successor was used meanwhile,
 *   which is reuse.
 * - Families: one item per family holding its members, updated with gets/CAS retries; `revokeFamily`
 *   first `add`s a `revoked:<familyId>` marker (a day), then deletes the members. `saveToken` joins the
 *   family, then checks the marker, and takes its tokens back when the family was revoked meanwhile.
 * - Records ({@link RecordStore}): `add` for create-if-absent and consume-once, `gets`/`cas` for
 *   compare-and-set (the version is memcached's CAS token), `add` of a window item and `incr` for counters
 *   (see `memcache-records.ts`). Records **without an expiry are refused** with a `TypeError`: memcached
 *   evicts, so signing keys, registered clients and remembered grants need a durable store (SQL or Redis).
 *
 * What is weaker than `RedisStore` (there, each step is one Lua script):
 * - **Eviction.** memcached may evict any item before it expires when memory runs short. An evicted
 *   `consumed:`, `rotated:` or `grace:` marker makes a used code or a rotated refresh token work once
 *   more; an evicted family item or `revoked:` marker makes revocation miss tokens. Size memcached so that
 *   `evictions` stays 0, or use Redis where that matters.
 * - **Restarts and failover** lose every code, token and marker (users sign in again). Do not enable
 *   memjs `failover`: keys would move to a server where the markers are missing.
 * - **Steps are several operations.** A process that dies midway leaves partial state: unclaimed
 *   successor tokens (unreachable, they expire), or a claimed rotation whose successor the client never
 *   received (its retry is then treated as a grace retry or as reuse, as with a lost response).
 *   Concurrent readers can see a step half done: `fetchByRefreshToken` reads the record and its markers
 *   separately, and a token saved while its family is being revoked can be fetched for a moment before it
 *   is taken back (never after `saveToken` resolved `false`).
 * - **Reuse detection and revocation are best-effort** for these reasons: exactly one caller wins
 *   `consumeCode` and each rotation claim as long as nothing is evicted, but revoking relies on the
 *   family item, which is limited to one item's size (about 20 000 members at the default 1 MiB) and
 *   updated with at most 32 CAS attempts under contention (then the call fails with
 *   `StoreUnavailableError`).
 *
 * Every driver error rejects with `StoreUnavailableError` (503 `temporarily_unavailable`).
 *
 * @example
 * ```ts
 * import { AuthorizationController } from 'oauth2-stack'
 * import { MemcacheTokenStore } from 'oauth2-stack/store/memcache'
 *
 * const tokenStore = new MemcacheTokenStore({ servers: '127.0.0.1:11211' })
 * const controller = new AuthorizationController({ issuer, clientStore, authCodeStore: tokenStore, accessTokenStore: tokenStore })
 * ```
 */
export class MemcacheTokenStore extends RecordFacade implements AccessTokenStore, AuthCodeStore, RecordStore {
  readonly #mc: MemcacheConnection
  readonly #owned: boolean

  constructor(options: MemcacheTokenStoreOptions) {
    const prefix = options.prefix ?? 'oauth2:'
    if (typeof prefix !== 'string' || !/^[\x21-\x7e]{0,100}$/.test(prefix)) {
      throw new ConfigurationError('MemcacheTokenStore: prefix must be at most 100 printable ASCII characters without spaces')
    }
    const { client, owned } = memjsClientFor(options)
    const mc = new MemcacheConnection({ client, prefix, clock: options.clock ?? Date.now, callTimeoutMs: options.callTimeoutMs ?? 1000 })
    super(new MemcacheRecords(mc))
    this.#mc = mc
    this.#owned = owned
  }

  /** The servers, for messages: `host:port`, comma-separated. */
  get address(): string {
    return this.#mc.address
  }

  /**
   * Resolves once every server answers. Rejects with an `Error` naming `memcached at host:port` when one
   * cannot be reached, so a server can refuse to start without its store.
   */
  async connect(): Promise<void> {
    for (const server of this.#mc.client.servers) {
      try {
        await this.#mc.ping(server)
      } catch (error) {
        throw unreachableError('memcached', `${server.host}:${server.port}`, error)
      }
    }
  }

  /** Closes the connections if the store made the client (`{ servers }`); a client passed in is left alone. */
  async close(): Promise<void> {
    if (this.#owned) this.#mc.client.close()
  }

  // ----- authorization codes ----------------------------------------------------------------------

  async saveCode(code: AuthorizationCode): Promise<void> {
    await this.#mc.guard('saveCode', () => this.#mc.set(this.#mc.key('code', code.codeHash), JSON.stringify(code), code.expiresAt))
  }

  async fetchByCode(codeHash: string): Promise<AuthorizationCode | undefined> {
    return this.#mc.guard('fetchByCode', async () => {
      const [json, consumed] = await Promise.all([
        this.#mc.get(this.#mc.key('code', codeHash)),
        this.#mc.get(this.#mc.key('consumed', codeHash)),
      ])
      if (json === undefined || consumed !== undefined) return undefined
      const code = decodeCode(json)
      return code.expiresAt <= this.#mc.now() ? undefined : code
    })
  }

  async consumeCode(codeHash: string, now: number): Promise<CodeConsumption | undefined> {
    return this.#mc.guard('consumeCode', async () => {
      const json = await this.#mc.get(this.#mc.key('code', codeHash))
      if (json === undefined) return undefined
      const code = decodeCode(json)
      if (code.expiresAt <= now) return undefined
      // The one whose add succeeds consumed the code; the marker lives as long as the code, so reuse is seen.
      const won = await this.#mc.add(this.#mc.key('consumed', codeHash), '1', code.expiresAt)
      return { outcome: won ? 'consumed' : 'reused', code }
    })
  }

  // ----- tokens -----------------------------------------------------------------------------------

  async saveToken(accessToken: AccessToken, refreshToken?: RefreshToken): Promise<boolean> {
    return this.#mc.guard('saveToken', async () => {
      const families = familiesOf(accessToken, refreshToken)
      if (await anyRevoked(this.#mc, families)) return false
      const written = await this.#put(accessToken, refreshToken)
      await joinFamilies(this.#mc, accessToken, refreshToken)
      // Joined the family first, then checked: a revocation either sees the new members or is seen here.
      if (await anyRevoked(this.#mc, families)) {
        await this.#takeBack(written)
        return false
      }
      return true
    })
  }

  async fetchByToken(tokenHash: string): Promise<AccessToken | undefined> {
    return this.#mc.guard('fetchByToken', () => this.#readAccess(tokenHash))
  }

  async fetchByRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    return this.#mc.guard('fetchByRefreshToken', async () => {
      const token = await this.#readRefresh(tokenHash)
      return token === undefined || token.expiresAt <= this.#mc.now() ? undefined : token
    })
  }

  async rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome> {
    return this.#mc.guard('rotateRefreshToken', async () => {
      // Each pass ends in an outcome unless another caller's claim won first; then the state has moved
      // (rotated, then grace used) and the next pass decides on it. Three passes reach 'reused'.
      for (let pass = 0; pass < 3; pass++) {
        const outcome = await this.#tryRotate(request)
        if (outcome !== undefined) return outcome
      }
      throw new StoreUnavailableError('MemcacheTokenStore.rotateRefreshToken: too much contention on one refresh token')
    })
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.#mc.guard('revokeFamily', () => revokeFamily(this.#mc, familyId))
  }

  /** Deletes one access token. Its family item keeps the member until it expires; revoking skips it. */
  async revokeAccessToken(tokenHash: string): Promise<void> {
    await this.#mc.guard('revokeAccessToken', () => this.#mc.delete(this.#mc.key('at', tokenHash)))
  }

  async fetchExistingToken(uniqueKey: string): Promise<AccessToken | undefined> {
    return this.#mc.guard('fetchExistingToken', async () => {
      const hash = await this.#mc.get(this.#mc.key('uniq', uniqueKey))
      return hash === undefined ? undefined : this.#readAccess(hash)
    })
  }

  // ----- steps ------------------------------------------------------------------------------------

  /** One rotation attempt: an outcome, or `undefined` when a concurrent claim won and the caller should decide again. */
  async #tryRotate(request: RotationRequest): Promise<RotationOutcome | undefined> {
    const current = await this.#readRefresh(request.presentedHash)
    const successor =
      current?.rotatedAt !== undefined && current.successorHash !== undefined ? await this.#readRefresh(current.successorHash) : undefined
    const outcome = decideRotation(current, request, successor?.rotatedAt !== undefined)
    if (current === undefined || outcome === 'invalid') return 'invalid'
    if (outcome === 'reused') {
      await revokeFamily(this.#mc, current.familyId)
      return 'reused'
    }
    const families = [...new Set([current.familyId, ...familiesOf(request.accessToken, request.refreshToken)])]
    if (await anyRevoked(this.#mc, families)) return 'invalid'
    // Write the successor before claiming, so that whoever sees the claim finds the successor. Only the
    // winner joins the family (one CAS writer per rotation, not one per contender).
    const written = await this.#put(request.accessToken, request.refreshToken)
    const claim: Marker =
      outcome === 'rotated'
        ? { rotatedAt: request.now, successorHash: request.refreshToken.tokenHash }
        : { successorHash: request.refreshToken.tokenHash }
    const claimed = await this.#mc.add(
      this.#mc.key(outcome === 'rotated' ? 'rotated' : 'grace', current.tokenHash),
      JSON.stringify(claim),
      current.expiresAt,
    )
    if (!claimed) {
      await this.#takeBack(written)
      return undefined
    }
    if (outcome === 'grace' && current.successorHash !== undefined) {
      // The successor the client lost becomes a rotated-out tombstone (presenting it later is reuse) and
      // its access token is deleted. If it was rotated meanwhile, this retry is a replay after all.
      const tombstone: Marker = { rotatedAt: request.now, graceUsed: true }
      const expiresAt = successor?.expiresAt ?? current.expiresAt
      if (!(await this.#mc.add(this.#mc.key('rotated', current.successorHash), JSON.stringify(tombstone), expiresAt))) {
        await this.#takeBack(written)
        await revokeFamily(this.#mc, current.familyId)
        return 'reused'
      }
      if (successor?.accessTokenHash !== undefined) await this.#mc.delete(this.#mc.key('at', successor.accessTokenHash))
    }
    await joinFamilies(this.#mc, request.accessToken, request.refreshToken)
    // As in saveToken: a revocation that read the family before this join is seen here.
    if (await anyRevoked(this.#mc, families)) {
      await this.#takeBack(written)
      return 'invalid'
    }
    return outcome
  }

  /** Writes an access token (and refresh token) and its `uniqueKey` entry. */
  async #put(accessToken: AccessToken, refreshToken: RefreshToken | undefined): Promise<Written> {
    const accessKey = this.#mc.key('at', accessToken.tokenHash)
    const keys = [accessKey]
    const writes = [this.#mc.set(accessKey, JSON.stringify(accessToken), accessToken.expiresAt)]
    if (accessToken.uniqueKey !== undefined) {
      writes.push(this.#mc.set(this.#mc.key('uniq', accessToken.uniqueKey), accessToken.tokenHash, accessToken.expiresAt))
    }
    if (refreshToken !== undefined) {
      const key = this.#mc.key('rt', refreshToken.tokenHash)
      keys.push(key)
      writes.push(this.#mc.set(key, JSON.stringify(refreshToken), refreshToken.expiresAt))
    }
    await Promise.all(writes)
    return { keys }
  }

  async #takeBack(written: Written): Promise<void> {
    await Promise.all(written.keys.map((key) => this.#mc.delete(key)))
  }

  async #readAccess(tokenHash: string): Promise<AccessToken | undefined> {
    const json = await this.#mc.get(this.#mc.key('at', tokenHash))
    if (json === undefined) return undefined
    const token = decodeAccessToken(json)
    return token.expiresAt <= this.#mc.now() ? undefined : token
  }

  /** A refresh token as saved, with the state its markers record (rotated, grace used, successor). */
  async #readRefresh(tokenHash: string): Promise<RefreshToken | undefined> {
    const [json, rotatedJson, graceJson] = await Promise.all([
      this.#mc.get(this.#mc.key('rt', tokenHash)),
      this.#mc.get(this.#mc.key('rotated', tokenHash)),
      this.#mc.get(this.#mc.key('grace', tokenHash)),
    ])
    if (json === undefined) return undefined
    const saved = decodeRefreshToken(json)
    const rotated = rotatedJson === undefined ? undefined : (JSON.parse(rotatedJson) as Marker)
    const grace = graceJson === undefined ? undefined : (JSON.parse(graceJson) as Marker)
    return {
      ...saved,
      rotatedAt: rotated?.rotatedAt ?? saved.rotatedAt,
      graceUsed: saved.graceUsed || rotated?.graceUsed === true || grace !== undefined,
      successorHash: grace?.successorHash ?? rotated?.successorHash ?? saved.successorHash,
    }
  }
}

/** The memjs client for the options: the one passed in, or one made from the server list to fail fast. */
function memjsClientFor(options: MemcacheTokenStoreOptions): { client: MemjsClient; owned: boolean } {
  if (options.client !== undefined) {
    if (options.servers !== undefined) throw new ConfigurationError('MemcacheTokenStore: give client or servers, not both')
    return { client: options.client, owned: false }
  }
  if (typeof options.servers !== 'string' || options.servers === '') {
    throw new ConfigurationError("MemcacheTokenStore needs { client } (a memjs client) or { servers: 'host:port' }")
  }
  const timeout = (options.timeoutMs ?? 500) / 1000
  const logger = { log: () => undefined }
  return {
    client: MemjsClient.create(options.servers, { retries: 1, failover: false, timeout, conntimeout: 2 * timeout, logger }),
    owned: true,
  }
}
