/**
 * A test server with OpenID Connect on (the in-memory signer, the test sessions, the loopback fetcher),
 * its relying parties, and a local http receiver for back-channel logout tokens.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Scope } from '../../src/grants/index.ts'
import { OpenIdConnect } from '../../src/logout/index.ts'
import type { UserClaims } from '../../src/oidc/types.ts'
import { loopbackFetch } from './loopback-fetch.ts'
import { MemorySigner } from './memory-signer.ts'
import { authorizeInBrowser, CONFIDENTIAL, startTestServer, type TestServer } from './test-server.ts'
import { TestSessions } from './test-sessions.ts'

export const RP = {
  clientId: 'rp',
  clientSecret: CONFIDENTIAL.clientSecret,
  redirectUri: 'https://rp.example/cb',
  postLogoutRedirectUri: 'https://rp.example/logged-out',
  origin: 'https://rp.example',
} as const
export const RP_ES256 = { clientId: 'rp-es256', redirectUri: 'https://es.example/cb' } as const
export const RP_EDDSA = { clientId: 'rp-eddsa', redirectUri: 'https://ed.example/cb' } as const
export const OTHER_RP = { clientId: 'other-rp', redirectUri: 'https://other.example/cb' } as const

/** The claims the hook knows for alice: more than any one scope releases. */
export const ALICE_CLAIMS: UserClaims = {
  name: 'Alice Liddell',
  given_name: 'Alice',
  email: 'alice@example.com',
  email_verified: true,
  phone_number: '+44 20 7946 0000',
  address: { country: 'GB' },
  favourite_colour: 'blue',
  sub: 'someone-else',
}

/** Receives POSTs on 127.0.0.1 (back-channel logout), and lets a test wait for the next one. */
export class Receiver {
  readonly bodies: string[] = []
  readonly server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    req.on('end', () => {
      this.bodies.push(body)
      res.writeHead(200).end()
      for (const waiter of this.#waiters.splice(0)) waiter(body)
    })
  })
  readonly #waiters: ((body: string) => void)[] = []

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/backchannel`
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
  }

  next(): Promise<string> {
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

export interface OidcTestServer extends TestServer {
  readonly signer: MemorySigner
  readonly sessions: TestSessions
  readonly receiver: Receiver
}

/** Starts the test server with OpenID Connect and the relying parties above; the clock is set to now. */
export async function startOidcServer(): Promise<OidcTestServer> {
  const signer = await MemorySigner.create()
  const sessions = new TestSessions()
  const receiver = new Receiver()
  await receiver.listen()
  const secret = { clientSecret: RP.clientSecret }
  const server = await startTestServer({
    controller: { scope: new Scope({ available: ['openid', 'profile', 'email', 'phone', 'offline_access', 'read'], default: ['read'] }) },
    clients: [
      {
        clientId: RP.clientId,
        ...secret,
        redirectUris: [RP.redirectUri],
        postLogoutRedirectUris: [RP.postLogoutRedirectUri],
        backchannelLogoutUri: receiver.url,
        allowedCorsOrigins: [RP.origin],
        name: 'Relying Party',
      },
      { clientId: RP_ES256.clientId, ...secret, redirectUris: [RP_ES256.redirectUri], idTokenSignedResponseAlg: 'ES256' },
      { clientId: RP_EDDSA.clientId, ...secret, redirectUris: [RP_EDDSA.redirectUri], idTokenSignedResponseAlg: 'EdDSA' },
      { clientId: OTHER_RP.clientId, ...secret, redirectUris: [OTHER_RP.redirectUri] },
    ],
  })
  server.clock.ms = Date.now()
  server.controller.use(
    new OpenIdConnect({
      signer,
      claims: async (userId) => (userId === 'alice' ? ALICE_CLAIMS : undefined),
      sessions,
      safeFetch: loopbackFetch,
    }),
  )
  return {
    ...server,
    signer,
    sessions,
    receiver,
    close: async () => {
      await receiver.close()
      await server.close()
    },
  }
}

/** Runs the code flow in the browser and returns the code, for `clientId` with these parameters. */
export async function codeFor(
  server: TestServer,
  client: { readonly clientId: string; readonly redirectUri: string },
  params: Record<string, string>,
): Promise<string> {
  const url = new URL(`${server.url}/authorize`)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    ...params,
  }).toString()
  const result = await authorizeInBrowser(url.href)
  const code = result.params?.get('code')
  if (code === undefined || code === null) throw new Error(`no code: ${result.status} ${result.body.slice(0, 300)}`)
  return code
}
