/**
 * `rotateRefreshToken` finds the presented token in the family the new tokens name (the refresh grant takes
 * it from the presented token), with no read of its own to find the family: a presented token of another
 * family is `invalid` and nothing rotates, on the SQL core (SQLite) and on a Redis server, with and without
 * the `sharded` option (Redis Cluster runs the contract suite, test/contract/redis-cluster.test.ts).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../../src/stores/redis.ts'
import { SqliteStore } from '../../src/stores/sqlite.ts'
import type { AccessTokenStore } from '../../src/stores/types.ts'
import { recordsNow } from '../helpers/records.ts'
import { deleteByPrefix, newClient, REDIS_URL, uniquePrefix } from './redis-helpers.ts'
import { probeService, whenReachable } from './services.ts'

// The shared records at this moment: the store keeps its own (real) clock.
const { seconds, access, refresh } = recordsNow()

/** Two families; the token of one presented with new tokens naming the other, then with its own. */
async function checkRotation(store: AccessTokenStore): Promise<void> {
  expect(await store.saveToken(access('a1', 'f1'), refresh('r1', 'f1', 'a1'))).toBe(true)
  expect(await store.saveToken(access('b1', 'f2'), refresh('s1', 'f2', 'b1'))).toBe(true)
  const request = { presentedHash: 'r1', clientId: 'abc', now: seconds(), graceSeconds: 0 }
  const wrong = { ...request, accessToken: access('a2', 'f2'), refreshToken: refresh('r2', 'f2', 'a2') }
  expect(await store.rotateRefreshToken(wrong)).toBe('invalid')
  expect((await store.fetchByRefreshToken('r1'))?.rotatedAt).toBeUndefined()
  expect(await store.fetchByRefreshToken('r2')).toBeUndefined()
  expect(await store.fetchByToken('a2')).toBeUndefined()
  // The family's own rotation then works, and its new tokens read back.
  const right = { ...request, accessToken: access('a3', 'f1'), refreshToken: refresh('r3', 'f1', 'a3') }
  expect(await store.rotateRefreshToken(right)).toBe('rotated')
  expect((await store.fetchByRefreshToken('r1'))?.successorHash).toBe('r3')
  expect((await store.fetchByToken('a3'))?.familyId).toBe('f1')
  expect((await store.fetchByRefreshToken('r3'))?.familyId).toBe('f1')
}

describe('rotation in the family the new tokens name', () => {
  it('SQL core (SQLite)', async () => {
    const store = new SqliteStore({ path: ':memory:' })
    await store.migrate()
    await checkRotation(store)
    await store.close()
  })
})

const redis = await probeService('Redis', REDIS_URL, 6379)
whenReachable(redis, () => {
  describe('rotation in the family the new tokens name (Redis)', () => {
    const admin = newClient()
    const prefixes: string[] = []
    afterAll(async () => {
      await admin.connect()
      for (const prefix of prefixes) await deleteByPrefix(admin, prefix)
      admin.disconnect()
    })

    it('a single server (the scripts write the pointers)', async () => {
      const prefix = uniquePrefix('rotation-family')
      prefixes.push(prefix)
      const store = await RedisStore.connect({ url: REDIS_URL, prefix })
      await checkRotation(store)
      await store.close()
    })

    it('sharded (the pointers by plain commands, reads in two steps), here over a single server', async () => {
      const prefix = uniquePrefix('rotation-family-sharded')
      prefixes.push(prefix)
      const store = await RedisStore.connect({ url: REDIS_URL, prefix, sharded: true })
      await checkRotation(store)
      await store.close()
    })
  })
})
