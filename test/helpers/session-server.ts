/**
 * The test server of the session and remembered-consent flow suites: a site adapter with the
 * login/consent split, clients of each kind (a second confidential one, a loopback-only and a
 * self-registered one whose metadata version the tests change), an `id_token_hint` verifier, tight
 * sign-in limits, and a browser-like cookie jar fresh for every test (remembered consent forgotten too).
 */
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { RememberedConsents } from '../../src/sessions/consent-store.ts'
import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import type { AuthorizationCode } from '../../src/types.ts'
import { authorizeUrl, responseParams, type RawResult } from './browser.ts'
import { CookieJar, stageOf } from './cookie-jar.ts'
import { SplitSiteAdapter, SPLIT_USERS } from './split-site-adapter.ts'
import { CONFIDENTIAL, startTestServer, type TestServer } from './test-server.ts'

export const SECOND = {
  clientId: 'second',
  clientSecret: 'S'.repeat(43),
  redirectUris: ['https://second.example/cb'],
  name: 'Second',
} as const
export const LOOPBACK = { clientId: 'loopback-app', clientSecret: 'L'.repeat(43), redirectUris: ['http://127.0.0.1:8123/cb'] } as const
export const DYNAMIC = {
  clientId: 'dynamic-app',
  clientSecret: 'D'.repeat(43),
  redirectUris: ['https://dynamic.example/a', 'https://dynamic.example/b'],
} as const
export const ALICE = { username: 'alice', password: 'wonderland' } as const
export const BOB = { username: 'bob', password: 'builder-of-things' } as const
export const SESSION_COOKIE = 'oauth2_session'
const HINTS: Readonly<Record<string, string>> = { 'hint-alice': 'alice', 'hint-bob': 'bob' }

/** A client as the URLs name it. */
export interface ClientRef {
  readonly clientId: string
  readonly redirectUris: readonly string[]
}

/** What a suite works with; `server`, `adapter` and `jar` are set by the hooks. */
export interface SessionHarness {
  server: TestServer
  adapter: SplitSiteAdapter
  jar: CookieJar
  /** The host application's sign-in time, for `currentUser`. */
  hostAuthTime: number
  /** The metadata versions of the clients that have one (self-registered, metadata-document). */
  readonly versions: Map<string, string>
  /** An authorization URL of `client` (default the confidential one) with these extra parameters. */
  url: (extra?: Record<string, string>, client?: ClientRef) => string
  /** Opens `target` and goes through whatever pages come (login with `user`, consent approved) to the redirect. */
  authorize: (target: string, user?: { username: string; password: string }) => Promise<{ result: RawResult; pages: string[] }>
  /** The response parameters of a redirect to `redirectUri` (default the confidential client's). */
  params: (result: RawResult, redirectUri?: string) => URLSearchParams
  /** The stored code the redirect carries. */
  codeRecord: (result: RawResult, redirectUri?: string) => Promise<AuthorizationCode | undefined>
}

/** Registers the hooks of a session suite and returns its harness. */
export function useSessionServer(): SessionHarness {
  const h = {
    hostAuthTime: 0,
    versions: new Map<string, string>([
      [LOOPBACK.clientId, 'v1'],
      [DYNAMIC.clientId, 'v1'],
    ]),
  } as SessionHarness
  // The controller's record store, so each test starts without remembered consent (on the server's clock).
  const records = new LocalRecordStore({ clock: () => h.server.clock.now() })
  const consents = new RememberedConsents(records, { now: () => h.server.clock.seconds })

  beforeAll(async () => {
    h.adapter = new SplitSiteAdapter(SPLIT_USERS, { hostAuthTime: () => h.hostAuthTime })
    h.server = await startTestServer({
      clients: [SECOND, LOOPBACK, DYNAMIC],
      controller: () => ({
        // The test server's client store, with a metadata version on the dynamic clients.
        clientStore: {
          fetchByClientId: async (clientId: string) => {
            const found = await h.server.clientStore.fetchByClientId(clientId)
            const version = h.versions.get(clientId)
            return found === undefined || version === undefined ? found : { ...found, metadataVersion: version }
          },
        },
        siteAdapter: h.adapter,
        sessions: { verifyIdTokenHint: async (hint) => (HINTS[hint] === undefined ? undefined : { sub: HINTS[hint] }) },
        limits: { signIn: { max: 3, windowSeconds: 900 } },
        recordStore: records,
      }),
    })
  })
  afterAll(() => h.server.close())
  beforeEach(async () => {
    h.jar = new CookieJar()
    for (const user of SPLIT_USERS) await consents.revoke({ userId: user.username })
  })

  h.url = (extra = {}, client = { clientId: CONFIDENTIAL.clientId, redirectUris: [CONFIDENTIAL.redirectUri] }) =>
    authorizeUrl(h.server.url, {
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: client.redirectUris[0] ?? '',
      scope: 'read',
      state: 'st',
      ...extra,
    })
  h.authorize = async (target, user = ALICE) => {
    const pages: string[] = []
    let result = await h.jar.fetch(target)
    for (let step = 0; step < 3 && result.status === 200; step++) {
      const stage = stageOf(result) ?? 'unknown'
      pages.push(stage)
      result = await h.jar.submit(result, target, stage === 'login' ? { action: 'approve', ...user } : { action: 'approve' })
    }
    return { result, pages }
  }
  h.params = (result, redirectUri = CONFIDENTIAL.redirectUri) => responseParams(result.location, redirectUri)
  h.codeRecord = async (result, redirectUri) => {
    const code = h.params(result, redirectUri).get('code')
    if (code === null) throw new Error(`no code in ${String(result.location)}`)
    return h.server.tokenStore.fetchByCode(hashToken(code))
  }
  return h
}
