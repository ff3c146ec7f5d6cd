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

// Keys (Redis Cluster: every script declares its keys, and every key a script builds shares the hash
// slot of the one it declares; a family's keys share the hash tag `{<familyId>}`, so families shard):
//   <p>client:<clientId>   JSON Client                <p>clients          set of clientIds (plain commands)
//   <p>code:<hash>         hash {r: JSON, exp, consumed}
//   <p>fam{<familyId>}     set of the family's member suffixes ('at:<hash>', 'rt:<hash>'), the base of:
//   <p>fam{<familyId>}:at:<hash>  JSON AccessToken
//   <p>fam{<familyId>}:rt:<hash>  hash {r: JSON, client, exp, family, access, rotatedAt, graceUsed, successor,
//                                 parent, kids} (r is the record as saved; the other fields are what the scripts
//                                 read and change; `parent` the token it was rotated from, `kids` its successors,
//                                 space-separated: concurrent refresh)
//   <p>fam{<familyId>}:revoked    '1' for a day after the family was revoked
//   <p>tok:at:<hash>       a family-less access token's JSON, or '@<familyId>': where the token lives
//   <p>tok:rt:<hash>       '@<familyId>'
//   (Keys of the layout before Redis Cluster support, `at:<hash>` and `rt:<hash>`, are not read: such
//   tokens read as absent and expire on their own.)
//   <p>uniq:<uniqueKey>    hash of the newest access token saved with that key
//   <p>fams:sid:<sessionId>, <p>fams:grant:<grantId>  sets of the families made in a login session or
//                          under a remembered consent, as 'o:<familyId>' (offline) or 'n:<familyId>', expiring
//                          with the latest family they hold (written by INDEX_FAMILY, read by revokeFamilies)
// The pointers (`tok:`) and `uniq:` lie in other slots. On Redis Cluster the pointers are written by plain
// commands sent beside the script that saves the tokens (a pointer to a token not saved, or deleted, reads
// as absent); on a single server the script writes them itself, in the same step. `uniq:` is written
// after the save. Absent optional values are ''. KEYS[1] of a family script is its base key.

const LUA_HELPERS = `
local base = KEYS[1]
-- The last argument of SAVE_TOKEN and ROTATE is 'p' on a single server: the script writes the tokens'
-- pointers itself (keys it does not declare, so never on Redis Cluster, where the caller sends them).
local pointers = ARGV[#ARGV] == 'p'
local function point(kind, hash, family, ttl)
  if pointers then redis.call('SET', ARGV[1] .. 'tok:' .. kind .. ':' .. hash, '@' .. family, 'PX', ttl) end
end
local function extend(key, ttl)
  if redis.call('PTTL', key) < tonumber(ttl) then redis.call('PEXPIRE', key, ttl) end
end
-- The family members a script saves, added to the family set by join() at its end: one SADD, and the
-- set's TTL extended once, to the longest-lived of them (not once per token).
local joined, joined_ttl = {}, '0'
local function member(name, ttl)
  joined[#joined + 1] = name
  if tonumber(ttl) > tonumber(joined_ttl) then joined_ttl = ttl end
end
local function join()
  if #joined == 0 then return end
  redis.call('SADD', base, unpack(joined))
  extend(base, joined_ttl)
end
-- ARGV[i .. i+4]: hash, JSON, ttl (ms), familyId, uniqueKey (written by the caller)
local function put_access(i)
  local hash, ttl, family = ARGV[i], ARGV[i + 2], ARGV[i + 3]
  redis.call('SET', base .. ':at:' .. hash, ARGV[i + 1], 'PX', ttl)
  if family ~= '' then
    member('at:' .. hash, ttl)
    point('at', hash, family, ttl)
  end
end
-- ARGV[i .. i+10]: hash, JSON, ttl, clientId, expiresAt, familyId, accessTokenHash, rotatedAt, graceUsed,
-- successorHash, parentHash
local function put_refresh(i)
  local key, ttl, family = base .. ':rt:' .. ARGV[i], ARGV[i + 2], ARGV[i + 5]
  redis.call('DEL', key)
  redis.call('HSET', key, 'r', ARGV[i + 1], 'client', ARGV[i + 3], 'exp', ARGV[i + 4], 'family', family,
    'access', ARGV[i + 6], 'rotatedAt', ARGV[i + 7], 'graceUsed', ARGV[i + 8], 'successor', ARGV[i + 9], 'parent', ARGV[i + 10])
  redis.call('PEXPIRE', key, ttl)
  member('rt:' .. ARGV[i], ttl)
  point('rt', ARGV[i], family, ttl)
end
local function is_revoked()
  return redis.call('EXISTS', base .. ':revoked') == 1
end
local function revoke()
  local members = redis.call('SMEMBERS', base)
  for _, member in ipairs(members) do redis.call('DEL', base .. ':' .. member) end
  redis.call('DEL', base)
  redis.call('SET', base .. ':revoked', '1', 'PX', ${REVOKED_FAMILY_SECONDS * 1000})
  return members
end
`

/** A token script: the helpers above, then `body`. */
function tokenScript(body: string): RedisScript {
  return new RedisScript(LUA_HELPERS + body)
}

/** Stores a code (KEYS[1]): its record, expiry and `consumed = 0`. */
export const SAVE_CODE: RedisScript = tokenScript(`
local key = KEYS[1]
redis.call('DEL', key)
redis.call('HSET', key, 'r', ARGV[3], 'exp', ARGV[4], 'consumed', '0')
redis.call('PEXPIRE', key, ARGV[5])
return 1
`)

/** The first caller flips `consumed` and wins; the record stays until it expires so reuse is seen. */
export const CONSUME_CODE: RedisScript = tokenScript(`
local v = redis.call('HMGET', KEYS[1], 'r', 'exp', 'consumed')
if not v[1] or tonumber(v[2]) <= tonumber(ARGV[3]) then return false end
if v[3] == '1' then return {'reused', v[1]} end
redis.call('HSET', KEYS[1], 'consumed', '1')
return {'consumed', v[1]}
`)

/**
 * Saves an access token and, optionally, its refresh token, in one family (KEYS[1]). ARGV[3]: '1' when a
 * refresh token follows; ARGV[4..8] access, ARGV[9..19] refresh; last, 'p' to write the pointers too.
 * Refuses (0) a family revoked meanwhile, in the same step as the write.
 */
export const SAVE_TOKEN: RedisScript = tokenScript(`
if is_revoked() then return 0 end
put_access(4)
if ARGV[3] == '1' then put_refresh(9) end
join()
return 1
`)

/**
 * Rotates a refresh token. ARGV[2] presentedHash, [3] clientId, [4] now (s), [5] graceSeconds, [6..10]
 * access, [11..21] refresh, [22] concurrentRefreshes, [23] 'p' to write the pointers too. The decision mirrors decideRotation in
 * src/stores/family.ts line by line: change both together (test/contract/redis-rotation-parity.test.ts
 * runs one truth table through both).
 */
export const ROTATE: RedisScript = tokenScript(`
local key = base .. ':rt:' .. ARGV[2]
local now, grace, limit = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[22])
local cur = redis.call('HMGET', key, 'client', 'exp', 'family', 'rotatedAt', 'graceUsed', 'successor', 'kids', 'parent')
local client, rotated_at, grace_used, successor = cur[1], cur[4], cur[5], cur[6]
local kids, parent = cur[7] or '', cur[8] or ''
-- decideRotation: unknown, expired, or another client's token
if not client or tonumber(cur[2]) <= now or client ~= ARGV[3] then return 'invalid' end
-- The new tokens go into the presented token's family (KEYS[1]); the caller checked they name it.
local outcome = 'rotated'
if rotated_at ~= '' then
  -- successorRotated: a successor has been used already (then a retry is a replay); using one retires
  -- every sibling, the latest included, so the latest tells
  local successor_rotated = false
  if successor ~= '' then
    local s = redis.call('HGET', base .. ':rt:' .. successor, 'rotatedAt')
    successor_rotated = s ~= false and s ~= ''
  end
  -- successorCount: the successors in kids, at least the one successor of a token rotated by an older release
  local successors = 0
  for _ in string.gmatch(kids, '%S+') do successors = successors + 1 end
  if successors == 0 and successor ~= '' then successors = 1 end
  local within_grace = grace > 0 and now - tonumber(rotated_at) <= grace and grace_used ~= '1' and successors < limit
  if within_grace and not successor_rotated then outcome = 'grace' else outcome = 'reused' end
end
if outcome == 'reused' then
  revoke()
  return 'reused'
end
if is_revoked() then return 'invalid' end
if outcome == 'rotated' and parent ~= '' then
  -- Concurrent refresh: the first sibling used wins; the others become rotated-out tombstones that may
  -- have no successor (using one later is reuse), and their access tokens are deleted.
  local siblings = redis.call('HGET', base .. ':rt:' .. parent, 'kids')
  if siblings and string.find(siblings, ' ', 1, true) then
    for hash in string.gmatch(siblings, '%S+') do
      local sibling = base .. ':rt:' .. hash
      local state = redis.call('HMGET', sibling, 'rotatedAt', 'access')
      if hash ~= ARGV[2] and state[1] == '' then
        redis.call('HSET', sibling, 'rotatedAt', ARGV[4], 'graceUsed', '1')
        if state[2] and state[2] ~= '' then
          redis.call('DEL', base .. ':at:' .. state[2])
          redis.call('SREM', base, 'at:' .. state[2])
        end
      end
    end
  end
end
if rotated_at == '' then rotated_at = ARGV[4] end
if kids == '' then kids = ARGV[11] else kids = kids .. ' ' .. ARGV[11] end
redis.call('HSET', key, 'rotatedAt', rotated_at, 'successor', ARGV[11], 'kids', kids)
put_access(6)
put_refresh(11)
join()
return outcome
`)

/**
 * Deletes a family's members and refuses new tokens into it for a day; returns '1' when it was revoked
 * already, else '0', then the members deleted.
 */
export const REVOKE_FAMILY: RedisScript = tokenScript(`
local before = is_revoked() and '1' or '0'
local members = revoke()
table.insert(members, 1, before)
return members
`)

/** Adds ARGV[2] to the index set KEYS[1] and keeps the set at least ARGV[3] ms longer. */
export const INDEX_FAMILY: RedisScript = new RedisScript(`
redis.call('SADD', KEYS[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`)

/** The script arguments of an access token: hash, JSON, ttl, familyId, uniqueKey. */
export function accessArgs(token: AccessToken, nowMs: number): string[] {
  return [token.tokenHash, JSON.stringify(token), String(ttlMs(token.expiresAt, nowMs)), token.familyId ?? '', token.uniqueKey ?? '']
}

/** The script arguments of a refresh token, in `put_refresh`'s order; `parentHash` the token it was rotated from. */
export function refreshArgs(token: RefreshToken, nowMs: number, parentHash = ''): string[] {
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
    parentHash,
  ]
}

/** The replies ROTATE may give. */
export const ROTATION_OUTCOMES: ReadonlySet<string> = new Set<RotationOutcome>(['rotated', 'grace', 'reused', 'invalid'])

/** A family's base key (its member set), under the hash tag `{<familyId>}` every key of the family shares. */
export function familyBase(familyId: string): string {
  return `fam{${familyId}}`
}
