import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe } from 'vitest'
import { RedisStore } from '../../src/stores/redis.ts'
import { describeGrantContextRoundTrip } from './grant-context.ts'
import { describeDeviceCodeStoreContract } from './device-code-contract.ts'
import { describeRecordStoreContract } from './record-contract.ts'
import { describeRegisteredClientsContract } from './registered-client-contract.ts'
import { RecordDeviceCodeStore } from '../../src/stores/record-device-code-store.ts'
import { deleteByPrefix, DRIVERS, newClient, REDIS_URL, uniquePrefix, type OpenedClient } from './redis-helpers.ts'
import { probeService, whenReachable } from './services.ts'
import { describeStoreContract, FakeClock } from './store-contract.ts'

const service = await probeService('Redis', REDIS_URL, 6379)

whenReachable(service, () => {
  // The whole contract runs once per driver. One client per driver for the file; every test gets a prefix
  // of its own, and its keys are deleted after it (through an ioredis admin client).
  const base = uniquePrefix('redis-contract')
  let admin: Redis
  let tests = 0

  beforeAll(async () => {
    admin = newClient()
    await admin.connect()
  })
  afterAll(async () => {
    await deleteByPrefix(admin, base)
    await admin.quit()
  })

  for (const driver of DRIVERS) {
    describe(driver.name, () => {
      let opened: OpenedClient
      beforeAll(async () => {
        opened = await driver.open()
      })
      afterAll(() => opened.close())

      /** A store over this driver's client under a fresh prefix, and how to remove what it stored. */
      const open = (clock: FakeClock): { store: RedisStore; close: () => Promise<void> } => {
        const prefix = `${base}${++tests}:`
        const store = new RedisStore({ client: opened.client, prefix, clock: clock.now })
        return { store, close: async () => void (await store.close(), await deleteByPrefix(admin, prefix)) }
      }

      describeStoreContract(`Redis (${driver.name})`, async () => {
        const clock = new FakeClock()
        const { store, close } = open(clock)
        return { clientStore: store, tokenStore: store, clock, close }
      })

      describeGrantContextRoundTrip(`Redis (${driver.name})`, async () => {
        const clock = new FakeClock()
        const { store, close } = open(clock)
        return { tokenStore: store, clock, close }
      })

      describeRecordStoreContract(`Redis (${driver.name})`, async () => {
        const clock = new FakeClock()
        const { store, close } = open(clock)
        return { recordStore: store, clock, close }
      })

      describeRegisteredClientsContract(`Redis (${driver.name})`, async () => {
        const clock = new FakeClock()
        const { store, close } = open(clock)
        return { recordStore: store, clock, close }
      })

      describeDeviceCodeStoreContract(`Redis (${driver.name}) through RecordDeviceCodeStore`, async () => {
        const { store, close } = open(new FakeClock())
        return { store: new RecordDeviceCodeStore(store), close }
      })
    })
  }
})
