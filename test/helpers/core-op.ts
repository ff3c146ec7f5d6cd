/**
 * An OpenID Provider over the core's login sessions for the flow suites: a site adapter with the
 * login/consent split, `OpenIdConnect` with its default sessions (optionally a loopback fetcher for
 * back-channel logout), a record store of its own; and a relying party's sign-in through a cookie jar with
 * openid-client 6, following whichever login and consent pages the server shows.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as openid from 'openid-client'
import { Scope } from '../../src/grants/index.ts'
import { OpenIdConnect } from '../../src/logout/index.ts'
import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import type { ClientRegistration } from '../../src/stores/index.ts'
import type { RawResult } from './browser.ts'
import { stageOf, type CookieJar } from './cookie-jar.ts'
import { loopbackFetch } from './loopback-fetch.ts'
import { MemorySigner } from './memory-signer.ts'
import { SplitSiteAdapter, SPLIT_USERS } from './split-site-adapter.ts'
import { startTestServer, type TestServer } from './test-server.ts'

/** A client secret long enough to be hashed the fast way. */
export const RP_SECRET = 'R'.repeat(43)

export interface CoreOp extends TestServer {
  readonly signer: MemorySigner
}

/** Starts the provider with these clients; `backChannel` gives `OpenIdConnect` the loopback fetcher. */
export async function startCoreOp(clients: readonly ClientRegistration[], backChannel: boolean): Promise<CoreOp> {
  const signer = await MemorySigner.create(['RS256'])
  const server = await startTestServer({
    clients,
    controller: {
      recordStore: new LocalRecordStore(),
      siteAdapter: new SplitSiteAdapter(SPLIT_USERS),
      scope: new Scope({ available: ['openid', 'profile', 'offline_access', 'read'], default: ['openid'] }),
    },
  })
  server.clock.ms = Date.now()
  server.controller.use(
    new OpenIdConnect({ signer, claims: async (userId) => ({ name: userId }), ...(backChannel ? { safeFetch: loopbackFetch } : {}) }),
  )
  return { ...server, signer }
}

/** The relying party's configuration from discovery. */
export function discover(server: TestServer, clientId: string): Promise<openid.Configuration> {
  return openid.discovery(new URL(server.issuer), clientId, RP_SECRET, undefined, { execute: [openid.allowInsecureRequests] })
}

/** What a user does on the pages: sign in as `user` on a login page, then `approve` (or `deny`) each page. */
export interface Visit {
  readonly user?: { readonly username: string; readonly password: string }
  readonly action?: 'approve' | 'deny'
}

/**
 * Opens `url` in the jar's browser and goes through the login and consent pages (at most three); returns
 * the last answer (the redirect to the client, or a page) and the stages shown.
 */
export async function visit(jar: CookieJar, url: URL, how: Visit = {}): Promise<{ result: RawResult; pages: string[] }> {
  const pages: string[] = []
  let result = await jar.fetch(url)
  for (let step = 0; step < 3 && result.status === 200; step++) {
    const stage = stageOf(result) ?? 'unknown'
    pages.push(stage)
    const fields = stage === 'login' ? { action: how.action ?? 'approve', ...how.user } : { action: how.action ?? 'approve' }
    result = await jar.submit(result, url, fields)
  }
  return { result, pages }
}

/** The code flow of `config` in the jar's browser, with PKCE and a nonce; the tokens and the pages shown. */
export async function signIn(
  jar: CookieJar,
  config: openid.Configuration,
  redirectUri: string,
  scope: string,
  how: Visit & { readonly prompt?: string } = {},
): Promise<{ tokens: openid.TokenEndpointResponse & openid.TokenEndpointResponseHelpers; pages: string[] }> {
  const verifier = openid.randomPKCECodeVerifier()
  const oidc = scope.split(' ').includes('openid')
  // A nonce only with openid: openid-client then expects an ID token.
  const nonce = oidc ? openid.randomNonce() : undefined
  const url = openid.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    ...(nonce === undefined ? {} : { nonce }),
    code_challenge: await openid.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...(how.prompt === undefined ? {} : { prompt: how.prompt }),
  })
  const { result, pages } = await visit(jar, url, how)
  if (result.status !== 302 && result.status !== 303) throw new Error(`no redirect: ${result.status} ${result.body.slice(0, 300)}`)
  const tokens = await openid.authorizationCodeGrant(config, new URL(result.location ?? ''), {
    pkceCodeVerifier: verifier,
    ...(nonce === undefined ? {} : { expectedNonce: nonce }),
    idTokenExpected: oidc,
  })
  return { tokens, pages }
}

/** One back-channel delivery: the path it was POSTed to and its form body. */
export interface Delivery {
  readonly path: string
  readonly body: URLSearchParams
}

/**
 * A relying parties' back-channel receiver on 127.0.0.1: records every POST and answers it only when
 * {@link release}d, so a test can see that the browser's logout did not wait for it.
 */
export class HeldReceiver {
  readonly deliveries: Delivery[] = []
  readonly #held: ServerResponse[] = []
  readonly #waiters: { count: number; resolve: () => void }[] = []
  #released = false
  readonly #server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    req.on('end', () => {
      this.deliveries.push({ path: req.url ?? '', body: new URLSearchParams(body) })
      if (this.#released) res.writeHead(200).end()
      else this.#held.push(res)
      for (const waiter of this.#waiters.filter((w) => this.deliveries.length >= w.count)) waiter.resolve()
    })
  })

  /** The URL of `path` on this receiver. */
  url(path: string): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${path}`
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
  }

  /** Resolves once `count` deliveries arrived in all; rejects after `ms` without them. */
  until(count: number, ms = 5000): Promise<void> {
    if (this.deliveries.length >= count) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.deliveries.length} of ${count} deliveries after ${ms} ms`)), ms)
      this.#waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      })
    })
  }

  /** Answers the held deliveries (200) and every later one at once. */
  release(): void {
    this.#released = true
    for (const res of this.#held.splice(0)) res.writeHead(200).end()
  }

  close(): Promise<void> {
    this.release()
    this.#server.closeAllConnections()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}
