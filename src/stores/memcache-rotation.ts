/**
 * Refresh-token rotation on memcached, concurrent refresh included: the state a rotation reads (the
 * token and its markers) and one rotation attempt. Internal: used by `MemcacheTokenStore`.
 *
 * Keys beside `rt:<hash>` (the token as saved):
 * - `rotated:<hash>`: the rotation claim, `add`ed once: when, the first successor and its access token;
 *   or a tombstone (`graceUsed`) for a sibling retired because another sibling was used first.
 * - `sibs:<hash>`: how many siblings beyond the first successor were claimed (`incr`: one winner per number);
 *   `sib:<hash>.<k>`: the k-th sibling and its access token.
 * - `parent:<hash>`: the token this one was rotated from (written only with a grace interval).
 * - `used:<hash>`: the first successor of `hash` that was used (`add`: one winner); using any other is reuse.
 *
 * @module
 */
import type { AccessToken, RefreshToken } from '../types.ts'
import { DEFAULT_CONCURRENT_REFRESHES, decideRotation, familiesOf } from './family.ts'
import { decodeRefreshToken } from './json-records.ts'
import type { MemcacheConnection } from './memcache-connection.ts'
import { anyRevoked, indexFamily, joinFamilies, revokeFamily } from './memcache-families.ts'
import type { RotationOutcome, RotationRequest } from './types.ts'

/** What a rotation claim or a sibling records. */
interface Marker {
  readonly rotatedAt?: number
  readonly successorHash?: string
  readonly successorAccess?: string
  readonly graceUsed?: boolean
}

/** What a token write put into memcached, so it can be taken back. */
export interface Written {
  readonly keys: readonly string[]
}

/** Writes an access token (and refresh token) and its `uniqueKey` entry. */
export async function putTokens(
  mc: MemcacheConnection,
  accessToken: AccessToken,
  refreshToken: RefreshToken | undefined,
): Promise<Written> {
  const accessKey = mc.key('at', accessToken.tokenHash)
  const keys = [accessKey]
  const writes = [mc.set(accessKey, JSON.stringify(accessToken), accessToken.expiresAt)]
  if (accessToken.uniqueKey !== undefined) {
    writes.push(mc.set(mc.key('uniq', accessToken.uniqueKey), accessToken.tokenHash, accessToken.expiresAt))
  }
  if (refreshToken !== undefined) {
    const key = mc.key('rt', refreshToken.tokenHash)
    keys.push(key)
    writes.push(mc.set(key, JSON.stringify(refreshToken), refreshToken.expiresAt))
  }
  await Promise.all(writes)
  return { keys }
}

/** Deletes what {@link putTokens} wrote. */
export async function takeBack(mc: MemcacheConnection, written: Written): Promise<void> {
  await Promise.all(written.keys.map((key) => mc.delete(key)))
}

/** A refresh token as saved, with the state its rotation marker records (rotated, retired, first successor). */
export async function readRefresh(mc: MemcacheConnection, tokenHash: string): Promise<RefreshToken | undefined> {
  const [json, rotatedJson] = await Promise.all([mc.get(mc.key('rt', tokenHash)), mc.get(mc.key('rotated', tokenHash))])
  return json === undefined ? undefined : withMarker(decodeRefreshToken(json), rotatedJson)
}

function withMarker(saved: RefreshToken, rotatedJson: string | undefined): RefreshToken {
  const rotated = rotatedJson === undefined ? undefined : (JSON.parse(rotatedJson) as Marker)
  return {
    ...saved,
    rotatedAt: rotated?.rotatedAt ?? saved.rotatedAt,
    graceUsed: saved.graceUsed || rotated?.graceUsed === true,
    successorHash: rotated?.successorHash ?? saved.successorHash,
  }
}

/** The presented token with what concurrent refresh needs: its extra siblings, whether one was used, its parent. */
async function readState(mc: MemcacheConnection, hash: string, siblings: boolean) {
  const names = siblings ? ['rt', 'rotated', 'sibs', 'used', 'parent'] : ['rt', 'rotated']
  const [json, rotatedJson, sibs, used, parent] = await Promise.all(names.map((name) => mc.get(mc.key(name, hash))))
  const token = json === undefined ? undefined : withMarker(decodeRefreshToken(json), rotatedJson)
  return { token, extra: sibs === undefined ? 0 : Number(sibs), used: used !== undefined, parent }
}

/**
 * One rotation attempt: an outcome, or `undefined` when a concurrent claim won and the caller should
 * decide again on the new state. The sibling steps run only with a grace interval.
 */
export async function tryRotate(mc: MemcacheConnection, request: RotationRequest): Promise<RotationOutcome | undefined> {
  const siblings = request.graceSeconds > 0
  const state = await readState(mc, request.presentedHash, siblings)
  const current = state.token
  const successor =
    current?.rotatedAt !== undefined && current.successorHash !== undefined ? await readRefresh(mc, current.successorHash) : undefined
  const successors = current?.rotatedAt === undefined ? 0 : 1 + state.extra
  const outcome = decideRotation(current, request, state.used || successor?.rotatedAt !== undefined, successors)
  if (current === undefined || outcome === 'invalid') return 'invalid'
  if (outcome === 'reused') return reuse(mc, current.familyId, undefined)
  const families = [...new Set([current.familyId, ...familiesOf(request.accessToken, request.refreshToken)])]
  if (await anyRevoked(mc, families)) return 'invalid'
  // Write the successor before claiming, so that whoever sees the claim finds the successor. Only the
  // winner joins the family (one CAS writer per rotation, not one per contender).
  const [written] = await Promise.all([
    putTokens(mc, request.accessToken, request.refreshToken),
    siblings ? mc.set(mc.key('parent', request.refreshToken.tokenHash), current.tokenHash, request.refreshToken.expiresAt) : undefined,
  ])
  const next: Marker = { successorHash: request.refreshToken.tokenHash, successorAccess: request.accessToken.tokenHash }
  if (outcome === 'rotated') {
    const parent = state.parent
    const [claimed, firstUse] = await Promise.all([
      mc.add(mc.key('rotated', current.tokenHash), JSON.stringify({ ...next, rotatedAt: request.now }), current.expiresAt),
      parent === undefined ? true : mc.add(mc.key('used', parent), current.tokenHash, current.expiresAt),
    ])
    if (!claimed) {
      await takeBack(mc, written)
      return undefined
    }
    if (parent !== undefined) {
      // Concurrent refresh: the first sibling used wins; using another one is reuse.
      if (!firstUse && (await mc.get(mc.key('used', parent))) !== current.tokenHash) return reuse(mc, current.familyId, written)
      await retireSiblings(mc, parent, current.tokenHash, request.now)
    }
  } else {
    // One more sibling: `incr` numbers the claims; beyond the cap it is reuse (RFC 9700 section 4.14.2).
    const k = await mc.increment(mc.key('sibs', current.tokenHash), current.expiresAt)
    if (1 + k > (request.concurrentRefreshes ?? DEFAULT_CONCURRENT_REFRESHES)) return reuse(mc, current.familyId, written)
    await mc.set(mc.key('sib', `${current.tokenHash}.${k}`), JSON.stringify(next), current.expiresAt)
    // A sibling used meanwhile retired the ones it saw; one claimed after that is caught here.
    if ((await mc.get(mc.key('used', current.tokenHash))) !== undefined) return reuse(mc, current.familyId, written)
  }
  await Promise.all([
    joinFamilies(mc, request.accessToken, request.refreshToken),
    indexFamily(mc, request.accessToken, request.refreshToken),
  ])
  // As in saveToken: a revocation that read the family before this join is seen here.
  if (await anyRevoked(mc, families)) {
    await takeBack(mc, written)
    return 'invalid'
  }
  return outcome
}

async function reuse(mc: MemcacheConnection, familyId: string, written: Written | undefined): Promise<'reused'> {
  if (written !== undefined) await takeBack(mc, written)
  await revokeFamily(mc, familyId)
  return 'reused'
}

/** The other successors of `parent` become tombstones that may have no successor, and their access tokens are deleted. */
async function retireSiblings(mc: MemcacheConnection, parent: string, used: string, now: number): Promise<void> {
  const [firstJson, sibs] = await Promise.all([mc.get(mc.key('rotated', parent)), mc.get(mc.key('sibs', parent))])
  const extra = sibs === undefined ? 0 : Number(sibs)
  if (extra === 0) return
  const markers = await Promise.all(Array.from({ length: extra }, (_, k) => mc.get(mc.key('sib', `${parent}.${k + 1}`))))
  const tombstone = JSON.stringify({ rotatedAt: now, graceUsed: true } satisfies Marker)
  await Promise.all(
    [firstJson, ...markers].map(async (json) => {
      const sibling = json === undefined ? undefined : (JSON.parse(json) as Marker)
      if (sibling?.successorHash === undefined || sibling.successorHash === used) return
      const token = await readRefresh(mc, sibling.successorHash)
      if (token === undefined || token.rotatedAt !== undefined) return
      await mc.add(mc.key('rotated', sibling.successorHash), tombstone, token.expiresAt)
      if (sibling.successorAccess !== undefined) await mc.delete(mc.key('at', sibling.successorAccess))
    }),
  )
}
