import { afterAll } from 'vitest'
import { LocalClientStore } from '../../src/stores/memory-client-store.ts'
import { MemcacheTokenStore } from '../../src/stores/memcache.ts'
import { deleteByPrefix, MEMCACHED_SERVERS, MEMCACHED_URL, uniquePrefix } from './memcache-helpers.ts'
import { describeGrantContextRoundTrip } from './grant-context.ts'
import { describeDeviceCodeStoreContract } from './device-code-contract.ts'
import { describeRecordStoreContract } from './record-contract.ts'
import { describeRegisteredClientsContract } from './registered-client-contract.ts'
import { RecordDeviceCodeStore } from '../../src/stores/record-device-code-store.ts'
import { probeService, whenReachable } from './services.ts'
import { describeStoreContract, FakeClock } from './store-contract.ts'

const service = await probeService('memcached', MEMCACHED_URL, 11211)

whenReachable(service, () => {
  // memcached keeps tokens and codes only: clients live in a LocalClientStore, as with the seed's
  // MemcacheTokenStore. Every test gets a prefix of its own, and its keys are deleted after it.
  const base = uniquePrefix('memcache-contract')
  let tests = 0

  afterAll(() => deleteByPrefix(base))

  /** A store under a fresh prefix, and how to remove what it stored. */
  const open = (clock: FakeClock): { store: MemcacheTokenStore; close: () => Promise<void> } => {
    const prefix = `${base}${++tests}:`
    const store = new MemcacheTokenStore({ servers: MEMCACHED_SERVERS, prefix, clock: clock.now })
    return { store, close: async () => void (await store.close(), await deleteByPrefix(prefix)) }
  }

  describeStoreContract('memcached (LocalClientStore + MemcacheTokenStore)', async () => {
    const clock = new FakeClock()
    const { store, close } = open(clock)
    return { clientStore: new LocalClientStore(), tokenStore: store, clock, close }
  })

  describeGrantContextRoundTrip('memcached', async () => {
    const clock = new FakeClock()
    const { store, close } = open(clock)
    return { tokenStore: store, clock, close }
  })

  // Records without an expiry are refused: memcached evicts (see MemcacheRecords).
  describeRecordStoreContract('memcached', async () => {
    const clock = new FakeClock()
    const { store, close } = open(clock)
    return { recordStore: store, clock, close, refusesDurableRecords: true }
  })

  // Works while memcached keeps the records; it evicts under memory pressure, so docs/registration.md
  // calls it unsuitable for registrations in production.
  describeRegisteredClientsContract('memcached', async () => {
    const clock = new FakeClock()
    const { store, close } = open(clock)
    return { recordStore: store, clock, close }
  })

  describeDeviceCodeStoreContract('memcached through RecordDeviceCodeStore', async () => {
    const { store, close } = open(new FakeClock())
    return { store: new RecordDeviceCodeStore(store), close }
  })
})
