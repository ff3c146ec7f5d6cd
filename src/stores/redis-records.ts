/**
 * The {@link RecordStore} primitives on Redis: each is one command or one Lua script, so it is atomic
 * across every process sharing the server. Internal: the public face is `RedisStore`.
 *
 * Keys, under the store's prefix `<p>`:
 * - `<p>rec:<kind>:<key>`: hash `{v: value, ver: version, exp: expiresAt or ''}`; native expiry (`PEXPIRE`)
 *   when the record has one. A version is 128 random bits drawn by the writer (not a shared counter, so
 *   every script touches one key and runs on Redis Cluster), so a record deleted and created again never
 *   repeats the version a reader holds.
 * - `<p>ctr:<kind>:<key>`: hash `{n: count, reset: end of the window}`, expiring natively with its window.
 *
 * Expiry is judged by the store's clock, passed to every script (`now`), as for codes and tokens: then
 * an expired record is absent at once, even where Redis has not dropped it yet (a host clock ahead of the
 * server's, a test's fake clock). That is why create-if-absent and consume-once are scripts rather than
 * `SET NX`: `NX` would see a record the store's clock has expired as present.
 *
 * Every script declares its one key (`KEYS[1]`), so a cluster client routes it to that key's slot.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { StoreUnavailableError } from '../errors.ts'
import { ttlMs } from './json-records.ts'
import { RedisScript, text, type RedisCommands } from './redis-driver.ts'
import { checkRecordKey, checkRecordValue, checkWindow } from './record-rules.ts'
import type { CounterReading, RecordStore, StoredRecord } from './types.ts'

// KEYS[1] the record; ARGV[1] prefix, [2] '<kind>:<key>', [3] now (s); then per script: [4] value,
// [5] expiresAt or '', [6] time to live in ms or '', [7] the version read (replace), [8] the new version.
const HELPERS = `
local now = tonumber(ARGV[3])
local key = KEYS[1]
local function live()
  local exp = redis.call('HGET', key, 'exp')
  return exp ~= false and (exp == '' or tonumber(exp) > now)
end
local function write()
  redis.call('DEL', key)
  redis.call('HSET', key, 'v', ARGV[4], 'ver', ARGV[8], 'exp', ARGV[5])
  if ARGV[6] ~= '' then redis.call('PEXPIRE', key, ARGV[6]) end
end
`

/** Create-if-absent: 0 when a live record is there; a record already expired at its creation is not written. */
const CREATE = new RedisScript(`${HELPERS}
if live() then return 0 end
if ARGV[5] ~= '' and tonumber(ARGV[5]) <= now then return 1 end
write()
return 1
`)

/** Compare-and-set on the version. */
const REPLACE = new RedisScript(`${HELPERS}
if not live() or redis.call('HGET', key, 'ver') ~= ARGV[7] then return 0 end
write()
return 1
`)

/** Writes the record whatever was there. */
const PUT = new RedisScript(`${HELPERS}
write()
return 1
`)

/** Deletes the record; 1 when a live one was there. */
const DELETE = new RedisScript(`${HELPERS}
local was = live()
redis.call('DEL', key)
return was and 1 or 0
`)

// KEYS[1] the counter; ARGV[4] window (s), [5] the window's time to live (ms). A window that has ended
// (by the store clock) starts again at 1; otherwise HINCRBY counts one more. Returns {count, resetAt}.
const INCREMENT = new RedisScript(`
local key, now = KEYS[1], tonumber(ARGV[3])
local reset = tonumber(redis.call('HGET', key, 'reset'))
if not reset or reset <= now then
  reset = now + tonumber(ARGV[4])
  redis.call('DEL', key)
  redis.call('HSET', key, 'n', 1, 'reset', reset)
  redis.call('PEXPIRE', key, ARGV[5])
  return {1, reset}
end
return {redis.call('HINCRBY', key, 'n', 1), reset}
`)

/** The record primitives of a `RedisStore`, over its commands and clock. */
export class RedisRecords implements RecordStore {
  readonly #redis: RedisCommands
  readonly #clock: () => number

  constructor(redis: RedisCommands, clock: () => number) {
    this.#redis = redis
    this.#clock = clock
  }

  async getRecord(kind: string, key: string): Promise<StoredRecord | undefined> {
    checkRecordKey(kind, key)
    const reply = await this.#redis.send('getRecord', ['HMGET', this.#redis.key(`rec:${kind}:${key}`), 'v', 'ver', 'exp'])
    const [value, version, exp] = Array.isArray(reply) ? reply.map(text) : []
    if (value === undefined || version === undefined || exp === undefined) return undefined
    const expiresAt = exp === '' ? undefined : Number(exp)
    if (expiresAt !== undefined && expiresAt <= Math.floor(this.#clock() / 1000)) return undefined
    return { value, version, expiresAt }
  }

  async createRecord(kind: string, key: string, value: string, expiresAt?: number): Promise<boolean> {
    checkRecordKey(kind, key)
    checkRecordValue(value, expiresAt)
    return (await this.#write('createRecord', CREATE, kind, key, value, expiresAt)) === 1
  }

  async replaceRecord(kind: string, key: string, version: string, value: string, expiresAt?: number): Promise<boolean> {
    checkRecordKey(kind, key)
    checkRecordValue(value, expiresAt)
    return (await this.#write('replaceRecord', REPLACE, kind, key, value, expiresAt, version)) === 1
  }

  async putRecord(kind: string, key: string, value: string, expiresAt?: number): Promise<void> {
    checkRecordKey(kind, key)
    checkRecordValue(value, expiresAt)
    await this.#write('putRecord', PUT, kind, key, value, expiresAt)
  }

  async deleteRecord(kind: string, key: string): Promise<boolean> {
    checkRecordKey(kind, key)
    const nowMs = this.#clock()
    return (
      (await this.#redis.run('deleteRecord', DELETE, [`${kind}:${key}`, String(Math.floor(nowMs / 1000))], [`rec:${kind}:${key}`])) === 1
    )
  }

  async consumeOnce(kind: string, key: string, expiresAt: number): Promise<boolean> {
    checkRecordKey(kind, key)
    checkRecordValue('', expiresAt)
    return (await this.#write('consumeOnce', CREATE, kind, key, '', expiresAt)) === 1
  }

  async increment(kind: string, key: string, windowSeconds: number): Promise<CounterReading> {
    checkRecordKey(kind, key)
    checkWindow(windowSeconds)
    const nowMs = this.#clock()
    const now = Math.floor(nowMs / 1000)
    const args = [`${kind}:${key}`, String(now), String(windowSeconds), String(ttlMs(now + windowSeconds, nowMs))]
    const reply = await this.#redis.run('increment', INCREMENT, args, [`ctr:${kind}:${key}`])
    const [count, resetAt] = Array.isArray(reply) ? reply : []
    if (typeof count !== 'number' || typeof resetAt !== 'number') throw new StoreUnavailableError('RedisStore.increment: unexpected reply')
    return { count, resetAt }
  }

  async resetCounter(kind: string, key: string): Promise<void> {
    checkRecordKey(kind, key)
    await this.#redis.send('resetCounter', ['DEL', this.#redis.key(`ctr:${kind}:${key}`)])
  }

  /** Runs a record script with the store clock's now, the value and its expiry. */
  #write(
    name: string,
    script: RedisScript,
    kind: string,
    key: string,
    value: string,
    expiresAt: number | undefined,
    version = '',
  ): Promise<unknown> {
    const nowMs = this.#clock()
    const ttl = expiresAt === undefined ? '' : String(ttlMs(expiresAt, nowMs))
    const fresh = randomBytes(16).toString('base64url')
    const args = [
      `${kind}:${key}`,
      String(Math.floor(nowMs / 1000)),
      value,
      expiresAt === undefined ? '' : String(expiresAt),
      ttl,
      version,
      fresh,
    ]
    return this.#redis.run(name, script, args, [`rec:${kind}:${key}`])
  }
}
