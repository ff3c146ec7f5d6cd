import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import { describeRecordStoreContract } from './record-contract.ts'
import { describeRegisteredClientsContract } from './registered-client-contract.ts'
import { FakeClock } from './records.ts'

describeRecordStoreContract('memory (LocalRecordStore)', async () => {
  const clock = new FakeClock()
  return { recordStore: new LocalRecordStore({ clock: clock.now }), clock, close: async () => {} }
})

describeRegisteredClientsContract('memory (LocalRecordStore)', async () => {
  const clock = new FakeClock()
  return { recordStore: new LocalRecordStore({ clock: clock.now }), clock, close: async () => {} }
})
