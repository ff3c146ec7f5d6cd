/**
 * Token families on memcached: one item per family listing its members, updated by gets/CAS with
 * retries, and a `revoked:<familyId>` marker that refuses new tokens for a day after a revocation; one
 * index item per login session and per remembered consent listing their families (best effort, like the
 * family items: an evicted index item makes `revokeFamilies` miss its families).
 * Internal: used by `MemcacheTokenStore`.
 *
 * @module
 */
import { StoreUnavailableError } from '../errors.ts'
import type { AccessToken, RefreshToken } from '../types.ts'
import { isOffline, REVOKED_FAMILY_SECONDS } from './family.ts'
import type { MemcacheConnection } from './memcache-connection.ts'
import type { FamilyFilter } from './types.ts'

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
  await addToList(mc, mc.key('fam', familyId), members, expiresAt, familyId)
}

/** Adds members to a list item (`{ exp, members }`) with gets/CAS, retrying when another writer changed it meanwhile. */
async function addToList(mc: MemcacheConnection, key: string, members: readonly string[], expiresAt: number, what: string): Promise<void> {
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
  throw new StoreUnavailableError(`MemcacheTokenStore: could not update ${what} (contention)`)
}

/** Removes members from a list item with gets/CAS (best effort: it gives up under contention). */
async function removeFromList(mc: MemcacheConnection, key: string, members: readonly string[]): Promise<void> {
  const gone = new Set(members)
  for (let attempt = 0; attempt < FAMILY_UPDATE_ATTEMPTS; attempt++) {
    const current = await mc.gets(key)
    if (current === undefined) return
    const list = JSON.parse(current.value) as Family
    const updated: Family = { exp: list.exp, members: list.members.filter((member) => !gone.has(member)) }
    if (updated.members.length === list.members.length) return
    if (await mc.cas(key, JSON.stringify(updated), updated.exp, current.cas)) return
  }
}

/** The index items of a family's session and consent (`fidx:sid:<id>`, `fidx:grant:<id>`). */
function indexKeys(mc: MemcacheConnection, sessionId: string | undefined, grantId: string | undefined): string[] {
  return [
    ...(sessionId === undefined ? [] : [mc.key('fidx', `sid.${sessionId}`)]),
    ...(grantId === undefined ? [] : [mc.key('fidx', `grant.${grantId}`)]),
  ]
}

/**
 * Records a family in the index items of its session and consent (when its context names them), as
 * `o:<familyId>` (offline: the refresh token, else the access token, has `offline_access`) or `n:<familyId>`.
 */
export async function indexFamily(mc: MemcacheConnection, accessToken: AccessToken, refreshToken: RefreshToken | undefined): Promise<void> {
  const token = refreshToken ?? accessToken
  const { sessionId, grantId } = token.context ?? {}
  const keys = indexKeys(mc, sessionId, grantId)
  if (keys.length === 0) return
  const member = `${isOffline(token) ? 'o' : 'n'}:${token.familyId ?? ''}`
  const expiresAt = Math.max(accessToken.expiresAt, refreshToken?.expiresAt ?? 0)
  await Promise.all(keys.map((key) => addToList(mc, key, [member], expiresAt, 'a family index')))
}

/** Revokes the indexed families of a session or consent; resolves how many were not revoked already. */
export async function revokeFamilies(mc: MemcacheConnection, filter: FamilyFilter): Promise<number> {
  const [key] = filter.grantId !== undefined ? indexKeys(mc, undefined, filter.grantId) : indexKeys(mc, filter.sessionId, undefined)
  const json = key === undefined ? undefined : await mc.get(key)
  if (key === undefined || json === undefined) return 0
  // OpenID Connect Core 1.0 section 11: with exceptOffline, families made with offline_access survive.
  const chosen = (JSON.parse(json) as Family).members.filter((member) => !(filter.exceptOffline === true && member.startsWith('o:')))
  const live = await Promise.all(chosen.map((member) => revokeFamily(mc, member.slice(2))))
  await removeFromList(mc, key, chosen)
  return live.filter(Boolean).length
}

/** Revokes a family: marks it revoked for a day, then deletes its members and its item; whether it was live. */
export async function revokeFamily(mc: MemcacheConnection, familyId: string): Promise<boolean> {
  // The marker first: a writer that joins after we read the members sees it and takes its tokens back.
  const live = await mc.add(mc.key('revoked', familyId), '1', mc.now() + REVOKED_FAMILY_SECONDS)
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
  return live
}

/** Whether any of the families has been revoked (within the last day). */
export async function anyRevoked(mc: MemcacheConnection, familyIds: readonly string[]): Promise<boolean> {
  const markers = await Promise.all(familyIds.map((familyId) => mc.get(mc.key('revoked', familyId))))
  return markers.some((marker) => marker !== undefined)
}
