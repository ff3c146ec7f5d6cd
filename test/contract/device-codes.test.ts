import { LocalDeviceCodeStore } from '../../src/stores/memory-device-code-store.ts'
import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import { RecordDeviceCodeStore } from '../../src/stores/record-device-code-store.ts'
import { describeDeviceCodeStoreContract } from './device-code-contract.ts'
import { FakeClock } from './records.ts'

describeDeviceCodeStoreContract('memory (LocalDeviceCodeStore)', async () => ({ store: new LocalDeviceCodeStore(), close: async () => {} }))

describeDeviceCodeStoreContract('RecordDeviceCodeStore over LocalRecordStore', async () => {
  const clock = new FakeClock()
  return { store: new RecordDeviceCodeStore(new LocalRecordStore({ clock: clock.now })), close: async () => {} }
})
