/**
 * How the Redis store reads a token by hash: its pointer (`tok:at:<hash>`, `tok:rt:<hash>`), then the
 * token in the family it names. On a single Redis server both reads are one script (one round trip); where
 * keys are sharded (Redis Cluster, the `sharded` option) the pointer and the family lie in different
 * slots, so they are two commands. Internal: used by `RedisStore`.
 *
 * @module
 */
import { StoreUnavailableError } from '../errors.ts'
import { RedisScript, text, type RedisCommands, type RedisReply } from './redis-driver.ts'
import { familyBase } from './redis-scripts.ts'

/** The fields of a refresh token's hash that a read returns, in this order. */
const REFRESH_FIELDS = ['r', 'rotatedAt', 'graceUsed', 'successor'] as const

/**
 * Reads the pointer KEYS[1] and, when it names a family ('@<familyId>'), the token ARGV[2] ('at' or 'rt')
 * with hash ARGV[3] in that family: `{pointer, token}`; `{pointer}` for any other pointer; nil without one.
 * Single server only: the family's key is not declared (it is known only from the pointer).
 */
const READ_TOKEN = new RedisScript(`
local pointer = redis.call('GET', KEYS[1])
if not pointer then return false end
if string.byte(pointer, 1) ~= 64 then return {pointer} end
local key = ARGV[1] .. 'fam{' .. string.sub(pointer, 2) .. '}:' .. ARGV[2] .. ':' .. ARGV[3]
if ARGV[2] == 'at' then return {pointer, redis.call('GET', key)} end
return {pointer, redis.call('HMGET', key, '${REFRESH_FIELDS.join("', '")}')}
`)

/** The family a pointer names; `undefined` when absent; a malformed one is a store failure. */
export function familyOf(name: string, pointer: RedisReply | undefined): string | undefined {
  const found = text(pointer)
  if (found === undefined) return undefined
  if (!found.startsWith('@')) throw new StoreUnavailableError(`RedisStore.${name}: unexpected token pointer`)
  return found.slice(1)
}

/** An access token's JSON by hash (a family-less one is the pointer itself), or `undefined`. */
export async function readAccessToken(redis: RedisCommands, name: string, hash: string): Promise<string | undefined> {
  const pointerKey = `tok:at:${hash}`
  if (!redis.sharded) {
    const reply = await redis.run(name, READ_TOKEN, ['at', hash], [pointerKey])
    if (!Array.isArray(reply)) return undefined
    const [pointer, token] = reply.map(text)
    return pointer?.startsWith('@') === false ? pointer : token
  }
  const pointer = text(await redis.send(name, ['GET', redis.key(pointerKey)]))
  if (pointer === undefined || !pointer.startsWith('@')) return pointer
  return text(await redis.send(name, ['GET', redis.key(`${familyBase(pointer.slice(1))}:at:${hash}`)]))
}

/** A refresh token's fields by hash (`r`, `rotatedAt`, `graceUsed`, `successor`; each `undefined` when absent). */
export async function readRefreshToken(redis: RedisCommands, name: string, hash: string): Promise<(string | undefined)[]> {
  const pointerKey = `tok:rt:${hash}`
  let fields: RedisReply | undefined
  if (!redis.sharded) {
    const reply = await redis.run(name, READ_TOKEN, ['rt', hash], [pointerKey])
    if (!Array.isArray(reply)) return []
    familyOf(name, reply[0])
    fields = reply[1]
  } else {
    const family = familyOf(name, await redis.send(name, ['GET', redis.key(pointerKey)]))
    if (family === undefined) return []
    fields = await redis.send(name, ['HMGET', redis.key(`${familyBase(family)}:rt:${hash}`), ...REFRESH_FIELDS])
  }
  return Array.isArray(fields) ? fields.map(text) : []
}
