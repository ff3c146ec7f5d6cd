/**
 * The Redis store's family revocations: one family (its script, then its pointers), and every family of a
 * login session or a remembered consent through the index sets `fams:sid:<sessionId>` and
 * `fams:grant:<grantId>` written beside each save and rotation. Internal: used by `RedisStore`.
 *
 * @module
 */
import type { AccessToken, RefreshToken } from '../types.ts'
import { isOffline } from './family.ts'
import { ttlMs } from './json-records.ts'
import { text, type RedisCommands } from './redis-driver.ts'
import { familyBase, INDEX_FAMILY, REVOKE_FAMILY } from './redis-scripts.ts'
import type { FamilyFilter } from './types.ts'

/**
 * Deletes a family's tokens (one script in its slot), then their pointers (each in its own slot); resolves
 * whether the family was live (not revoked already).
 */
export async function revokeFamily(redis: RedisCommands, name: string, familyId: string): Promise<boolean> {
  const reply = await redis.run(name, REVOKE_FAMILY, [familyId], [familyBase(familyId)])
  const [before, ...members] = (Array.isArray(reply) ? reply : []).map(text)
  const pointers = members.filter((member) => member !== undefined)
  await Promise.all(pointers.map((member) => redis.send(name, ['DEL', redis.key(`tok:${member}`)])))
  return before === '0'
}

/**
 * Records a family in the index sets of its session and consent (when its context names them), each set
 * kept as long as the family: called beside a save or a rotation, in parallel with its other commands.
 * The family is offline when `token` (the refresh token, else the access token) has `offline_access`.
 * `undefined` when the context names neither (nothing sent).
 */
export function indexFamily(
  redis: RedisCommands,
  name: string,
  family: string,
  access: AccessToken,
  refresh: RefreshToken | undefined,
  nowMs: number,
): Promise<unknown> | undefined {
  const token = refresh ?? access
  const { sessionId, grantId } = token.context ?? {}
  if (sessionId === undefined && grantId === undefined) return undefined
  const member = `${isOffline(token) ? 'o' : 'n'}:${family}`
  const ttl = String(ttlMs(Math.max(access.expiresAt, refresh?.expiresAt ?? 0), nowMs))
  const sets = [...(sessionId === undefined ? [] : [`fams:sid:${sessionId}`]), ...(grantId === undefined ? [] : [`fams:grant:${grantId}`])]
  return Promise.all(sets.map((set) => redis.run(name, INDEX_FAMILY, [member, ttl], [set])))
}

/** Revokes the indexed families matching `filter`, one by one; resolves how many were live. */
export async function revokeFamilies(redis: RedisCommands, filter: FamilyFilter): Promise<number> {
  const name = 'revokeFamilies'
  const set = filter.grantId !== undefined ? `fams:grant:${filter.grantId}` : `fams:sid:${filter.sessionId}`
  const reply = await redis.send(name, ['SMEMBERS', redis.key(set)])
  const members = (Array.isArray(reply) ? reply : []).map(text).filter((member) => member !== undefined)
  // OpenID Connect Core 1.0 section 11: with exceptOffline, families made with offline_access survive.
  const chosen = members.filter((member) => !(filter.exceptOffline === true && member.startsWith('o:')))
  const live = await Promise.all(chosen.map((member) => revokeFamily(redis, name, member.slice(2))))
  if (chosen.length > 0) await redis.send(name, ['SREM', redis.key(set), ...chosen])
  return live.filter(Boolean).length
}
