import type { Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { RedisStore } from '../../src/stores/redis.ts'
import { deleteByPrefix, newClient, REDIS_URL, uniquePrefix } from './redis-helpers.ts'
import { probeService, whenReachable } from './services.ts'
import { describeStoreContract, FakeClock } from './store-contract.ts'

const service = await probeService('Redis', REDIS_URL, 6379)

whenReachable(service, () => {
  // One client for the file; every test gets a prefix of its own, and its keys are deleted after it.
  const base = uniquePrefix('redis-contract')
  let client: Redis
  let tests = 0

  beforeAll(async () => {
    client = newClient()
    await client.connect()
  })
  afterAll(async () => {
    await deleteByPrefix(client, base)
    await client.quit()
  })

  describeStoreContract('Redis', async () => {
    const clock = new FakeClock()
    const prefix = `${base}${++tests}:`
    const store = new RedisStore({ client, prefix, clock: clock.now })
    const close = async (): Promise<void> => {
      await store.close()
      await deleteByPrefix(client, prefix)
    }
    return { clientStore: store, tokenStore: store, clock, close }
  })
})
