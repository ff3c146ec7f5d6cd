/**
 * The Lua scripts of the Redis store's clients, codes and tokens: each multi-key step (consume a code,
 * save a token pair, rotate, revoke a family) is one script, so it is atomic across every process sharing
 * the server. Internal: not exported from the package.
 *
 * @module
 */
import type { AccessToken, RefreshToken } from '../types.ts'
import { REVOKED_FAMILY_SECONDS } from './family.ts'
import { ttlMs } from './json-records.ts'
import { RedisScript } from './redis-driver.ts'
import type { RotationOutcome } from './types.ts'

// Every script receives the key prefix as ARGV[1] and builds its keys from it, because the keys a
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

/** A token script: the helpers above, then `body`. */
function tokenScript(body: string): RedisScript {
  return new RedisScript(LUA_HELPERS + body)
}

/** Stores a code: its record, expiry and `consumed = 0`. */
export const SAVE_CODE: RedisScript = tokenScript(`
local key = prefix .. 'code:' .. ARGV[2]
redis.call('DEL', key)
redis.call('HSET', key, 'r', ARGV[3], 'exp', ARGV[4], 'consumed', '0')
redis.call('PEXPIRE', key, ARGV[5])
return 1
`)

/** The first caller flips `consumed` and wins; the record stays until it expires so reuse is seen. */
export const CONSUME_CODE: RedisScript = tokenScript(`
local v = redis.call('HMGET', prefix .. 'code:' .. ARGV[2], 'r', 'exp', 'consumed')
if not v[1] or tonumber(v[2]) <= tonumber(ARGV[3]) then return false end
if v[3] == '1' then return {'reused', v[1]} end
redis.call('HSET', prefix .. 'code:' .. ARGV[2], 'consumed', '1')
return {'consumed', v[1]}
`)

/**
 * Saves an access token and, optionally, its refresh token. ARGV[2]: the access token's familyId, ARGV[3]:
 * '1' when a refresh token follows; ARGV[4..8] access, ARGV[9..18] refresh. Refuses (0) a family revoked
 * meanwhile, in the same step as the write.
 */
export const SAVE_TOKEN: RedisScript = tokenScript(`
if is_revoked(ARGV[2]) or (ARGV[3] == '1' and is_revoked(ARGV[14])) then return 0 end
put_access(4)
if ARGV[3] == '1' then put_refresh(9) end
return 1
`)

/**
 * Rotates a refresh token. ARGV[2] presentedHash, [3] clientId, [4] now (s), [5] graceSeconds, [6..10]
 * access, [11..20] refresh. The decision mirrors decideRotation in src/stores/family.ts line by line: change
 * both together (test/contract/redis-rotation-parity.test.ts runs one truth table through both).
 */
export const ROTATE: RedisScript = tokenScript(`
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

/** Deletes a family's members and refuses new tokens into it for a day. */
export const REVOKE_FAMILY: RedisScript = tokenScript(`
revoke(ARGV[2])
return 1
`)

/** Stores a client and adds it to the set of clients. */
export const PUT_CLIENT: RedisScript = tokenScript(`
redis.call('SET', prefix .. 'client:' .. ARGV[2], ARGV[3])
redis.call('SADD', prefix .. 'clients', ARGV[2])
return 1
`)

/** Removes a client; returns whether it existed. */
export const REMOVE_CLIENT: RedisScript = tokenScript(`
local removed = redis.call('DEL', prefix .. 'client:' .. ARGV[2])
redis.call('SREM', prefix .. 'clients', ARGV[2])
return removed
`)

/** The script arguments of an access token: hash, JSON, ttl, familyId, uniqueKey. */
export function accessArgs(token: AccessToken, nowMs: number): string[] {
  return [token.tokenHash, JSON.stringify(token), String(ttlMs(token.expiresAt, nowMs)), token.familyId ?? '', token.uniqueKey ?? '']
}

/** The script arguments of a refresh token, in `put_refresh`'s order. */
export function refreshArgs(token: RefreshToken, nowMs: number): string[] {
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

/** The replies ROTATE may give. */
export const ROTATION_OUTCOMES: ReadonlySet<string> = new Set<RotationOutcome>(['rotated', 'grace', 'reused', 'invalid'])
