/**
 * A Redis store for clients, authorization codes, tokens and the {@link RecordStore} primitives (the
 * seed's `RedisTokenStore`), on [ioredis](https://github.com/redis/ioredis) 5 or
 * [node-redis](https://github.com/redis/node-redis) 5, optional peer dependencies.
 *
 * @module oauth2-stack/store/redis
 */
import type { ClientSecretPolicy } from '../checks/client-secret-strength.ts'
import { ConfigurationError, StoreUnavailableError } from '../errors.ts'
import type { AccessToken, AuthorizationCode, Client, RefreshToken } from '../types.ts'
import { unreachableError } from './errors.ts'
import { decodeAccessToken, decodeClient, decodeCode, decodeRefreshToken, ttlMs } from './json-records.ts'
import { createClient, type ClientRegistration } from './memory-client-store.ts'
import { RedisCommands, text, type RedisDriver } from './redis-driver.ts'
import { ioredisDriver, ioredisFromUrl, isIoredisClient } from './redis-ioredis.ts'
import { isNodeRedisClient, nodeRedisDriver } from './redis-node-redis.ts'
import { RecordFacade } from './record-facade.ts'
import { RedisRecords } from './redis-records.ts'
import { readAccessToken, readRefreshToken } from './redis-token-reads.ts'
import { indexFamily, revokeFamilies, revokeFamily } from './redis-families.ts'
import { accessArgs, CONSUME_CODE, refreshArgs, ROTATE, familyBase, ROTATION_OUTCOMES, SAVE_CODE, SAVE_TOKEN } from './redis-scripts.ts'
import { DEFAULT_CONCURRENT_REFRESHES } from './family.ts'
import type {
  AccessTokenStore,
  AuthCodeStore,
  ClientStore,
  CodeConsumption,
  FamilyFilter,
  RecordStore,
  RotationOutcome,
  RotationRequest,
} from './types.ts'

export type { NodeRedisClient } from './redis-node-redis.ts'
import type { RedisStoreOptions } from './redis-options.ts'

export type { RedisStoreClientOptions, RedisStoreCommonOptions, RedisStoreOptions, RedisStoreUrlOptions } from './redis-options.ts'

/**
 * Keeps clients, authorization codes, tokens and records in Redis, so several server processes share
 * them (the seed's `RedisTokenStore`, plus a client store and the {@link RecordStore} primitives).
 *
 * - Codes and tokens are keyed by the SHA-256 hashes the core passes; no plaintext reaches Redis.
 *   Records are JSON (a grant's `context` included); every entry expires natively when its record does
 *   (`PEXPIRE`), and reads check `expiresAt` as well.
 * - `consumeCode`, `saveToken`, `rotateRefreshToken` and `revokeFamily` are each one Lua script, so they
 *   are atomic across every process sharing the server. Rotation applies the rule of `decideRotation`
 *   (`stores/family.ts`), mirrored in Lua.
 * - A family's members are kept in a set per family; revoking deletes them all and refuses new tokens
 *   into the family for a day. `revokeFamilies` finds the families of a login session or a remembered
 *   consent in a set per session and per consent, written beside each save and rotation.
 * - Concurrent refresh: a refresh token's hash keeps its parent and its successors, so the ROTATE script
 *   hands out sibling successors and retires the losers in the same step.
 * - The record primitives (create-if-absent, compare-and-set, consume-once, windowed counters) are one
 *   command or one script each; records may live without an expiry (signing keys, registered clients).
 * - Every driver error, and any call while the connection is not ready, rejects with
 *   `StoreUnavailableError` (503 `temporarily_unavailable`).
 *
 * Runs on a single Redis primary (tested with Redis 7; Sentinel is fine) and on Redis Cluster through an
 * ioredis `Cluster` client (tested on three local nodes): every script declares its keys and keeps to one
 * hash slot. A family's keys share the hash tag `{<familyId>}` (families shard across the nodes); codes,
 * records and clients are one key each (a client and the set of ids are written by two commands); a
 * token is found by hash through a small pointer key (`tok:at:<hash>`, `tok:rt:<hash>`) naming its family
 * (see `redis-scripts.ts`). On a single server the token scripts write the pointers and one script reads a
 * pointer and its token, so a save, a rotation and a read are one round trip each; on Redis Cluster the
 * pointers are plain commands sent beside the scripts, and a read is two round trips. Tokens saved by a
 * release before this layout read as absent (their clients sign in again). A `prefix` holding a `{…}` tag
 * puts every key in that one slot. An ioredis client's `keyPrefix` is honoured (it comes before `prefix`).
 *
 * @example
 * ```ts
 * import { AuthorizationController } from 'oauth2-stack'
 * import { RedisStore } from 'oauth2-stack/store/redis'
 *
 * const store = await RedisStore.connect({ url: 'redis://127.0.0.1:6379' })
 * await store.addClient({ clientId: 'abc', clientSecret: 'xyz', redirectUris: ['http://localhost/callback'] })
 * const controller = new AuthorizationController({ issuer, clientStore: store, authCodeStore: store, accessTokenStore: store })
 * ```
 */
export class RedisStore extends RecordFacade implements ClientStore, AuthCodeStore, AccessTokenStore, RecordStore {
  readonly #redis: RedisCommands
  readonly #driver: RedisDriver
  readonly #owned: boolean
  readonly #clock: () => number
  readonly #connectTimeoutMs: number

  constructor(options: RedisStoreOptions) {
    const prefix = options.prefix ?? 'oauth2:'
    if (typeof prefix !== 'string') throw new ConfigurationError('RedisStore: prefix must be a string')
    const clock = options.clock ?? Date.now
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000
    const { driver, owned } = driverFor(options, connectTimeoutMs)
    const redis = new RedisCommands(driver, prefix, options.sharded === true)
    super(new RedisRecords(redis, clock))
    this.#redis = redis
    this.#driver = driver
    this.#owned = owned
    this.#clock = clock
    this.#connectTimeoutMs = connectTimeoutMs
  }

  /** Builds a store and waits until its connection is ready; see {@link RedisStore#connect}. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options)
    await store.connect()
    return store
  }

  /** Where the server is, for messages: `host:port` or the socket path. */
  get address(): string {
    return this.#driver.address
  }

  /**
   * Resolves once the connection is ready. Rejects with an `Error` naming `Redis at host:port` when the
   * server cannot be reached within `connectTimeoutMs`; a client the store made itself then stops
   * reconnecting, so a server that fails at start-up can exit.
   */
  async connect(): Promise<void> {
    try {
      await this.#driver.connect(this.#connectTimeoutMs)
    } catch (error) {
      if (this.#owned) this.#driver.disconnect()
      throw unreachableError('Redis', this.address, error)
    }
  }

  /** Closes the connection if the store made it (`{ url }`); a client passed in is left to its owner. */
  async close(): Promise<void> {
    if (this.#owned) await this.#driver.close()
  }

  // ----- clients --------------------------------------------------------------------------------

  /**
   * Registers (or replaces) a client and resolves to its stored record. The registration is validated
   * and the secret hashed as `LocalClientStore.addClient` does; an invalid one throws a `TypeError`.
   * With `policy` (the issuer it serves, `allowWeakClientSecrets`), a secret shorter than 43 characters
   * is refused on an issuer that is not a loopback one (RFC 6749 section 10.10; see `createClient`).
   */
  async addClient(registration: ClientRegistration, policy?: ClientSecretPolicy): Promise<Client> {
    const client = await createClient(registration, policy)
    // Two keys in two slots, so two commands (Redis Cluster): the client first, then its id in the set.
    await this.#redis.send('addClient', ['SET', this.#redis.key(`client:${client.clientId}`), JSON.stringify(client)])
    await this.#redis.send('addClient', ['SADD', this.#redis.key('clients'), client.clientId])
    return client
  }

  /** Removes a client; resolves whether it existed. */
  async removeClient(clientId: string): Promise<boolean> {
    const removed = await this.#redis.send('removeClient', ['DEL', this.#redis.key(`client:${clientId}`)])
    await this.#redis.send('removeClient', ['SREM', this.#redis.key('clients'), clientId])
    return removed === 1
  }

  /** Every registered client, ordered by `clientId`. */
  async listClients(): Promise<Client[]> {
    const ids = await this.#redis.send('listClients', ['SMEMBERS', this.#redis.key('clients')])
    if (!Array.isArray(ids) || ids.length === 0) return []
    const sorted = ids.map((id) => String(id)).sort()
    // One GET per client, not MGET: the clients lie in different slots on Redis Cluster.
    const values = await Promise.all(sorted.map((id) => this.#redis.send('listClients', ['GET', this.#redis.key(`client:${id}`)])))
    return values
      .map(text)
      .filter((value) => value !== undefined)
      .map(decodeClient)
  }

  async fetchByClientId(clientId: string): Promise<Client | undefined> {
    const json = text(await this.#redis.send('fetchByClientId', ['GET', this.#redis.key(`client:${clientId}`)]))
    return json === undefined ? undefined : decodeClient(json)
  }

  // ----- authorization codes ----------------------------------------------------------------------

  async saveCode(code: AuthorizationCode): Promise<void> {
    const ttl = ttlMs(code.expiresAt, this.#clock())
    await this.#redis.run(
      'saveCode',
      SAVE_CODE,
      [code.codeHash, JSON.stringify(code), String(code.expiresAt), String(ttl)],
      [`code:${code.codeHash}`],
    )
  }

  async fetchByCode(codeHash: string): Promise<AuthorizationCode | undefined> {
    const reply = await this.#redis.send('fetchByCode', ['HMGET', this.#redis.key(`code:${codeHash}`), 'r', 'consumed'])
    const [json, consumed] = Array.isArray(reply) ? reply.map(text) : []
    if (json === undefined || consumed === '1') return undefined
    const code = decodeCode(json)
    return code.expiresAt <= this.#now() ? undefined : code
  }

  async consumeCode(codeHash: string, now: number): Promise<CodeConsumption | undefined> {
    const reply = await this.#redis.run('consumeCode', CONSUME_CODE, [codeHash, String(now)], [`code:${codeHash}`])
    if (reply === null) return undefined
    const [outcome, json] = Array.isArray(reply) ? reply.map(text) : []
    if ((outcome !== 'consumed' && outcome !== 'reused') || json === undefined) {
      throw new StoreUnavailableError(`RedisStore.consumeCode: unexpected reply ${String(outcome)}`)
    }
    return { outcome, code: decodeCode(json) }
  }

  // ----- tokens -----------------------------------------------------------------------------------

  async saveToken(accessToken: AccessToken, refreshToken?: RefreshToken): Promise<boolean> {
    const nowMs = this.#clock()
    const family = refreshToken?.familyId ?? accessToken.familyId
    if (refreshToken !== undefined && accessToken.familyId !== undefined && accessToken.familyId !== refreshToken.familyId) {
      throw new TypeError('RedisStore.saveToken: an access token and its refresh token belong to one family')
    }
    const ttl = String(ttlMs(accessToken.expiresAt, nowMs))
    if (family === undefined) {
      await this.#redis.send('saveToken', [
        'SET',
        this.#redis.key(`tok:at:${accessToken.tokenHash}`),
        JSON.stringify(accessToken),
        'PX',
        ttl,
      ])
    } else {
      const args = [family, refreshToken === undefined ? '0' : '1', ...accessArgs(accessToken, nowMs)]
      if (refreshToken !== undefined) args.push(...refreshArgs(refreshToken, nowMs))
      args.push(this.#pointersInScript ? 'p' : '')
      // One round trip: the pointers (on Redis Cluster; else the script writes them) and the index sets are
      // sent first, the script beside them (a pointer into a family the script then refuses reads as absent).
      const point = this.#pointersInScript ? undefined : this.#sendPointers('saveToken', family, accessToken, refreshToken, nowMs)
      const index = indexFamily(this.#redis, 'saveToken', family, accessToken, refreshToken, nowMs)
      const saved = await beside(point, index, this.#redis.run('saveToken', SAVE_TOKEN, args, [familyBase(family)]))
      if (saved !== 1) return false
    }
    if (accessToken.uniqueKey !== undefined) await this.#unique('saveToken', accessToken, ttl)
    return true
  }

  async fetchByToken(tokenHash: string): Promise<AccessToken | undefined> {
    const json = await readAccessToken(this.#redis, 'fetchByToken', tokenHash)
    if (json === undefined) return undefined
    const token = decodeAccessToken(json)
    return token.expiresAt <= this.#now() ? undefined : token
  }

  async fetchByRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const [json, rotatedAt, graceUsed, successor] = await readRefreshToken(this.#redis, 'fetchByRefreshToken', tokenHash)
    if (json === undefined) return undefined
    const saved = decodeRefreshToken(json)
    if (saved.expiresAt <= this.#now()) return undefined
    return {
      ...saved,
      rotatedAt: rotatedAt === undefined || rotatedAt === '' ? undefined : Number(rotatedAt),
      graceUsed: graceUsed === '1',
      successorHash: successor === undefined || successor === '' ? undefined : successor,
    }
  }

  /**
   * RFC 9700 section 4.14.2: one script in the family's slot decides. The family is the one the new tokens
   * name (the grant takes it from the presented token, which never changes family); a presented token not
   * in that family is not found there, so it is `invalid`.
   */
  async rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome> {
    const nowMs = this.#clock()
    const family = request.refreshToken.familyId
    if ((request.accessToken.familyId ?? family) !== family) {
      throw new TypeError('RedisStore.rotateRefreshToken: an access token and its refresh token belong to one family')
    }
    // One round trip, as in saveToken: the pointers and the index sets beside the script.
    const reply = await beside(
      this.#pointersInScript
        ? undefined
        : this.#sendPointers('rotateRefreshToken', family, request.accessToken, request.refreshToken, nowMs),
      indexFamily(this.#redis, 'rotateRefreshToken', family, request.accessToken, request.refreshToken, nowMs),
      this.#redis.run(
        'rotateRefreshToken',
        ROTATE,
        [
          request.presentedHash,
          request.clientId,
          String(request.now),
          String(request.graceSeconds),
          ...accessArgs(request.accessToken, nowMs),
          ...refreshArgs(request.refreshToken, nowMs, request.presentedHash),
          String(request.concurrentRefreshes ?? DEFAULT_CONCURRENT_REFRESHES),
          this.#pointersInScript ? 'p' : '',
        ],
        [familyBase(family)],
      ),
    )
    if (typeof reply !== 'string' || !ROTATION_OUTCOMES.has(reply)) {
      throw new StoreUnavailableError(`RedisStore.rotateRefreshToken: unexpected reply ${String(reply)}`)
    }
    if (reply === 'rotated' || reply === 'grace')
      await this.#unique('rotateRefreshToken', request.accessToken, String(ttlMs(request.accessToken.expiresAt, nowMs)))
    return reply as RotationOutcome
  }

  /** Deletes the family's tokens (one script in its slot), then their pointers (each in its own slot). */
  async revokeFamily(familyId: string): Promise<void> {
    await revokeFamily(this.#redis, 'revokeFamily', familyId)
  }

  /**
   * Revokes the families of a login session or a remembered consent, found in the index set written beside
   * each save and rotation (`fams:sid:<sessionId>`, `fams:grant:<grantId>`); each family is revoked by its
   * own script, so a family saved into concurrently is revoked whole or refuses the save.
   */
  async revokeFamilies(filter: FamilyFilter): Promise<number> {
    return revokeFamilies(this.#redis, filter)
  }

  /** Deletes one access token. Its family set keeps the member until the set expires; revoking skips it. */
  async revokeAccessToken(tokenHash: string): Promise<void> {
    const pointer = this.#redis.key(`tok:at:${tokenHash}`)
    const found = text(await this.#redis.send('revokeAccessToken', ['GET', pointer]))
    if (found?.startsWith('@') === true)
      await this.#redis.send('revokeAccessToken', ['DEL', this.#redis.key(`${familyBase(found.slice(1))}:at:${tokenHash}`)])
    await this.#redis.send('revokeAccessToken', ['DEL', pointer])
  }

  async fetchExistingToken(uniqueKey: string): Promise<AccessToken | undefined> {
    const hash = text(await this.#redis.send('fetchExistingToken', ['GET', this.#redis.key(`uniq:${uniqueKey}`)]))
    return hash === undefined ? undefined : this.fetchByToken(hash)
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000)
  }

  /** Whether the token scripts write the pointers themselves: on a single server, not where keys are sharded. */
  get #pointersInScript(): boolean {
    return !this.#redis.sharded
  }

  /**
   * On Redis Cluster (else the script writes them), writes the pointers of tokens saved into `family`, sent
   * before the script that saves them (a pointer to a token not saved, or deleted since, reads as absent).
   */
  async #sendPointers(name: string, family: string, access: AccessToken, refresh: RefreshToken | undefined, nowMs: number): Promise<void> {
    const value = `@${family}`
    const accessPointer = this.#redis.send(name, [
      'SET',
      this.#redis.key(`tok:at:${access.tokenHash}`),
      value,
      'PX',
      String(ttlMs(access.expiresAt, nowMs)),
    ])
    if (refresh === undefined) {
      await accessPointer
      return
    }
    const refreshPointer = this.#redis.send(name, [
      'SET',
      this.#redis.key(`tok:rt:${refresh.tokenHash}`),
      value,
      'PX',
      String(ttlMs(refresh.expiresAt, nowMs)),
    ])
    await Promise.all([accessPointer, refreshPointer])
  }

  /** Points `uniq:<uniqueKey>` at the access token just saved (python-oauth2's `unique_token`). */
  async #unique(name: string, access: AccessToken, ttl: string): Promise<void> {
    if (access.uniqueKey !== undefined)
      await this.#redis.send(name, ['SET', this.#redis.key(`uniq:${access.uniqueKey}`), access.tokenHash, 'PX', ttl])
  }
}

/** The driver seam for the options: the client passed in (ioredis or node-redis, told by its shape), or an ioredis client made from the URL. */
function driverFor(options: RedisStoreOptions, connectTimeoutMs: number): { driver: RedisDriver; owned: boolean } {
  if (options.client !== undefined) {
    if (options.url !== undefined) throw new ConfigurationError('RedisStore: give client or url, not both')
    const client: object = options.client
    if (isIoredisClient(client)) return { driver: ioredisDriver(client, false), owned: false }
    if (isNodeRedisClient(client)) return { driver: nodeRedisDriver(client), owned: false }
    throw new ConfigurationError('RedisStore: client must be an ioredis 5 Redis or a node-redis 5 client')
  }
  if (typeof options.url === 'string') {
    return { driver: ioredisDriver(ioredisFromUrl(options.url, options.commandTimeoutMs ?? 1000, connectTimeoutMs), true), owned: true }
  }
  throw new ConfigurationError('RedisStore needs { client } (an ioredis or node-redis client) or { url }')
}

/**
 * The script's reply once the commands sent before it (pointers, index sets; `undefined` when there were
 * none) have answered too: no extra promise on the common path, where the script writes everything.
 */
async function beside<T>(point: Promise<unknown> | undefined, index: Promise<unknown> | undefined, script: Promise<T>): Promise<T> {
  if (point === undefined && index === undefined) return script
  const [, , reply] = await Promise.all([point, index, script])
  return reply
}
