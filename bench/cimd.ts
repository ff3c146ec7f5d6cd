/**
 * `npx tsx --conditions=oauth2-stack:source bench/cimd.ts`: the cost of a Client ID Metadata Document client at the
 * token endpoint. Redeems pre-issued codes (PKCE S256, public client, `none`) through the controller in
 * process, alternating rounds between a registered public client and a metadata-document client whose
 * document is cached (issue 14: "a code exchange by a metadata-document client (cache hit) within 10% of a
 * registered client's"). In process, so the figure is the server's own work without HTTP noise. The
 * document comes from an in-memory `SafeFetch` (fetched once, then every lookup is a cache hit).
 *
 * ROUNDS (default 6) × CODES (default 5000) exchanges per client; prints exchanges per second of each.
 */
import { AuthorizationController, type SafeFetch } from 'oauth2-stack'
import { AuthorizationCodeGrant, Scope } from 'oauth2-stack/grant'
import { LocalClientStore, LocalTokenStore } from 'oauth2-stack/store'
import { Request, type SiteAdapter } from 'oauth2-stack/web'

const ROUNDS = Number(process.env.ROUNDS ?? 6)
const CODES = Number(process.env.CODES ?? 5000)
const REDIRECT = 'http://127.0.0.1:8765/callback'
const REGISTERED = 'bench-public'
const DOCUMENT = 'https://client.example/oauth/metadata.json'
// RFC 7636 appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'

const clientStore = new LocalClientStore()
await clientStore.addClient({ clientId: REGISTERED, redirectUris: [REDIRECT] })
const tokenStore = new LocalTokenStore()
const document = JSON.stringify({
  client_id: DOCUMENT,
  client_name: 'Bench',
  redirect_uris: [REDIRECT],
  token_endpoint_auth_method: 'none',
})
const fetch: SafeFetch = async () => ({ status: 200, headers: { 'cache-control': 'max-age=86400' }, body: document })
const siteAdapter: SiteAdapter = {
  authenticate: async () => ({ type: 'granted', userId: 'bench' }),
  renderAuthPage: async (_request, response) => response,
  userHasDeniedAccess: async () => false,
}
const controller = new AuthorizationController({
  issuer: 'http://127.0.0.1',
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
  siteAdapter,
  scope: new Scope({ available: ['read'], default: ['read'] }),
  clientIdMetadataDocuments: { fetch },
  limits: false,
})
controller.addGrant(new AuthorizationCodeGrant())

async function codes(clientId: string, count: number): Promise<string[]> {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
  }).toString()
  const issued: string[] = []
  for (let i = 0; i < count; i++) {
    const response = await controller.dispatch(Request.fromUrl('GET', `/authorize?${query}`), undefined)
    const code = new URL(response.headers.location ?? 'x:').searchParams.get('code')
    if (code === null) throw new Error(`no code for ${clientId}: ${response.statusCode} ${String(response.body)}`)
    issued.push(code)
  }
  return issued
}

const headers = { 'content-type': 'application/x-www-form-urlencoded' }
async function exchange(clientId: string, issued: readonly string[]): Promise<number> {
  const bodies = issued.map(
    (code) =>
      `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(REDIRECT)}&client_id=${encodeURIComponent(clientId)}&code_verifier=${VERIFIER}`,
  )
  const started = process.hrtime.bigint()
  for (const body of bodies) {
    const response = await controller.dispatch(new Request({ method: 'POST', path: '/token', headers, body }), undefined)
    if (response.statusCode !== 200) throw new Error(`exchange for ${clientId}: ${response.statusCode} ${String(response.body)}`)
  }
  return Number(process.hrtime.bigint() - started) / 1e9
}

const seconds = { [REGISTERED]: 0, [DOCUMENT]: 0 }
for (let round = 0; round < ROUNDS; round++) {
  // Alternate the order so neither client always runs on a warmer (or more garbage-laden) heap.
  const order = round % 2 === 0 ? [REGISTERED, DOCUMENT] : [DOCUMENT, REGISTERED]
  for (const clientId of order) {
    const issued = await codes(clientId, CODES)
    const spent = await exchange(clientId, issued)
    // The first round is warm-up.
    if (round > 0) seconds[clientId as keyof typeof seconds] += spent
  }
}
const rate = (clientId: keyof typeof seconds): number => ((ROUNDS - 1) * CODES) / seconds[clientId]
const registered = rate(REGISTERED)
const viaDocument = rate(DOCUMENT)
console.log(`registered public client:      ${registered.toFixed(0)} exchanges/s`)
console.log(`metadata-document client (hit): ${viaDocument.toFixed(0)} exchanges/s (${((viaDocument / registered - 1) * 100).toFixed(1)}%)`)
