/**
 * The demo server after the security review (issue 17): its clients get no implicit grant (finding 5),
 * and stored redirect URIs that today's registration rule refuses are reported at start, not dropped
 * (finding 7).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startDemoServer, DEMO, type DemoServer } from '../../src/cli/demo-server.ts'
import { RequestLogger } from '../../src/cli/request-log.ts'
import type { AdministeredClientStore } from '../../src/stores/from-url.ts'
import { LocalClientStore } from '../../src/stores/memory-client-store.ts'
import type { ClientRegistration } from '../../src/stores/client-registration.ts'
import type { Client } from '../../src/types.ts'

const running: DemoServer[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const server of running.splice(0)) await server.close()
})

async function start(options: Omit<Parameters<typeof startDemoServer>[0], 'port'> = {}): Promise<DemoServer> {
  const server = await startDemoServer({ port: 0, ...options })
  running.push(server)
  return server
}

/** A client store holding, besides what is registered, a record an older version stored. */
class StoreWithLegacyClient implements AdministeredClientStore {
  readonly #inner = new LocalClientStore()
  readonly #legacy: Client = {
    clientId: 'legacy',
    clientSecretHash: undefined,
    redirectUris: ['https://ok.example/cb', 'http://127.0.0.1\\@evil.example/cb', 'http://localhost/c\r\nb'],
    grantTypes: ['*'],
    responseTypes: ['code'],
    tokenEndpointAuthMethods: ['none'],
    scopes: undefined,
    requirePkce: false,
    name: undefined,
  }
  addClient(registration: ClientRegistration): Promise<Client> {
    return this.#inner.addClient(registration)
  }
  removeClient(clientId: string): Promise<boolean> {
    return this.#inner.removeClient(clientId)
  }
  async listClients(): Promise<Client[]> {
    return [this.#legacy, ...(await this.#inner.listClients())]
  }
  async fetchByClientId(clientId: string): Promise<Client | undefined> {
    return clientId === 'legacy' ? this.#legacy : this.#inner.fetchByClientId(clientId)
  }
}

describe('demo server: no implicit grant for its clients (finding 5)', () => {
  it.each([DEMO.confidentialClient.clientId, DEMO.publicClient.clientId])(
    '%s asking for response_type=token gets unauthorized_client',
    async (clientId) => {
      const demo = await start()
      const url = `${demo.issuer}/authorize?${new URLSearchParams({ response_type: 'token', client_id: clientId, redirect_uri: DEMO.redirectUri, state: 's' }).toString()}`
      const response = await fetch(url, { redirect: 'manual' })
      expect(response.status).toBe(302)
      const fragment = new URLSearchParams(new URL(response.headers.get('location') ?? '').hash.slice(1))
      expect(fragment.get('error')).toBe('unauthorized_client')
      expect(fragment.has('access_token')).toBe(false)
    },
  )

  it('the code flow still shows the login page', async () => {
    const demo = await start()
    const response = await fetch(demo.authorizationUrl, { redirect: 'manual' })
    expect(response.status).toBe(200)
  })
})

describe("demo server: stored redirect URIs that today's rule refuses are reported at start (finding 7)", () => {
  it('as warn events in the request log, escaped, one per URI; the client keeps working', async () => {
    const lines: string[] = []
    const logger = new RequestLogger({ format: 'json', write: (line) => lines.push(line) })
    const clientStore = new StoreWithLegacyClient()
    const demo = await start({ clientStore, logger })
    const warnings = lines.map((line) => JSON.parse(line) as Record<string, string>).filter((entry) => entry.level === 'warn')
    expect(warnings).toHaveLength(2)
    expect(warnings.every((entry) => entry.client_id === 'legacy')).toBe(true)
    expect(warnings[0]?.problem).toContain('http://127.0.0.1\\\\@evil.example/cb')
    expect(warnings[1]?.problem).toContain('\\r\\n')
    expect(lines.join('\n')).not.toMatch(/\r/)
    // Not dropped: the good URI (and the stored ones) still match exactly.
    expect((await clientStore.fetchByClientId('legacy'))?.redirectUris).toHaveLength(3)
    const url = `${demo.issuer}/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'legacy', redirect_uri: 'https://ok.example/cb', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }).toString()}`
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(200)
  })

  it('through console.warn without a request log', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    await start({ clientStore: new StoreWithLegacyClient() })
    expect(warn).toHaveBeenCalledTimes(2)
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /^oauth2-stack: client legacy: stored redirect URI "http:\/\/127\.0\.0\.1\\\\@evil\.example\/cb" has a character/,
    )
  })

  it('says nothing when every stored URI passes', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    await start()
    expect(warn).not.toHaveBeenCalled()
  })
})
