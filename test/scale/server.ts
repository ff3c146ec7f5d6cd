/**
 * One authorization-server process for the scale-out test: `tsx test/scale/server.ts <store url> <prefix>`
 * serves every grant from the shared store with the demo login, and prints `READY <port>`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DemoSiteAdapter } from '../../src/cli/demo-site-adapter.ts'
import { AuthorizationCodeGrant, RefreshToken, Scope } from '../../src/grants/index.ts'
import { AuthorizationController } from '../../src/index.ts'
import { openStore } from '../../src/stores/index.ts'
import { nodeHandler } from '../../src/web/index.ts'

const [url = '', prefix = '', issuer = 'http://127.0.0.1'] = process.argv.slice(2)
const opened = await openStore(url, { tablePrefix: prefix, keyPrefix: prefix })
const controller = new AuthorizationController({
  issuer,
  accessTokenStore: opened.tokenStore,
  authCodeStore: opened.tokenStore,
  clientStore: opened.clientStore,
  siteAdapter: new DemoSiteAdapter([{ username: 'alice', password: 'wonderland', data: {} }]),
  scope: new Scope({ available: ['read'], default: ['read'] }),
  onError: () => {},
})
controller.addGrant(new AuthorizationCodeGrant())
controller.addGrant(new RefreshToken({ expiresIn: 3600 }))
const server = createServer(nodeHandler(controller))
server.listen(0, '127.0.0.1', () => console.log(`READY ${(server.address() as AddressInfo).port}`))
process.once('SIGTERM', () => {
  server.close()
  server.closeAllConnections()
  void opened.close().finally(() => process.exit(0))
})
