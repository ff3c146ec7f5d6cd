/**
 * oauth2-stack on node:http with in-memory stores, every grant a scenario needs, and the benchmark
 * client. The harness pre-issues codes and refresh tokens through `/bench/seed`, which exists only here.
 */
import { createServer } from 'node:http'
import { AuthorizationController } from 'oauth2-stack'
import { AuthorizationCodeGrant, ClientCredentialsGrant, RefreshToken, ResourceOwnerGrant, Scope } from 'oauth2-stack/grant'
import { LocalClientStore, LocalTokenStore } from 'oauth2-stack/store'
import { nodeHandler, type AuthenticationResult, type NodeEnviron, type SiteAdapter } from 'oauth2-stack/web'
import { announce, BENCH_CLIENT } from './shared.ts'

const clientStore = new LocalClientStore()
await clientStore.addClient({
  clientId: BENCH_CLIENT.clientId,
  clientSecret: BENCH_CLIENT.clientSecret,
  redirectUris: [BENCH_CLIENT.redirectUri],
})
const tokenStore = new LocalTokenStore()
const siteAdapter: SiteAdapter<NodeEnviron> = {
  async authenticate(request): Promise<AuthenticationResult> {
    const ok = request.postParam('username') === 'bench' && request.postParam('password') === 'bench'
    return ok ? { type: 'granted', userId: 'bench' } : { type: 'denied' }
  },
  async renderAuthPage(_request, response) {
    return response
  },
  async userHasDeniedAccess() {
    return false
  },
}
const controller = new AuthorizationController<NodeEnviron>({
  issuer: 'http://127.0.0.1',
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
  siteAdapter,
  scope: new Scope({ available: ['read', 'write'], default: ['read'] }),
})
controller.addGrant(new AuthorizationCodeGrant())
controller.addGrant(new ClientCredentialsGrant())
controller.addGrant(new ResourceOwnerGrant())
controller.addGrant(new RefreshToken({ expiresIn: 86400 }))

announce(createServer(nodeHandler(controller)))
