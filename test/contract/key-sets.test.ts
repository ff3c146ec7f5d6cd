import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import { describeKeySetContract } from './key-set-contract.ts'
import { FakeClock } from './records.ts'

// The SQL backends run the contract from sql-store-contract.ts, Redis from redis.test.ts; memcached refuses
// key sets (memcache.test.ts).
describeKeySetContract('memory (LocalRecordStore)', async () => {
  const clock = new FakeClock()
  return { recordStore: new LocalRecordStore({ clock: clock.now }), clock, close: async () => {} }
})
