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
import { familiesOf } from './family.ts'
import { decodeAccessToken, decodeCode } from './json-records.ts'
import { MemcacheConnection } from './memcache-connection.ts'
import { anyRevoked, indexFamily, joinFamilies, revokeFamilies, revokeFamily } from './memcache-families.ts'
import { putTokens, readRefresh, takeBack, tryRotate } from './memcache-rotation.ts'
import { MemcacheRecords } from './memcache-records.ts'
import { RecordFacade } from './record-facade.ts'
import type { AccessTokenStore, AuthCodeStore, RecordStore } from './types.ts'
import type { CodeConsumption, FamilyFilter, RotationOutcome, RotationRequest } from './types.ts'

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
 *   first, then claimed by `add` of `rotated:<hash>`; a caller whose `add` fails takes its tokens back and
 *   decides again on the new state. Concurrent refresh (see `memcache-rotation.ts`) numbers the siblings
 *   with `incr` (beyond `concurrentRefreshes` is reuse) and lets the first sibling used win by `add` of
 *   `used:<parent>`; using another is reuse. Retiring the other siblings (tombstones, their access tokens
 *   deleted) is **best effort**: a sibling claimed while another is being used is caught by a re-check
 *   and revokes the family, but an evicted marker lets a retired sibling or a used token work once more.
 * - `revokeFamilies`: one index item per login session and per remembered consent lists their families
 *   (gets/CAS, like the family items); an evicted index item makes logout or consent revocation miss
 *   its families, so pair memcached with a durable store where that matters.
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
      const written = await putTokens(this.#mc, accessToken, refreshToken)
      await Promise.all([joinFamilies(this.#mc, accessToken, refreshToken), indexFamily(this.#mc, accessToken, refreshToken)])
      // Joined the family first, then checked: a revocation either sees the new members or is seen here.
      if (await anyRevoked(this.#mc, families)) {
        await takeBack(this.#mc, written)
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
      const token = await readRefresh(this.#mc, tokenHash)
      return token === undefined || token.expiresAt <= this.#mc.now() ? undefined : token
    })
  }

  async rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome> {
    return this.#mc.guard('rotateRefreshToken', async () => {
      // Each pass ends in an outcome unless another caller's rotation claim won first; then the token is
      // rotated and the next pass decides on that (a sibling, or reuse).
      for (let pass = 0; pass < 3; pass++) {
        const outcome = await tryRotate(this.#mc, request)
        if (outcome !== undefined) return outcome
      }
      throw new StoreUnavailableError('MemcacheTokenStore.rotateRefreshToken: too much contention on one refresh token')
    })
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.#mc.guard('revokeFamily', () => revokeFamily(this.#mc, familyId))
  }

  /** Revokes the families listed in the index item of a session or consent (best effort, see the class). */
  async revokeFamilies(filter: FamilyFilter): Promise<number> {
    return this.#mc.guard('revokeFamilies', () => revokeFamilies(this.#mc, filter))
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

  async #readAccess(tokenHash: string): Promise<AccessToken | undefined> {
    const json = await this.#mc.get(this.#mc.key('at', tokenHash))
    if (json === undefined) return undefined
    const token = decodeAccessToken(json)
    return token.expiresAt <= this.#mc.now() ? undefined : token
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
