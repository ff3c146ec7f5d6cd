/**
 * Remembered consent for self-registered and metadata-document clients (issue 14), with nothing simulated:
 * the clients come from real `/register` calls (RFC 7591) and from a Client ID Metadata Document served by
 * a local HTTPS server, the metadata changes through a real RFC 7592 update and a real refetch of a
 * changed document, and a browser-like cookie jar goes through the login and consent pages. Consent is
 * dropped when the metadata changes (`prompt=none` then gets `consent_required`), kept across a refetch
 * of the same document, and never taken as given for a client whose redirect URIs are all on localhost.
 */
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DynamicClientRegistration } from '../../src/index.ts'
import { createSafeFetch } from '../../src/fetch/safe-fetch.ts'
import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import { authorizeUrl, responseParams, type RawResult } from '../helpers/browser.ts'
import { CookieJar } from '../helpers/cookie-jar.ts'
import { visit } from '../helpers/core-op.ts'
import { ALICE } from '../helpers/session-server.ts'
import { DOCUMENT_SERVER_CA, fixedResolver, json, startDocumentServer, type DocumentServer } from '../helpers/document-server.ts'
import { SplitSiteAdapter, SPLIT_USERS } from '../helpers/split-site-adapter.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

const TOOL = 'https://tool.example/callback'
const LOCAL = 'http://127.0.0.1:33418/callback'

let server: TestServer
let documents: DocumentServer
let jar: CookieJar
let challenge: string

beforeAll(async () => {
  documents = await startDocumentServer()
  const fetch = createSafeFetch({ allowLoopback: true, ca: DOCUMENT_SERVER_CA, lookup: fixedResolver('127.0.0.1') })
  server = await startTestServer({
    controller: (_issuer) => ({
      siteAdapter: new SplitSiteAdapter(SPLIT_USERS),
      recordStore: new LocalRecordStore({ clock: () => server.clock.now() }),
      clientIdMetadataDocuments: { fetch },
    }),
  })
  server.controller.use(new DynamicClientRegistration())
  challenge = await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier())
})
afterAll(async () => {
  await server.close()
  await documents.close()
})
beforeEach(() => {
  jar = new CookieJar()
})

const url = (clientId: string, redirectUri: string, extra: Record<string, string> = {}): string =>
  authorizeUrl(server.url, {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'read',
    state: 'st',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  })

/** Goes through whatever pages come (login as alice, consent approved); returns the pages seen and the redirect. */
const authorize = (target: string): Promise<{ pages: string[]; result: RawResult }> => visit(jar, new URL(target), { user: ALICE })

/** The redirect carries a code (consent was given or remembered), or the error it carries. */
function outcome(result: RawResult, redirectUri: string): string {
  expect(result.status === 302 || result.status === 303, `status ${result.status}: ${result.body.slice(0, 200)}`).toBe(true)
  const params = responseParams(result.location, redirectUri)
  return params.get('code') === null ? (params.get('error') ?? 'nothing') : 'code'
}

async function register(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(response.status).toBe(201)
  return (await response.json()) as Record<string, unknown>
}

describe('remembered consent of a self-registered client (RFC 7591/7592)', () => {
  it('is remembered, dropped by an RFC 7592 update (prompt=none → consent_required), and remembered again', async () => {
    const created = await register({ redirect_uris: [TOOL], token_endpoint_auth_method: 'none', client_name: 'Tool' })
    const id = String(created.client_id)
    expect((await authorize(url(id, TOOL))).pages).toEqual(['login', 'consent'])
    // Remembered: straight back with a code, silently too.
    expect(outcome(await jar.fetch(url(id, TOOL)), TOOL)).toBe('code')
    expect(outcome(await jar.fetch(url(id, TOOL, { prompt: 'none' })), TOOL)).toBe('code')

    const updated = await fetch(String(created.registration_client_uri), {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${String(created.registration_access_token)}` },
      body: JSON.stringify({ client_id: id, redirect_uris: [TOOL], token_endpoint_auth_method: 'none', client_name: 'Tool (renamed)' }),
    })
    expect(updated.status).toBe(200)

    // The metadata changed: the user is asked again, and prompt=none cannot skip the page.
    expect(outcome(await jar.fetch(url(id, TOOL, { prompt: 'none' })), TOOL)).toBe('consent_required')
    expect((await authorize(url(id, TOOL))).pages).toEqual(['consent'])
    expect(outcome(await jar.fetch(url(id, TOOL)), TOOL)).toBe('code')
  })

  it('never skips the consent page for a client whose redirect URIs are all on localhost, prompt=none included', async () => {
    const created = await register({ redirect_uris: [LOCAL, 'http://localhost:8080/cb'], token_endpoint_auth_method: 'none' })
    const id = String(created.client_id)
    expect((await authorize(url(id, LOCAL))).pages).toEqual(['login', 'consent'])
    expect((await authorize(url(id, LOCAL))).pages).toEqual(['consent'])
    expect(outcome(await jar.fetch(url(id, LOCAL, { prompt: 'none' })), LOCAL)).toBe('consent_required')
  })
})

describe('remembered consent of a metadata-document client', () => {
  it('survives a refetch of the same document, and is dropped when the refetched document changed', async () => {
    const path = '/tool/client.json'
    const clientId = `https://client.example:${documents.port}${path}`
    const document = { client_id: clientId, client_name: 'Tool', redirect_uris: [TOOL] }
    documents.route(path, json(document, { 'cache-control': 'max-age=60' }))
    const fetches = (): number => documents.requests.filter((line) => line.startsWith(`GET ${path} `)).length

    expect((await authorize(url(clientId, TOOL))).pages).toEqual(['login', 'consent'])
    expect(outcome(await jar.fetch(url(clientId, TOOL)), TOOL)).toBe('code')
    expect(fetches()).toBe(1)

    // The cache entry expires; the same document is fetched again: same metadata, consent kept.
    server.clock.advance(61)
    expect(outcome(await jar.fetch(url(clientId, TOOL, { prompt: 'none' })), TOOL)).toBe('code')
    expect(fetches()).toBe(2)

    // The client publishes a changed document; once refetched, the user is asked again.
    documents.route(path, json({ ...document, client_name: 'Tool — now with more scopes' }, { 'cache-control': 'max-age=60' }))
    server.clock.advance(61)
    expect(outcome(await jar.fetch(url(clientId, TOOL, { prompt: 'none' })), TOOL)).toBe('consent_required')
    expect(fetches()).toBe(3)
    expect((await authorize(url(clientId, TOOL))).pages).toEqual(['consent'])
    expect(outcome(await jar.fetch(url(clientId, TOOL)), TOOL)).toBe('code')
  })

  it('is never taken as given for a document whose redirect URIs are all on localhost (Claude Code’s shape), prompt=none included', async () => {
    const path = '/local/client.json'
    const clientId = `https://client.example:${documents.port}${path}`
    documents.route(path, json({ client_id: clientId, client_name: 'Local tool', redirect_uris: ['http://localhost/callback'] }))
    // RFC 8252 section 7.3: the port the client listens on is not in the document.
    const redirectUri = 'http://localhost:49152/callback'
    expect((await authorize(url(clientId, redirectUri))).pages).toEqual(['login', 'consent'])
    expect((await authorize(url(clientId, redirectUri))).pages).toEqual(['consent'])
    expect(outcome(await jar.fetch(url(clientId, redirectUri, { prompt: 'none' })), redirectUri)).toBe('consent_required')
  })
})
