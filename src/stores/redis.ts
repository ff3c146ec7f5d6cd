/**
 * A Redis store for clients, authorization codes and tokens (the seed's `RedisTokenStore`), on
 * [ioredis](https://github.com/redis/ioredis) 5, an optional peer dependency.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import { StoreUnavailableError } from '../errors.ts'
import type { AccessToken, AuthorizationCode, Client, RefreshToken } from '../types.ts'
import {
  decodeAccessToken,
  decodeClient,
  decodeCode,
  decodeRefreshToken,
  REVOKED_FAMILY_SECONDS,
  ttlMs,
  unavailable,
} from './kv.ts'
import { createClient, type ClientRegistration } from './memory-client-store.ts'
import type {
  AccessTokenStore,
  AuthCodeStore,
  ClientStore,
  CodeConsumption,
  RotationOutcome,
  RotationRequest,
} from './types.ts'

/** Options every {@link RedisStore} takes. */
export interface RedisStoreCommonOptions {
  /**
   * Prepended to every key, so several stores (or test runs) can share one Redis database.
   * Default `'oauth2:'`.
   */
  readonly prefix?: string
  /**
   * Clock in milliseconds since the epoch; defaults to `Date.now`. Entries expire natively after
   * `expiresAt` minus this clock's now, and reads compare `expiresAt` with it too.
   */
  readonly clock?: () => number
  /** How long {@link RedisStore.connect} waits for the server, in milliseconds. Default 5000. */
  readonly connectTimeoutMs?: number
}

/**
 * A store over an ioredis client the host already has, like the seed's `RedisTokenStore(rs=…)`.
 *
 * The store does not change the client's options. Give it one made with `enableOfflineQueue: false`,
 * `maxRetriesPerRequest: 0`, `autoResendUnfulfilledCommands: false` and a `commandTimeout`: a script
 * resent after a lost reply would run twice, and a second `consumeCode` by the winner reads as reuse.
 * Whatever the options, the store refuses to send while the client is not `ready` (so a lost backend fails
 * fast), and it never closes the client.
 */
export interface RedisStoreClientOptions extends RedisStoreCommonOptions {
  /** The ioredis client to use. */
  readonly client: Redis
  readonly url?: never
}

/** A store that makes (and owns) its own ioredis client, configured to fail fast. */
export interface RedisStoreUrlOptions extends RedisStoreCommonOptions {
  /** A `redis://` or `rediss://` URL, e.g. `redis://127.0.0.1:6379/0`. */
  readonly url: string
  readonly client?: never
  /** How long a command may take before it is failed, in milliseconds. Default 1000. */
  readonly commandTimeoutMs?: number
}

/** Options of {@link RedisStore}: an existing client, or a URL. */
export type RedisStoreOptions = RedisStoreClientOptions | RedisStoreUrlOptions

// ---------------------------------------------------------------------------------------------------
// Lua. Every script receives the key prefix as ARGV[1] and builds its keys from it, because the keys a
// family touches are only known inside the script (its member set). Keys:
//   <p>client:<clientId>   JSON Client                 <p>clients          set of clientIds
//   <p>code:<hash>         hash {r: JSON, exp, consumed}
//   <p>at:<hash>           JSON AccessToken            <p>uniq:<uniqueKey> hash of the newest access token
//   <p>rt:<hash>           hash {r: JSON, client, exp, family, access, rotatedAt, graceUsed, successor}
//                          (r is the record as saved; the other fields are what the scripts read and change)
//   <p>fam:<familyId>      set of member key suffixes ('at:<hash>', 'rt:<hash>')
//   <p>revoked:<familyId>  '1' for a day after the family was revoked
// Absent optional values are ''. Because scripts touch keys they do not declare, Redis Cluster is not
// supported (a single primary, with replicas or Sentinel, is).

const LUA_HELPERS = `
local prefix = ARGV[1]
local function extend(key, ttl)
  if redis.call('PTTL', key) < tonumber(ttl) then redis.call('PEXPIRE', key, ttl) end
end
-- ARGV[i .. i+4]: hash, JSON, ttl (ms), familyId, uniqueKey
local function put_access(i)
  local hash, ttl, family, unique = ARGV[i], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  redis.call('SET', prefix .. 'at:' .. hash, ARGV[i + 1], 'PX', ttl)
  if family ~= '' then
    redis.call('SADD', prefix .. 'fam:' .. family, 'at:' .. hash)
    extend(prefix .. 'fam:' .. family, ttl)
  end
  if unique ~= '' then redis.call('SET', prefix .. 'uniq:' .. unique, hash, 'PX', ttl) end
end
-- ARGV[i .. i+9]: hash, JSON, ttl, clientId, expiresAt, familyId, accessTokenHash, rotatedAt, graceUsed, successorHash
local function put_refresh(i)
  local key, ttl, family = prefix .. 'rt:' .. ARGV[i], ARGV[i + 2], ARGV[i + 5]
  redis.call('DEL', key)
  redis.call('HSET', key, 'r', ARGV[i + 1], 'client', ARGV[i + 3], 'exp', ARGV[i + 4], 'family', family,
    'access', ARGV[i + 6], 'rotatedAt', ARGV[i + 7], 'graceUsed', ARGV[i + 8], 'successor', ARGV[i + 9])
  redis.call('PEXPIRE', key, ttl)
  redis.call('SADD', prefix .. 'fam:' .. family, 'rt:' .. ARGV[i])
  extend(prefix .. 'fam:' .. family, ttl)
end
local function is_revoked(family)
  return family ~= '' and redis.call('EXISTS', prefix .. 'revoked:' .. family) == 1
end
local function revoke(family)
  local members = redis.call('SMEMBERS', prefix .. 'fam:' .. family)
  for _, member in ipairs(members) do redis.call('DEL', prefix .. member) end
  redis.call('DEL', prefix .. 'fam:' .. family)
  redis.call('SET', prefix .. 'revoked:' .. family, '1', 'PX', ${REVOKED_FAMILY_SECONDS * 1000})
end
`

/** A Lua script run by EVALSHA, loaded with EVAL the first time a server does not know it. */
class Script {
  readonly source: string
  readonly sha: string
  constructor(body: string) {
    this.source = LUA_HELPERS + body
    this.sha = createHash('sha1').update(this.source).digest('hex')
  }
}

const SAVE_CODE = new Script(`
local key = prefix .. 'code:' .. ARGV[2]
redis.call('DEL', key)
redis.call('HSET', key, 'r', ARGV[3], 'exp', ARGV[4], 'consumed', '0')
redis.call('PEXPIRE', key, ARGV[5])
return 1
`)

// The first caller flips 'consumed' and wins; the record stays until it expires so reuse is seen.
const CONSUME_CODE = new Script(`
local v = redis.call('HMGET', prefix .. 'code:' .. ARGV[2], 'r', 'exp', 'consumed')
if not v[1] or tonumber(v[2]) <= tonumber(ARGV[3]) then return false end
if v[3] == '1' then return {'reused', v[1]} end
redis.call('HSET', prefix .. 'code:' .. ARGV[2], 'consumed', '1')
return {'consumed', v[1]}
`)

// ARGV[2]: the access token's familyId, ARGV[3]: '1' when a refresh token follows; ARGV[4..8] access,
// ARGV[9..18] refresh. Refuses (0) a family revoked meanwhile, in the same step as the write.
const SAVE_TOKEN = new Script(`
if is_revoked(ARGV[2]) or (ARGV[3] == '1' and is_revoked(ARGV[14])) then return 0 end
put_access(4)
if ARGV[3] == '1' then put_refresh(9) end
return 1
`)

// ARGV[2] presentedHash, [3] clientId, [4] now (s), [5] graceSeconds, [6..10] access, [11..20] refresh.
// The decision mirrors decideRotation in src/stores/rotation.ts line by line: change both together
// (test/unit/stores/redis-rotation.test.ts runs one truth table through both).
const ROTATE = new Script(`
local key = prefix .. 'rt:' .. ARGV[2]
local now, grace = tonumber(ARGV[4]), tonumber(ARGV[5])
local cur = redis.call('HMGET', key, 'client', 'exp', 'family', 'rotatedAt', 'graceUsed', 'successor')
local client, family, rotated_at, grace_used, successor = cur[1], cur[3], cur[4], cur[5], cur[6]
-- decideRotation: unknown, expired, or another client's token
if not client or tonumber(cur[2]) <= now or client ~= ARGV[3] then return 'invalid' end
local outcome = 'rotated'
if rotated_at ~= '' then
  -- successorRotated: the previous successor has itself been rotated out (then a retry is a replay)
  local successor_rotated = false
  if successor ~= '' then
    local s = redis.call('HGET', prefix .. 'rt:' .. successor, 'rotatedAt')
    successor_rotated = s ~= false and s ~= ''
  end
  local within_grace = grace > 0 and now - tonumber(rotated_at) <= grace and grace_used ~= '1'
  if within_grace and not successor_rotated then outcome = 'grace' else outcome = 'reused' end
end
if outcome == 'reused' then
  revoke(family)
  return 'reused'
end
if is_revoked(family) then return 'invalid' end
if outcome == 'grace' and successor ~= '' and redis.call('EXISTS', prefix .. 'rt:' .. successor) == 1 then
  -- The successor the client lost becomes a rotated-out tombstone (presenting it later is reuse);
  -- the access token issued with it is deleted.
  local lost_access = redis.call('HGET', prefix .. 'rt:' .. successor, 'access')
  redis.call('HSET', prefix .. 'rt:' .. successor, 'rotatedAt', ARGV[4], 'graceUsed', '1')
  if lost_access and lost_access ~= '' then
    redis.call('DEL', prefix .. 'at:' .. lost_access)
    redis.call('SREM', prefix .. 'fam:' .. family, 'at:' .. lost_access)
  end
end
if rotated_at == '' then rotated_at = ARGV[4] end
redis.call('HSET', key, 'rotatedAt', rotated_at, 'graceUsed', outcome == 'grace' and '1' or '0', 'successor', ARGV[11])
put_access(6)
put_refresh(11)
return outcome
`)

const REVOKE_FAMILY = new Script(`
revoke(ARGV[2])
return 1
`)

const PUT_CLIENT = new Script(`
redis.call('SET', prefix .. 'client:' .. ARGV[2], ARGV[3])
redis.call('SADD', prefix .. 'clients', ARGV[2])
return 1
`)

const REMOVE_CLIENT = new Script(`
local removed = redis.call('DEL', prefix .. 'client:' .. ARGV[2])
redis.call('SREM', prefix .. 'clients', ARGV[2])
return removed
`)

/** The script arguments of an access token: hash, JSON, ttl, familyId, uniqueKey. */
function accessArgs(token: AccessToken, nowMs: number): string[] {
  return [token.tokenHash, JSON.stringify(token), String(ttlMs(token.expiresAt, nowMs)), token.familyId ?? '', token.uniqueKey ?? '']
}

/** The script arguments of a refresh token, in `put_refresh`'s order. */
function refreshArgs(token: RefreshToken, nowMs: number): string[] {
  return [
    token.tokenHash,
    JSON.stringify(token),
    String(ttlMs(token.expiresAt, nowMs)),
    token.clientId,
    String(token.expiresAt),
    token.familyId,
    token.accessTokenHash ?? '',
    token.rotatedAt === undefined ? '' : String(token.rotatedAt),
    token.graceUsed ? '1' : '0',
    token.successorHash ?? '',
  ]
}

const ROTATION_OUTCOMES: ReadonlySet<string> = new Set<RotationOutcome>(['rotated', 'grace', 'reused', 'invalid'])

/**
 * Keeps clients, authorization codes and tokens in Redis, so several server processes share them
 * (the seed's `RedisTokenStore`, plus a client store).
 *
 * - Codes and tokens are keyed by the SHA-256 hashes the core passes; no plaintext reaches Redis.
 *   Records are JSON; every entry expires natively when its record does (`PEXPIRE`), and reads check
 *   `expiresAt` as well.
 * - `consumeCode`, `saveToken`, `rotateRefreshToken` and `revokeFamily` are each one Lua script, so they
 *   are atomic across every process sharing the server. Rotation applies the rule of `decideRotation`
 *   (`stores/rotation.ts`), mirrored in Lua.
 * - A family's members are kept in a set per family; revoking deletes them all and refuses new tokens
 *   into the family for a day.
 * - Every driver error, and any call while the connection is not ready, rejects with
 *   `StoreUnavailableError` (503 `temporarily_unavailable`).
 *
 * Runs on a single Redis primary (tested with Redis 7; Sentinel is fine). Redis Cluster is not supported:
 * a family's keys cannot share a slot, and the scripts reach keys they do not declare. A client's
 * `keyPrefix` is honoured (it comes before `prefix`).
 *
 * @example
 * ```ts
 * const store = await RedisStore.connect({ url: 'redis://127.0.0.1:6379' })
 * await store.addClient({ clientId: 'abc', clientSecret: 'xyz', redirectUris: ['http://localhost/callback'] })
 * const controller = new AuthorizationController({ issuer, clientStore: store, authCodeStore: store, accessTokenStore: store })
 * ```
 */
export class RedisStore implements ClientStore, AuthCodeStore, AccessTokenStore {
  readonly #client: Redis
  readonly #owned: boolean
  readonly #prefix: string
  /** The prefix as scripts see it: ioredis adds a client's `keyPrefix` to commands' keys, not to script arguments. */
  readonly #scriptPrefix: string
  readonly #clock: () => number
  readonly #connectTimeoutMs: number
  #lastError: Error | undefined

  constructor(options: RedisStoreOptions) {
    const prefix = options.prefix ?? 'oauth2:'
    if (typeof prefix !== 'string') throw new TypeError('RedisStore: prefix must be a string')
    this.#prefix = prefix
    this.#clock = options.clock ?? Date.now
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000
    if (options.client !== undefined) {
      if (options.url !== undefined) throw new TypeError('RedisStore: give client or url, not both')
      this.#client = options.client
      this.#owned = false
      const { keyPrefix } = options.client.options
      this.#scriptPrefix = (typeof keyPrefix === 'string' ? keyPrefix : '') + prefix
    } else if (typeof options.url === 'string') {
      this.#client = new Redis(options.url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        commandTimeout: options.commandTimeoutMs ?? 1000,
        connectTimeout: this.#connectTimeoutMs,
      })
      this.#owned = true
      this.#scriptPrefix = prefix
      // The reason is kept for connect()'s message; calls report their own errors.
      this.#client.on('error', (error: Error) => {
        this.#lastError = error
      })
    } else {
      throw new TypeError('RedisStore needs { client } (an ioredis client) or { url }')
    }
  }

  /** Builds a store and waits until its connection is ready; see {@link RedisStore#connect}. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options)
    await store.connect()
    return store
  }

  /** Where the server is, for messages: `host:port` or the socket path. */
  get address(): string {
    const { host, port, path } = this.#client.options
    return path === undefined || path === null ? `${host ?? 'localhost'}:${port ?? 6379}` : path
  }

  /**
   * Resolves once the connection is ready. Rejects with an `Error` naming `Redis at host:port` when the
   * server cannot be reached within `connectTimeoutMs`; a client the store made itself then stops
   * reconnecting, so a server that fails at start-up can exit.
   */
  async connect(): Promise<void> {
    const client = this.#client
    if (client.status === 'ready') return
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`no answer within ${this.#connectTimeoutMs} ms`)), this.#connectTimeoutMs)
        const onReady = (): void => done(undefined)
        const onError = (error: Error): void => done(error)
        const onEnd = (): void => done(this.#lastError ?? new Error('connection closed'))
        const done = (error: Error | undefined): void => {
          clearTimeout(timer)
          client.off('ready', onReady).off('error', onError).off('end', onEnd)
          if (error === undefined) resolve()
          else reject(error)
        }
        client.once('ready', onReady).once('error', onError).once('end', onEnd)
        if (client.status === 'wait' || client.status === 'end') client.connect().catch(() => undefined)
      })
    } catch (error) {
      if (this.#owned) client.disconnect()
      const reason = error instanceof Error ? error.message : String(error)
      throw new Error(`Redis at ${this.address} is unreachable: ${reason}`, { cause: error })
    }
  }

  /** Closes the connection if the store made it (`{ url }`); a client passed in is left to its owner. */
  async close(): Promise<void> {
    if (!this.#owned) return
    try {
      await this.#client.quit()
    } catch {
      this.#client.disconnect()
    }
  }

  // ----- clients --------------------------------------------------------------------------------

  /**
   * Registers (or replaces) a client and resolves to its stored record. The registration is validated
   * and the secret hashed as `LocalClientStore.addClient` does; an invalid one throws a `TypeError`.
   */
  async addClient(registration: ClientRegistration): Promise<Client> {
    const client = await createClient(registration)
    await this.#run('addClient', PUT_CLIENT, client.clientId, JSON.stringify(client))
    return client
  }

  /** Removes a client; resolves whether it existed. */
  async removeClient(clientId: string): Promise<boolean> {
    return (await this.#run('removeClient', REMOVE_CLIENT, clientId)) === 1
  }

  /** Every registered client, ordered by `clientId`. */
  async listClients(): Promise<Client[]> {
    return this.#call('listClients', async (redis) => {
      const ids = (await redis.smembers(this.#key('clients'))).sort()
      if (ids.length === 0) return []
      const values = await redis.mget(ids.map((id) => this.#key(`client:${id}`)))
      return values.filter((value): value is string => value !== null).map(decodeClient)
    })
  }

  async fetchByClientId(clientId: string): Promise<Client | undefined> {
    const json = await this.#call('fetchByClientId', (redis) => redis.get(this.#key(`client:${clientId}`)))
    return json === null ? undefined : decodeClient(json)
  }

  // ----- authorization codes ----------------------------------------------------------------------

  async saveCode(code: AuthorizationCode): Promise<void> {
    const ttl = ttlMs(code.expiresAt, this.#clock())
    await this.#run('saveCode', SAVE_CODE, code.codeHash, JSON.stringify(code), String(code.expiresAt), String(ttl))
  }

  async fetchByCode(codeHash: string): Promise<AuthorizationCode | undefined> {
    const [json, consumed] = await this.#call('fetchByCode', (redis) => redis.hmget(this.#key(`code:${codeHash}`), 'r', 'consumed'))
    if (json === null || json === undefined || consumed === '1') return undefined
    const code = decodeCode(json)
    return code.expiresAt <= this.#now() ? undefined : code
  }

  async consumeCode(codeHash: string, now: number): Promise<CodeConsumption | undefined> {
    const reply = await this.#run('consumeCode', CONSUME_CODE, codeHash, String(now))
    if (reply === null) return undefined
    const [outcome, json] = reply as [string, string]
    if (outcome !== 'consumed' && outcome !== 'reused') throw new StoreUnavailableError(`RedisStore.consumeCode: unexpected reply ${outcome}`)
    return { outcome, code: decodeCode(json) }
  }

  // ----- tokens -----------------------------------------------------------------------------------

  async saveToken(accessToken: AccessToken, refreshToken?: RefreshToken): Promise<boolean> {
    const nowMs = this.#clock()
    const args = [accessToken.familyId ?? '', refreshToken === undefined ? '0' : '1', ...accessArgs(accessToken, nowMs)]
    if (refreshToken !== undefined) args.push(...refreshArgs(refreshToken, nowMs))
    return (await this.#run('saveToken', SAVE_TOKEN, ...args)) === 1
  }

  async fetchByToken(tokenHash: string): Promise<AccessToken | undefined> {
    const json = await this.#call('fetchByToken', (redis) => redis.get(this.#key(`at:${tokenHash}`)))
    if (json === null) return undefined
    const token = decodeAccessToken(json)
    return token.expiresAt <= this.#now() ? undefined : token
  }

  async fetchByRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const fields = await this.#call('fetchByRefreshToken', (redis) => redis.hgetall(this.#key(`rt:${tokenHash}`)))
    if (fields.r === undefined) return undefined
    const saved = decodeRefreshToken(fields.r)
    if (saved.expiresAt <= this.#now()) return undefined
    return {
      ...saved,
      rotatedAt: fields.rotatedAt === undefined || fields.rotatedAt === '' ? undefined : Number(fields.rotatedAt),
      graceUsed: fields.graceUsed === '1',
      successorHash: fields.successor === undefined || fields.successor === '' ? undefined : fields.successor,
    }
  }

  async rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome> {
    const nowMs = this.#clock()
    const reply = await this.#run(
      'rotateRefreshToken',
      ROTATE,
      request.presentedHash,
      request.clientId,
      String(request.now),
      String(request.graceSeconds),
      ...accessArgs(request.accessToken, nowMs),
      ...refreshArgs(request.refreshToken, nowMs),
    )
    if (typeof reply !== 'string' || !ROTATION_OUTCOMES.has(reply)) {
      throw new StoreUnavailableError(`RedisStore.rotateRefreshToken: unexpected reply ${String(reply)}`)
    }
    return reply as RotationOutcome
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.#run('revokeFamily', REVOKE_FAMILY, familyId)
  }

  /** Deletes one access token. Its family set keeps the member until the set expires; revoking skips it. */
  async revokeAccessToken(tokenHash: string): Promise<void> {
    await this.#call('revokeAccessToken', (redis) => redis.del(this.#key(`at:${tokenHash}`)))
  }

  async fetchExistingToken(uniqueKey: string): Promise<AccessToken | undefined> {
    const hash = await this.#call('fetchExistingToken', (redis) => redis.get(this.#key(`uniq:${uniqueKey}`)))
    return hash === null ? undefined : this.fetchByToken(hash)
  }

  // ----- plumbing ---------------------------------------------------------------------------------

  #now(): number {
    return Math.floor(this.#clock() / 1000)
  }

  #key(suffix: string): string {
    return this.#prefix + suffix
  }

  /** Runs `operation` on the client; refuses at once when not connected; every failure is a StoreUnavailableError. */
  async #call<T>(name: string, operation: (redis: Redis) => Promise<T>): Promise<T> {
    const status = this.#client.status
    if (status !== 'ready') throw new StoreUnavailableError(`RedisStore.${name}: Redis at ${this.address} is not connected (${status})`)
    try {
      return await operation(this.#client)
    } catch (error) {
      throw unavailable(error, `RedisStore.${name} (Redis at ${this.address})`)
    }
  }

  /** EVALSHA, loading the script with EVAL when the server does not know it (first use, restart, SCRIPT FLUSH). */
  #run(name: string, script: Script, ...args: string[]): Promise<unknown> {
    return this.#call(name, async (redis) => {
      try {
        return await redis.evalsha(script.sha, 0, this.#scriptPrefix, ...args)
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
        return redis.eval(script.source, 0, this.#scriptPrefix, ...args)
      }
    })
  }
}
