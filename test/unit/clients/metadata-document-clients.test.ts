/**
 * The metadata-document client store (issue 14): URL-shaped client ids answered from their documents,
 * fetched from a local HTTPS server, cached per Cache-Control within bounds, failures never cached.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { MetadataDocumentClients, withMetadataDocuments } from '../../../src/clients/metadata-document-clients.ts'
import { ClientNotFoundError } from '../../../src/errors.ts'
import { createSafeFetch } from '../../../src/fetch/safe-fetch.ts'
import type { ClientStore } from '../../../src/stores/types.ts'
import type { Client } from '../../../src/types.ts'
import { DOCUMENT_SERVER_CA, fixedResolver, json, startDocumentServer, type DocumentServer } from '../../helpers/document-server.ts'

let server: DocumentServer
let now = 1_700_000_000_000
const clock = (): number => now
let fetch: ReturnType<typeof createSafeFetch>

const registered: Client = {
  clientId: 'registered-app',
  clientSecretHash: undefined,
  redirectUris: ['https://app.example/cb'],
  grantTypes: ['authorization_code'],
  responseTypes: ['code'],
  tokenEndpointAuthMethods: ['none'],
  scopes: undefined,
  requirePkce: true,
  name: 'Registered',
}
/** A wrapped store that records what it was asked. */
class Inner implements ClientStore {
  readonly asked: string[] = []
  async fetchByClientId(clientId: string): Promise<Client | undefined> {
    this.asked.push(clientId)
    return clientId === registered.clientId ? registered : undefined
  }
  async listClients(): Promise<Client[]> {
    return [registered]
  }
}

const urlOf = (path: string): string => `https://client.example:${server.port}${path}`
const documentAt = (path: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  client_id: urlOf(path),
  client_name: 'Example',
  redirect_uris: ['http://localhost/callback'],
  ...extra,
})
const fetchesOf = (path: string): number => server.requests.filter((line) => line.startsWith(`GET ${path} `)).length

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(ClientNotFoundError)
  return (error as ClientNotFoundError).description
}

beforeAll(async () => {
  server = await startDocumentServer()
  fetch = createSafeFetch({ allowLoopback: true, ca: DOCUMENT_SERVER_CA, lookup: fixedResolver('127.0.0.1') })
})
afterAll(() => server.close())
beforeEach(() => {
  now += 10 * 86_400_000
})

describe('MetadataDocumentClients', () => {
  it('answers other client ids from the wrapped store, and URL-shaped ones never from it', async () => {
    const inner = new Inner()
    server.route('/a.json', json(documentAt('/a.json')))
    const store = new MetadataDocumentClients(inner, { fetch }, clock)
    expect(await store.fetchByClientId('registered-app')).toBe(registered)
    expect((await store.fetchByClientId(urlOf('/a.json')))?.name).toBe('Example')
    expect(inner.asked).toEqual(['registered-app'])
  })

  it('caches a document for its max-age, raised to the minimum, then fetches it again', async () => {
    server.route('/cached.json', json(documentAt('/cached.json'), { 'cache-control': 'max-age=10' }))
    const store = new MetadataDocumentClients(new Inner(), { fetch }, clock)
    const first = await store.fetchByClientId(urlOf('/cached.json'))
    now += 59_000
    expect(await store.fetchByClientId(urlOf('/cached.json'))).toBe(first)
    expect(fetchesOf('/cached.json')).toBe(1)
    now += 1_000
    expect(await store.fetchByClientId(urlOf('/cached.json'))).toEqual(first)
    expect(fetchesOf('/cached.json')).toBe(2)
  })

  it('keeps a document at most the maximum, and without max-age the default', async () => {
    server.route('/year.json', json(documentAt('/year.json'), { 'cache-control': 'max-age=31536000' }))
    server.route('/plain.json', json(documentAt('/plain.json')))
    const store = new MetadataDocumentClients(new Inner(), { fetch, cache: { maxSeconds: 3600, defaultSeconds: 120 } }, clock)
    await store.fetchByClientId(urlOf('/year.json'))
    await store.fetchByClientId(urlOf('/plain.json'))
    now += 119_000
    await store.fetchByClientId(urlOf('/plain.json'))
    expect(fetchesOf('/plain.json')).toBe(1)
    now += 1_000
    await store.fetchByClientId(urlOf('/plain.json'))
    expect(fetchesOf('/plain.json')).toBe(2)
    now += 3_600_000
    await store.fetchByClientId(urlOf('/year.json'))
    expect(fetchesOf('/year.json')).toBe(2)
  })

  it('does not cache a no-store document', async () => {
    server.route('/no-store.json', json(documentAt('/no-store.json'), { 'cache-control': 'no-store' }))
    const store = new MetadataDocumentClients(new Inner(), { fetch }, clock)
    await store.fetchByClientId(urlOf('/no-store.json'))
    await store.fetchByClientId(urlOf('/no-store.json'))
    expect(fetchesOf('/no-store.json')).toBe(2)
  })

  it('never caches a failure', async () => {
    let healthy = false
    server.route('/flaky.json', (request, response) =>
      healthy ? json(documentAt('/flaky.json'), { 'cache-control': 'max-age=3600' })(request, response) : response.writeHead(500).end(),
    )
    const store = new MetadataDocumentClients(new Inner(), { fetch }, clock)
    expect(await refusal(store.fetchByClientId(urlOf('/flaky.json')))).toBe(
      "The client's metadata document could not be fetched (HTTP 500).",
    )
    healthy = true
    expect((await store.fetchByClientId(urlOf('/flaky.json')))?.clientId).toBe(urlOf('/flaky.json'))
  })

  it('shares one fetch between concurrent first uses', async () => {
    server.route('/busy.json', json(documentAt('/busy.json')))
    const store = new MetadataDocumentClients(new Inner(), { fetch }, clock)
    const clients = await Promise.all([1, 2, 3, 4].map(() => store.fetchByClientId(urlOf('/busy.json'))))
    expect(new Set(clients).size).toBe(1)
    expect(fetchesOf('/busy.json')).toBe(1)
  })

  it('refuses a document whose client_id is not its URL, with the reason', async () => {
    server.route('/mismatch.json', json(documentAt('/other.json')))
    const store = new MetadataDocumentClients(new Inner(), { fetch }, clock)
    expect(await refusal(store.fetchByClientId(urlOf('/mismatch.json')))).toBe(
      "The client's metadata document has a client_id that is not its own URL.",
    )
  })

  it('refuses a document that asks for private_key_jwt only, with the reason', async () => {
    server.route('/pkjwt.json', json(documentAt('/pkjwt.json', { token_endpoint_auth_method: 'private_key_jwt' })))
    const store = new MetadataDocumentClients(new Inner(), { fetch }, clock)
    expect(await refusal(store.fetchByClientId(urlOf('/pkjwt.json')))).toContain('private_key_jwt, which this server does not support')
  })

  it('says why a fetch failed, by code only', async () => {
    server.route('/moved.json', (_request, response) => response.writeHead(301, { location: urlOf('/a.json') }).end())
    const store = new MetadataDocumentClients(new Inner(), { fetch }, clock)
    expect(await refusal(store.fetchByClientId(urlOf('/moved.json')))).toBe(
      "The client's metadata document could not be fetched (redirect).",
    )
    const strict = new MetadataDocumentClients(new Inner(), { fetch: createSafeFetch({ lookup: fixedResolver('10.0.0.7') }) }, clock)
    expect(await refusal(strict.fetchByClientId('https://client.example/metadata.json'))).toBe(
      "The client's metadata document could not be fetched (forbidden_address).",
    )
  })

  it('asks the wrapped store for an https client id that is no document URL', async () => {
    const inner = new Inner()
    const legacy: Client = { ...registered, clientId: 'https://app.example' }
    inner.fetchByClientId = async (clientId) => {
      inner.asked.push(clientId)
      return clientId === legacy.clientId ? legacy : undefined
    }
    const store = new MetadataDocumentClients(inner, { fetch }, clock)
    expect(await store.fetchByClientId('https://app.example')).toBe(legacy)
    expect(await refusal(store.fetchByClientId('https://other.example'))).toContain('must have a path')
    expect(inner.asked).toEqual(['https://app.example', 'https://other.example'])
  })

  it('refuses an oversize or slow document', async () => {
    server.route('/huge.json', json(documentAt('/huge.json', { client_name: 'x'.repeat(6000) })))
    server.route('/stalled.json', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.write('{"client_id":')
    })
    const impatient = createSafeFetch({ allowLoopback: true, ca: DOCUMENT_SERVER_CA, lookup: fixedResolver('127.0.0.1'), timeoutMs: 200 })
    const store = new MetadataDocumentClients(new Inner(), { fetch: impatient }, clock)
    expect(await refusal(store.fetchByClientId(urlOf('/huge.json')))).toBe(
      "The client's metadata document could not be fetched (too_large).",
    )
    expect(await refusal(store.fetchByClientId(urlOf('/stalled.json')))).toBe(
      "The client's metadata document could not be fetched (timeout).",
    )
  })

  it('refuses a client id that is not a valid document URL without fetching', async () => {
    const store = new MetadataDocumentClients(new Inner(), { fetch }, clock)
    const before = server.requests.length
    expect(await refusal(store.fetchByClientId(`${urlOf('/a.json')}?x=1`))).toContain('must not have a query')
    expect(await refusal(store.fetchByClientId(`https://client.example:${server.port}/`))).toContain('must have a path')
    expect(server.requests.length).toBe(before)
  })

  it('applies the host deny and allow lists before fetching', async () => {
    server.route('/hosts.json', json(documentAt('/hosts.json')))
    const denied = new MetadataDocumentClients(new Inner(), { fetch, denyHost: ['client.example'] }, clock)
    const notAllowed = new MetadataDocumentClients(new Inner(), { fetch, allowHost: (host) => host.endsWith('.trusted.example') }, clock)
    const allowed = new MetadataDocumentClients(new Inner(), { fetch, allowHost: ['client.example'] }, clock)
    const deniedWins = new MetadataDocumentClients(new Inner(), { fetch, allowHost: ['client.example'], denyHost: () => true }, clock)
    for (const store of [denied, notAllowed, deniedWins]) {
      expect(await refusal(store.fetchByClientId(urlOf('/hosts.json')))).toBe(
        "The client's metadata document is on a host this server does not accept clients from.",
      )
    }
    expect(fetchesOf('/hosts.json')).toBe(0)
    expect((await allowed.fetchByClientId(urlOf('/hosts.json')))?.clientId).toBe(urlOf('/hosts.json'))
  })

  it('forgets a document on request', async () => {
    server.route('/forget.json', json(documentAt('/forget.json'), { 'cache-control': 'max-age=3600' }))
    const store = new MetadataDocumentClients(new Inner(), { fetch }, clock)
    await store.fetchByClientId(urlOf('/forget.json'))
    store.forget(urlOf('/forget.json'))
    await store.fetchByClientId(urlOf('/forget.json'))
    expect(fetchesOf('/forget.json')).toBe(2)
  })

  it('keeps at most maxEntries documents, dropping the least recently used', async () => {
    for (const name of ['l1', 'l2', 'l3'])
      server.route(`/${name}.json`, json(documentAt(`/${name}.json`), { 'cache-control': 'max-age=3600' }))
    const store = new MetadataDocumentClients(new Inner(), { fetch, cache: { maxEntries: 2 } }, clock)
    await store.fetchByClientId(urlOf('/l1.json'))
    await store.fetchByClientId(urlOf('/l2.json'))
    await store.fetchByClientId(urlOf('/l1.json'))
    await store.fetchByClientId(urlOf('/l3.json'))
    await store.fetchByClientId(urlOf('/l1.json'))
    await store.fetchByClientId(urlOf('/l2.json'))
    expect([fetchesOf('/l1.json'), fetchesOf('/l2.json'), fetchesOf('/l3.json')]).toEqual([1, 2, 1])
  })
})

describe('withMetadataDocuments', () => {
  it('leaves the store alone when the feature is off', () => {
    const inner = new Inner()
    expect(withMetadataDocuments(inner, undefined)).toBe(inner)
    expect(withMetadataDocuments(inner, false)).toBe(inner)
  })

  it('keeps the wrapped store’s other methods reachable', async () => {
    const inner = new Inner()
    const store = withMetadataDocuments(inner, { fetch }, clock)
    expect(await store.listClients()).toEqual([registered])
    expect(await store.fetchByClientId('registered-app')).toBe(registered)
    expect(inner.asked).toEqual(['registered-app'])
  })
})
