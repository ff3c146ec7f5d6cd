/**
 * Token families on memcached: one item per family listing its members, updated by gets/CAS with
 * retries, and a `revoked:<familyId>` marker that refuses new tokens for a day after a revocation.
 * Internal: used by `MemcacheTokenStore`.
 *
 * @module
 */
import { StoreUnavailableError } from '../errors.ts'
import type { AccessToken, RefreshToken } from '../types.ts'
import { REVOKED_FAMILY_SECONDS } from './family.ts'
import type { MemcacheConnection } from './memcache-connection.ts'

/** A family's member list is one item; memcached items are at most 1 MiB by default. */
const FAMILY_UPDATE_ATTEMPTS = 32

/** The family item: members (`at:<hash>`, `rt:<hash>`) and the latest expiry among them. */
interface Family {
  readonly exp: number
  readonly members: readonly string[]
}

/** Makes the tokens members of their families (usually one). */
export async function joinFamilies(
  mc: MemcacheConnection,
  accessToken: AccessToken,
  refreshToken: RefreshToken | undefined,
): Promise<void> {
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
  await Promise.all([...joins].map(([familyId, entry]) => addMembers(mc, familyId, entry.members, entry.expiresAt)))
}

/** Adds members to a family item with gets/CAS, retrying when another writer changed it meanwhile. */
async function addMembers(mc: MemcacheConnection, familyId: string, members: readonly string[], expiresAt: number): Promise<void> {
  const key = mc.key('fam', familyId)
  for (let attempt = 0; attempt < FAMILY_UPDATE_ATTEMPTS; attempt++) {
    const current = await mc.gets(key)
    if (current === undefined) {
      const family: Family = { exp: expiresAt, members }
      if (await mc.add(key, JSON.stringify(family), expiresAt)) return
      continue
    }
    const family = JSON.parse(current.value) as Family
    const known = new Set(family.members)
    const missing = members.filter((member) => !known.has(member))
    if (missing.length === 0 && family.exp >= expiresAt) return
    const updated: Family = { exp: Math.max(family.exp, expiresAt), members: [...family.members, ...missing] }
    if (await mc.cas(key, JSON.stringify(updated), updated.exp, current.cas)) return
    // Another writer changed the item: back off a little (randomly, so contenders spread out).
    await new Promise((resolve) => setTimeout(resolve, Math.random() * attempt))
  }
  throw new StoreUnavailableError(`MemcacheTokenStore: could not update family ${familyId} (contention)`)
}

/** Revokes a family: marks it revoked for a day, then deletes its members and its item. */
export async function revokeFamily(mc: MemcacheConnection, familyId: string): Promise<void> {
  // The marker first: a writer that joins after we read the members sees it and takes its tokens back.
  await mc.add(mc.key('revoked', familyId), '1', mc.now() + REVOKED_FAMILY_SECONDS)
  const key = mc.key('fam', familyId)
  const json = await mc.get(key)
  if (json !== undefined) {
    const family = JSON.parse(json) as Family
    await Promise.all(
      family.members.map((member) => {
        const colon = member.indexOf(':')
        return mc.delete(mc.key(member.slice(0, colon), member.slice(colon + 1)))
      }),
    )
  }
  await mc.delete(key)
}

/** Whether any of the families has been revoked (within the last day). */
export async function anyRevoked(mc: MemcacheConnection, familyIds: readonly string[]): Promise<boolean> {
  const markers = await Promise.all(familyIds.map((familyId) => mc.get(mc.key('revoked', familyId))))
  return markers.some((marker) => marker !== undefined)
}
