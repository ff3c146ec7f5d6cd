import { LocalClientStore } from '../../src/stores/memory-client-store.ts'
import { LocalTokenStore } from '../../src/stores/memory-token-store.ts'
import { describeStoreContract, FakeClock } from './store-contract.ts'

describeStoreContract('memory (LocalClientStore + LocalTokenStore)', async () => {
  const clock = new FakeClock()
  return { clientStore: new LocalClientStore(), tokenStore: new LocalTokenStore({ clock: clock.now }), clock, close: async () => {} }
})
