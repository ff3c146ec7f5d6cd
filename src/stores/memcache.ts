/**
 * A memcached store for authorization codes and tokens (the seed's `MemcacheTokenStore`), on
 * [memjs](https://github.com/memcachier/memjs) 1.3, an optional peer dependency.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { Client as MemjsClient, Utils, type Response } from 'memjs'
import { StoreUnavailableError } from '../errors.ts'
import type { AccessToken, AuthorizationCode, RefreshToken } from '../types.ts'
import { decodeAccessToken, decodeCode, decodeRefreshToken, REVOKED_FAMILY_SECONDS, unavailable } from './kv.ts'
import { decideRotation } from './family.ts'
import type { AccessTokenStore, AuthCodeStore, CodeConsumption, RotationOutcome, RotationRequest } from './types.ts'

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

/** memcached reads an expiration above 30 days as an absolute Unix time. */
const RELATIVE_EXPIRY_LIMIT = 30 * 86_400
/** A family's member list is one item; memcached items are at most 1 MiB by default. */
const FAMILY_UPDATE_ATTEMPTS = 32
/** Key parts used as they are; anything else (long, or with characters memcached refuses) is hashed. */
const SAFE_KEY_PART = /^[A-Za-z0-9_.~+/=-]{1,150}$/

/** State recorded beside a refresh token by the `add` that won a rotation. */
interface Marker {
  readonly rotatedAt?: number
  readonly successorHash?: string
  readonly graceUsed?: boolean
}

/** The family item: member key suffixes (`at:<hash>`, `rt:<hash>`) and the latest expiry among them. */
interface Family {
  readonly exp: number
  readonly members: readonly string[]
}

/** What a token write put into memcached, so it can be taken back. */
interface Written {
  readonly keys: readonly string[]
}

/**
 * Keeps authorization codes and tokens in memcached (the seed's `MemcacheTokenStore`), keyed by the
 * SHA-256 hashes the core passes; pair it with a client store such as `LocalClientStore`. Records are
 * JSON with native expiry (memcached `exptime`: relative seconds, or an absolute Unix time beyond 30 days,
 * computed from the system clock, which must be in step with memcached's); reads check `expiresAt` as well.
 *
 * memcached has no scripts and no transactions, so each atomic step is built on one operation that has a
 * single winner:
 * - `consumeCode`: `add` of `consumed:<hash>`; whoever's `add` succeeds has consumed the code.
 * - `rotateRefreshToken`: the rule is `decideRotation` (`stores/rotation.ts`). The successor is written
 *   first, then claimed by `add` of `rotated:<hash>` (or `grace:<hash>` for the one grace retry); a caller
 *   whose `add` fails takes its tokens back and decides again on the new state. A grace retry tombstones
 *   the lost successor by `add` of `rotated:<successor>`; if that fails the successor was used meanwhile,
 *   which is reuse.
 * - Families: one item per family holding its members, updated with gets/CAS retries; `revokeFamily`
 *   first `add`s a `revoked:<familyId>` marker (a day), then deletes the members. `saveToken` joins the
 *   family, then checks the marker, and takes its tokens back when the family was revoked meanwhile.
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
 * const tokenStore = new MemcacheTokenStore({ servers: '127.0.0.1:11211' })
 * const controller = new AuthorizationController({ issuer, clientStore, authCodeStore: tokenStore, accessTokenStore: tokenStore })
 * ```
 */
export class MemcacheTokenStore implements AccessTokenStore, AuthCodeStore {
  readonly #client: MemjsClient
  readonly #owned: boolean
  readonly #prefix: string
  readonly #clock: () => number
  readonly #callTimeoutMs: number

  constructor(options: MemcacheTokenStoreOptions) {
    const prefix = options.prefix ?? 'oauth2:'
    if (typeof prefix !== 'string' || !/^[\x21-\x7e]{0,100}$/.test(prefix)) {
      throw new TypeError('MemcacheTokenStore: prefix must be at most 100 printable ASCII characters without spaces')
    }
    this.#prefix = prefix
    this.#clock = options.clock ?? Date.now
    this.#callTimeoutMs = options.callTimeoutMs ?? 1000
    if (options.client !== undefined) {
      if (options.servers !== undefined) throw new TypeError('MemcacheTokenStore: give client or servers, not both')
      this.#client = options.client
      this.#owned = false
    } else if (typeof options.servers === 'string' && options.servers !== '') {
      const timeout = (options.timeoutMs ?? 500) / 1000
      this.#client = MemjsClient.create(options.servers, {
        retries: 1,
        failover: false,
        timeout,
        conntimeout: 2 * timeout,
        logger: { log: () => undefined },
      })
      this.#owned = true
    } else {
      throw new TypeError("MemcacheTokenStore needs { client } (a memjs client) or { servers: 'host:port' }")
    }
  }

  /** The servers, for messages: `host:port`, comma-separated. */
  get address(): string {
    return this.#client.servers.map((server) => `${server.host}:${server.port}`).join(',')
  }

  /**
   * Resolves once every server answers. Rejects with an `Error` naming `memcached at host:port` when one
   * cannot be reached, so a server can refuse to start without its store.
   */
  async connect(): Promise<void> {
    for (const server of this.#client.servers) {
      try {
        const noop = new Promise<void>((resolve, reject) => {
          this.#client.incrSeq()
          const seq = this.#client.seq
          // NOOP (opcode 0x0a) on this server.
          server.onResponse(seq, () => resolve())
          server.onError(seq, reject)
          server.write(Utils.makeRequestBuffer(0x0a, '', '', '', seq))
        })
        await this.#withDeadline(noop)
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error)
        throw new Error(`memcached at ${server.host}:${server.port} is unreachable: ${reason}`, { cause: error })
      }
    }
  }

  /** Closes the connections if the store made the client (`{ servers }`); a client passed in is left alone. */
  async close(): Promise<void> {
    if (this.#owned) this.#client.close()
  }

  // ----- authorization codes ----------------------------------------------------------------------

  async saveCode(code: AuthorizationCode): Promise<void> {
    await this.#guard('saveCode', () => this.#set(this.#key('code', code.codeHash), JSON.stringify(code), code.expiresAt))
  }

  async fetchByCode(codeHash: string): Promise<AuthorizationCode | undefined> {
    return this.#guard('fetchByCode', async () => {
      const [json, consumed] = await Promise.all([this.#get(this.#key('code', codeHash)), this.#get(this.#key('consumed', codeHash))])
      if (json === undefined || consumed !== undefined) return undefined
      const code = decodeCode(json)
      return code.expiresAt <= this.#now() ? undefined : code
    })
  }

  async consumeCode(codeHash: string, now: number): Promise<CodeConsumption | undefined> {
    return this.#guard('consumeCode', async () => {
      const json = await this.#get(this.#key('code', codeHash))
      if (json === undefined) return undefined
      const code = decodeCode(json)
      if (code.expiresAt <= now) return undefined
      // The one whose add succeeds consumed the code; the marker lives as long as the code, so reuse is seen.
      const won = await this.#add(this.#key('consumed', codeHash), '1', code.expiresAt)
      return { outcome: won ? 'consumed' : 'reused', code }
    })
  }

  // ----- tokens -----------------------------------------------------------------------------------

  async saveToken(accessToken: AccessToken, refreshToken?: RefreshToken): Promise<boolean> {
    return this.#guard('saveToken', async () => {
      const families = familiesOf(accessToken, refreshToken)
      if (await this.#anyRevoked(families)) return false
      const written = await this.#put(accessToken, refreshToken)
      await this.#joinFamilies(accessToken, refreshToken)
      // Joined the family first, then checked: a revocation either sees the new members or is seen here.
      if (await this.#anyRevoked(families)) {
        await this.#takeBack(written)
        return false
      }
      return true
    })
  }

  async fetchByToken(tokenHash: string): Promise<AccessToken | undefined> {
    return this.#guard('fetchByToken', () => this.#readAccess(tokenHash))
  }

  async fetchByRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    return this.#guard('fetchByRefreshToken', async () => {
      const token = await this.#readRefresh(tokenHash)
      return token === undefined || token.expiresAt <= this.#now() ? undefined : token
    })
  }

  async rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome> {
    return this.#guard('rotateRefreshToken', async () => {
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
    await this.#guard('revokeFamily', () => this.#revoke(familyId))
  }

  /** Deletes one access token. Its family item keeps the member until it expires; revoking skips it. */
  async revokeAccessToken(tokenHash: string): Promise<void> {
    await this.#guard('revokeAccessToken', () => this.#delete(this.#key('at', tokenHash)))
  }

  async fetchExistingToken(uniqueKey: string): Promise<AccessToken | undefined> {
    return this.#guard('fetchExistingToken', async () => {
      const hash = await this.#get(this.#key('uniq', uniqueKey))
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
      await this.#revoke(current.familyId)
      return 'reused'
    }
    const families = [...new Set([current.familyId, ...familiesOf(request.accessToken, request.refreshToken)])]
    if (await this.#anyRevoked(families)) return 'invalid'
    // Write the successor before claiming, so that whoever sees the claim finds the successor. Only the
    // winner joins the family (one CAS writer per rotation, not one per contender).
    const written = await this.#put(request.accessToken, request.refreshToken)
    const claim: Marker =
      outcome === 'rotated' ? { rotatedAt: request.now, successorHash: request.refreshToken.tokenHash } : { successorHash: request.refreshToken.tokenHash }
    const claimed = await this.#add(this.#key(outcome === 'rotated' ? 'rotated' : 'grace', current.tokenHash), JSON.stringify(claim), current.expiresAt)
    if (!claimed) {
      await this.#takeBack(written)
      return undefined
    }
    if (outcome === 'grace' && current.successorHash !== undefined) {
      // The successor the client lost becomes a rotated-out tombstone (presenting it later is reuse) and
      // its access token is deleted. If it was rotated meanwhile, this retry is a replay after all.
      const tombstone: Marker = { rotatedAt: request.now, graceUsed: true }
      const expiresAt = successor?.expiresAt ?? current.expiresAt
      if (!(await this.#add(this.#key('rotated', current.successorHash), JSON.stringify(tombstone), expiresAt))) {
        await this.#takeBack(written)
        await this.#revoke(current.familyId)
        return 'reused'
      }
      if (successor?.accessTokenHash !== undefined) await this.#delete(this.#key('at', successor.accessTokenHash))
    }
    await this.#joinFamilies(request.accessToken, request.refreshToken)
    // As in saveToken: a revocation that read the family before this join is seen here.
    if (await this.#anyRevoked(families)) {
      await this.#takeBack(written)
      return 'invalid'
    }
    return outcome
  }

  /** Writes an access token (and refresh token) and its `uniqueKey` entry. */
  async #put(accessToken: AccessToken, refreshToken: RefreshToken | undefined): Promise<Written> {
    const accessKey = this.#key('at', accessToken.tokenHash)
    const keys = [accessKey]
    const writes = [this.#set(accessKey, JSON.stringify(accessToken), accessToken.expiresAt)]
    if (accessToken.uniqueKey !== undefined) {
      writes.push(this.#set(this.#key('uniq', accessToken.uniqueKey), accessToken.tokenHash, accessToken.expiresAt))
    }
    if (refreshToken !== undefined) {
      const key = this.#key('rt', refreshToken.tokenHash)
      keys.push(key)
      writes.push(this.#set(key, JSON.stringify(refreshToken), refreshToken.expiresAt))
    }
    await Promise.all(writes)
    return { keys }
  }

  /** Makes the tokens members of their families (usually one). */
  async #joinFamilies(accessToken: AccessToken, refreshToken: RefreshToken | undefined): Promise<void> {
    const joins = new Map<string, { members: string[]; expiresAt: number }>()
    const join = (familyId: string | undefined, member: string, expiresAt: number): void => {
      if (familyId === undefined) return
      const entry = joins.get(familyId) ?? { members: [], expiresAt: 0 }
      entry.members.push(member)
      entry.expiresAt = Math.max(entry.expiresAt, expiresAt)
      joins.set(familyId, entry)
    }
    join(accessToken.familyId, `at:${accessToken.tokenHash}`, accessToken.expiresAt)
    if (refreshToken !== undefined) join(refreshToken.familyId, `rt:${refreshToken.tokenHash}`, refreshToken.expiresAt)
    await Promise.all([...joins].map(([familyId, entry]) => this.#join(familyId, entry.members, entry.expiresAt)))
  }

  async #takeBack(written: Written): Promise<void> {
    await Promise.all(written.keys.map((key) => this.#delete(key)))
  }

  /** Adds members to a family item with gets/CAS, retrying when another writer changed it meanwhile. */
  async #join(familyId: string, members: readonly string[], expiresAt: number): Promise<void> {
    const key = this.#key('fam', familyId)
    for (let attempt = 0; attempt < FAMILY_UPDATE_ATTEMPTS; attempt++) {
      const current = await this.#gets(key)
      if (current === undefined) {
        const family: Family = { exp: expiresAt, members }
        if (await this.#add(key, JSON.stringify(family), expiresAt)) return
        continue
      }
      const family = JSON.parse(current.value) as Family
      const known = new Set(family.members)
      const missing = members.filter((member) => !known.has(member))
      if (missing.length === 0 && family.exp >= expiresAt) return
      const updated: Family = { exp: Math.max(family.exp, expiresAt), members: [...family.members, ...missing] }
      if (await this.#cas(key, JSON.stringify(updated), updated.exp, current.cas)) return
      // Another writer changed the item: back off a little (randomly, so contenders spread out).
      await new Promise((resolve) => setTimeout(resolve, Math.random() * attempt))
    }
    throw new StoreUnavailableError(`MemcacheTokenStore: could not update family ${familyId} (contention)`)
  }

  async #revoke(familyId: string): Promise<void> {
    // The marker first: a writer that joins after we read the members sees it and takes its tokens back.
    await this.#add(this.#key('revoked', familyId), '1', this.#now() + REVOKED_FAMILY_SECONDS)
    const key = this.#key('fam', familyId)
    const json = await this.#get(key)
    if (json !== undefined) {
      const family = JSON.parse(json) as Family
      await Promise.all(family.members.map((member) => this.#delete(this.#prefix + member)))
    }
    await this.#delete(key)
  }

  async #anyRevoked(familyIds: readonly string[]): Promise<boolean> {
    const markers = await Promise.all(familyIds.map((familyId) => this.#get(this.#key('revoked', familyId))))
    return markers.some((marker) => marker !== undefined)
  }

  async #readAccess(tokenHash: string): Promise<AccessToken | undefined> {
    const json = await this.#get(this.#key('at', tokenHash))
    if (json === undefined) return undefined
    const token = decodeAccessToken(json)
    return token.expiresAt <= this.#now() ? undefined : token
  }

  /** A refresh token as saved, with the state its markers record (rotated, grace used, successor). */
  async #readRefresh(tokenHash: string): Promise<RefreshToken | undefined> {
    const [json, rotatedJson, graceJson] = await Promise.all([
      this.#get(this.#key('rt', tokenHash)),
      this.#get(this.#key('rotated', tokenHash)),
      this.#get(this.#key('grace', tokenHash)),
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

  // ----- memcached --------------------------------------------------------------------------------

  #now(): number {
    return Math.floor(this.#clock() / 1000)
  }

  /** A key: prefix, kind and a part that memcached accepts (hashed when it would not be). */
  #key(kind: string, part: string): string {
    const safe = SAFE_KEY_PART.test(part) ? part : `#${createHash('sha256').update(part).digest('base64url')}`
    return `${this.#prefix}${kind}:${safe}`
  }

  /** memcached `exptime` for an entry that expires at `expiresAt` (epoch seconds, store clock). */
  #exptime(expiresAt: number): number {
    const ms = expiresAt * 1000 - this.#clock()
    if (ms <= RELATIVE_EXPIRY_LIMIT * 1000) return Math.max(1, Math.ceil(ms / 1000))
    // Beyond 30 days memcached wants an absolute Unix time, which it compares with its own (system) clock.
    return Math.ceil((Date.now() + ms) / 1000)
  }

  /** Runs a store call: bounded by `callTimeoutMs`, every failure a StoreUnavailableError. */
  async #guard<T>(name: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await this.#withDeadline(operation())
    } catch (error) {
      throw unavailable(error, `MemcacheTokenStore.${name} (memcached at ${this.address})`)
    }
  }

  /** `work`, or a rejection once `callTimeoutMs` has passed. */
  async #withDeadline<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#callTimeoutMs} ms`)), this.#callTimeoutMs)
    })
    try {
      return await Promise.race([work, deadline])
    } finally {
      clearTimeout(timer)
    }
  }

  async #get(key: string): Promise<string | undefined> {
    const { value } = await this.#client.get(key)
    return value === null ? undefined : value.toString('utf8')
  }

  async #set(key: string, value: string, expiresAt: number): Promise<void> {
    await this.#client.set(key, value, { expires: this.#exptime(expiresAt) })
  }

  /** memcached `add`: stores only if the key is absent; resolves whether this call stored it. */
  async #add(key: string, value: string, expiresAt: number): Promise<boolean> {
    return this.#client.add(key, value, { expires: this.#exptime(expiresAt) })
  }

  async #delete(key: string): Promise<void> {
    await this.#client.delete(key)
  }

  /** GET with the item's CAS value (memjs 1.3 does not expose it; this speaks the binary protocol). */
  #gets(key: string): Promise<{ value: string; cas: Buffer } | undefined> {
    return this.#perform(key, Utils.makeRequestBuffer(0x00, key, '', '', 0), (response) => {
      if (response.header.status === 0) return { value: response.val.toString('utf8'), cas: Buffer.from(response.header.cas) }
      if (response.header.status === 1) return undefined
      throw new Error(`memcached GET failed with status ${response.header.status}`)
    })
  }

  /** SET with a CAS value: stored only if the item is unchanged since {@link #gets}; resolves whether it was. */
  #cas(key: string, value: string, expiresAt: number, cas: Buffer): Promise<boolean> {
    const extras = Buffer.alloc(8) // flags (0), expiration
    extras.writeUInt32BE(this.#exptime(expiresAt), 4)
    const request = Utils.makeRequestBuffer(0x01, key, extras, value, 0)
    cas.copy(request, 16)
    return this.#perform(key, request, (response) => {
      if (response.header.status === 0) return true
      // 1: gone meanwhile, 2: changed meanwhile.
      if (response.header.status === 1 || response.header.status === 2) return false
      throw new Error(`memcached SET (CAS) failed with status ${response.header.status}`)
    })
  }

  /** Sends a raw binary-protocol request through memjs (its server choice, timeouts and errors). */
  #perform<T>(key: string, request: Buffer, read: (response: Response) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#client.incrSeq()
      const seq = this.#client.seq
      request.writeUInt32BE(seq, 12) // opaque: memjs matches the response to this request by it
      this.#client.perform(key, request, seq, (error: Error | null, response?: Response) => {
        if (error !== null || response === undefined) {
          reject(error ?? new Error('memcached: no response'))
          return
        }
        try {
          resolve(read(response))
        } catch (failure) {
          reject(failure instanceof Error ? failure : new Error(String(failure)))
        }
      })
    })
  }
}

/** The families a write goes into (usually one). */
function familiesOf(accessToken: AccessToken, refreshToken: RefreshToken | undefined): string[] {
  const families = new Set<string>()
  if (accessToken.familyId !== undefined) families.add(accessToken.familyId)
  if (refreshToken !== undefined) families.add(refreshToken.familyId)
  return [...families]
}
