/**
 * One authorization-server process for the scale-out test: `tsx test/scale/server.ts <store url> <prefix>`
 * serves the code, refresh and device grants from the shared store with a test login, and prints `READY <port>`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AuthorizationCodeGrant, DeviceCodeGrant, RefreshToken, Scope } from '../../src/grants/index.ts'
import { AuthorizationController } from '../../src/index.ts'
import { openStore } from '../../src/stores/from-url.ts'
import { RedisStore } from '../../src/stores/redis.ts'
import { nodeHandler } from '../../src/web/index.ts'
import { TestSiteAdapter } from '../helpers/site-adapter.ts'

const [url = '', prefix = '', issuer = 'http://127.0.0.1'] = process.argv.slice(2)
// Generous timeouts: CI runs this beside the rest of the suite on two cores, and a timeout here would test
// the machine's load, not the sharing of one store by two processes.
const opened = url.startsWith('redis')
  ? await (async () => {
      const store = new RedisStore({ url, prefix, commandTimeoutMs: 10_000 })
      await store.connect()
      return { tokenStore: store, clientStore: store, close: () => store.close() }
    })()
  : await openStore(url, { tablePrefix: prefix, keyPrefix: prefix })
const controller = new AuthorizationController({
  issuer,
  accessTokenStore: opened.tokenStore,
  authCodeStore: opened.tokenStore,
  clientStore: opened.clientStore,
  siteAdapter: new TestSiteAdapter([{ username: 'alice', password: 'wonderland', data: {} }]),
  scope: new Scope({ available: ['read'], default: ['read'] }),
  onError: () => {},
  storeTimeoutMs: 15_000,
})
controller.addGrant(new AuthorizationCodeGrant())
controller.addGrant(new RefreshToken({ expiresIn: 3600 }))
// Device codes in the shared store's records (the grant's default): a code asked for at one process is
// approved and redeemed at the other.
controller.addGrant(new DeviceCodeGrant())
const server = createServer(nodeHandler(controller))
server.listen(0, '127.0.0.1', () => console.log(`READY ${(server.address() as AddressInfo).port}`))
process.once('SIGTERM', () => {
  server.close()
  server.closeAllConnections()
  void opened.close().finally(() => process.exit(0))
})
