/**
 * `npm run bench:memory`: issues one million client_credentials tokens through the controller (in process,
 * memory store, 60 s access tokens, a clock advancing one second per thousand tokens) and reports RSS and
 * the live-token count along the way: memory is bounded by the purge, not by the number issued.
 */
import { AuthorizationController } from 'oauth2-stack'
import { ClientCredentialsGrant, Scope } from 'oauth2-stack/grant'
import { LocalClientStore, LocalTokenStore } from 'oauth2-stack/store'
import { Request } from 'oauth2-stack/web'
import { BENCH_CLIENT } from './servers/shared.ts'

const TOTAL = Number(process.env.TOKENS ?? 1_000_000)
let now = Date.UTC(2026, 0, 1)
const clock = (): number => now
const clientStore = new LocalClientStore()
await clientStore.addClient({
  clientId: BENCH_CLIENT.clientId,
  clientSecret: BENCH_CLIENT.clientSecret,
  redirectUris: [BENCH_CLIENT.redirectUri],
})
const tokenStore = new LocalTokenStore({ clock })
const controller = new AuthorizationController({
  issuer: 'http://127.0.0.1',
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
  accessTokenLifetime: 60,
  scope: new Scope({ available: ['read'], default: ['read'] }),
  clock,
})
controller.addGrant(new ClientCredentialsGrant())
const headers = {
  authorization: `Basic ${Buffer.from(`${BENCH_CLIENT.clientId}:${BENCH_CLIENT.clientSecret}`).toString('base64')}`,
  'content-type': 'application/x-www-form-urlencoded',
}
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0)
const started = Date.now()
for (let i = 1; i <= TOTAL; i++) {
  const response = await controller.dispatch(
    new Request({ method: 'POST', path: '/token', headers, body: 'grant_type=client_credentials' }),
    undefined,
  )
  if (response.statusCode !== 200) throw new Error(response.body)
  if (i % 1000 === 0) now += 1000
  if (i % 100_000 === 0) {
    const { rss, heapUsed } = process.memoryUsage()
    console.log(`${i} tokens issued: RSS ${mib(rss)} MiB, heap ${mib(heapUsed)} MiB, live access tokens ${tokenStore.size.accessTokens}`)
  }
}
console.log(
  `${TOTAL} tokens in ${((Date.now() - started) / 1000).toFixed(1)} s (${(((Date.now() - started) * 1000) / TOTAL).toFixed(1)} µs each, in process)`,
)
