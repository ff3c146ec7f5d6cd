/**
 * Client ID Metadata Documents end to end (issue 14): oauth4webapi runs the authorization-code flow with
 * PKCE where `client_id` is the URL of a document served by a local HTTPS server (certificate trusted only
 * here), shaped like Claude Code's; the consent page gets the client's host, its unverified name and the
 * localhost warning; refused documents never get a code.
 */
import { readFileSync } from 'node:fs'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSafeFetch } from '../../src/fetch/safe-fetch.ts'
import { DOCUMENT_SERVER_CA, fixedResolver, json, startDocumentServer, type DocumentServer } from '../helpers/document-server.ts'
import { noAuth, obtainCode, redeemCode } from '../helpers/oauth-client.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

let documents: DocumentServer
let server: TestServer
let off: TestServer
let claudeCode: string
let mismatched: string
/** Metadata documents on, with a fetcher that never reaches loopback (the production setting). */
let strict: TestServer
/** Loopback allowed (the local document server), a 1 s deadline: redirects, oversize and slow documents. */
let impatient: TestServer

/** A resolver answering per host name, as DNS a client controls could. */
const RESOLVES: Readonly<Record<string, readonly string[]>> = {
  'rebind.example': ['93.184.215.14', '127.0.0.1'],
  'metadata.example': ['169.254.169.254'],
  'private.example': ['10.0.0.7'],
  'cgnat.example': ['100.64.0.1'],
  'mapped.example': ['::ffff:127.0.0.1'],
  'unique-local.example': ['fd12:3456::1'],
}
const byHost = async (hostname: string): Promise<{ address: string; family: number }[]> =>
  (RESOLVES[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))

beforeAll(async () => {
  documents = await startDocumentServer()
  // Claude Code's document, at its own host (a test resolver maps claude.ai to the local server).
  const fixture = JSON.parse(readFileSync(new URL('../helpers/cimd-fixtures/claude-code.json', import.meta.url), 'utf8')) as object
  claudeCode = `https://claude.ai:${documents.port}/oauth/claude-code-client-metadata`
  documents.route('/oauth/claude-code-client-metadata', json({ ...fixture, client_id: claudeCode }, { 'cache-control': 'max-age=3600' }))
  mismatched = `https://client.example:${documents.port}/mismatched.json`
  documents.route(
    '/mismatched.json',
    json({ client_id: 'https://client.example/other.json', redirect_uris: ['http://localhost/callback'] }),
  )
  const fetch = createSafeFetch({ allowLoopback: true, ca: DOCUMENT_SERVER_CA, lookup: fixedResolver('127.0.0.1') })
  server = await startTestServer({ controller: { clientIdMetadataDocuments: { fetch } } })
  off = await startTestServer()
  strict = await startTestServer({
    controller: { clientIdMetadataDocuments: { fetch: createSafeFetch({ ca: DOCUMENT_SERVER_CA, lookup: byHost }) } },
  })
  documents.route('/moved.json', (_request, response) => response.writeHead(302, { location: claudeCode }).end())
  documents.route('/huge.json', json({ client_id: 'x', redirect_uris: ['http://localhost/callback'], client_name: 'x'.repeat(6000) }))
  documents.route('/stalled.json', (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.write('{"client_id":')
  })
  const slowFetch = createSafeFetch({ allowLoopback: true, ca: DOCUMENT_SERVER_CA, lookup: fixedResolver('127.0.0.1'), timeoutMs: 1000 })
  impatient = await startTestServer({ controller: { clientIdMetadataDocuments: { fetch: slowFetch } } })
})
afterAll(async () => {
  await server.close()
  await off.close()
  await strict.close()
  await impatient.close()
  await documents.close()
})

describe('Client ID Metadata Documents', () => {
  it('advertises client_id_metadata_document_supported only when on', async () => {
    const on = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>
    const without = (await (await fetch(`${off.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>
    expect(on.client_id_metadata_document_supported).toBe(true)
    expect(without.client_id_metadata_document_supported).toBeUndefined()
  })

  it('runs the code flow with PKCE for a document client on an ephemeral loopback port', async () => {
    // Claude Code lists http://localhost/callback and sends its listening port (RFC 8252 section 7.3).
    const redirectUri = 'http://localhost:49152/callback'
    const issued = await obtainCode(server, { clientId: claudeCode, redirectUri, scope: 'read', pkce: true })
    const { status, tokens } = await redeemCode(server, { client_id: claudeCode }, noAuth, issued, redirectUri)
    expect(status).toBe(200)
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.scope).toBe('read')
    expect(documents.requests.filter((line) => line.startsWith('GET /oauth/claude-code-client-metadata ')).length).toBe(1)
  })

  it('shows the client’s host, marks its name unverified and warns about localhost-only redirects', async () => {
    const url = new URL(`${server.url}/authorize`)
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: claudeCode,
      redirect_uri: 'http://127.0.0.1:50000/callback',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }).toString()
    const page = await (await fetch(url)).text()
    expect(page).toContain(`<p id="client-host">claude.ai:${documents.port}</p>`)
    expect(page).toContain('<p id="name-verified">false</p>')
    expect(page).toContain('<p id="localhost-only">true</p>')
  })

  it('refuses a redirect URI the document does not list, without redirecting', async () => {
    const response = await fetch(
      `${server.url}/authorize?${new URLSearchParams({ response_type: 'code', client_id: claudeCode, redirect_uri: 'https://evil.example/callback' }).toString()}`,
      { redirect: 'manual' },
    )
    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
  })

  it('refuses a document whose client_id is not its URL, saying so', async () => {
    const response = await fetch(
      `${server.url}/authorize?${new URLSearchParams({ response_type: 'code', client_id: mismatched, redirect_uri: 'http://localhost/callback' }).toString()}`,
      { redirect: 'manual' },
    )
    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
    expect(await response.text()).toContain('has a client_id that is not its own URL')
  })

  it('answers invalid_client at the token endpoint for a refused document', async () => {
    const response = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: mismatched, code_verifier: 'v'.repeat(43) }),
    })
    expect(response.status).toBe(401)
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client')
  })

  it('treats a URL client id as unknown when the feature is off, fetching nothing', async () => {
    const before = documents.requests.length
    const response = await fetch(
      `${off.url}/authorize?${new URLSearchParams({ response_type: 'code', client_id: claudeCode, redirect_uri: 'http://localhost/callback' }).toString()}`,
      { redirect: 'manual' },
    )
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('Unknown client.')
    expect(documents.requests.length).toBe(before)
  })
})

describe('Client ID Metadata Documents: what the fetcher refuses, seen at the authorization endpoint', () => {
  /** Opens /authorize for `clientId`: a 400 error page, never a redirect, with the reason. */
  async function refused(on: TestServer, clientId: string): Promise<string> {
    const query = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: 'http://localhost/callback' })
    const response = await fetch(`${on.url}/authorize?${query.toString()}`, { redirect: 'manual' })
    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
    return response.text()
  }

  it.each([
    ['a name answering a public address first and 127.0.0.1 second', 'rebind.example'],
    ['a cloud metadata address', 'metadata.example'],
    ['a private address', 'private.example'],
    ['a carrier-grade NAT address', 'cgnat.example'],
    ['an IPv4-mapped IPv6 address', 'mapped.example'],
    ['a unique-local IPv6 address', 'unique-local.example'],
    ['an address literal (instance metadata)', '169.254.169.254'],
  ])('refuses %s before connecting', async (_name, host) => {
    const before = documents.requests.length
    const page = await refused(strict, `https://${host}:${documents.port}/oauth/metadata.json`)
    expect(page).toContain('could not be fetched (forbidden_address)')
    expect(documents.requests.length).toBe(before)
  })

  it('refuses a document behind a redirect, an oversize document and a slow one', async () => {
    const at = (path: string): string => `https://client.example:${documents.port}${path}`
    expect(await refused(impatient, at('/moved.json'))).toContain('could not be fetched (redirect)')
    expect(await refused(impatient, at('/huge.json'))).toContain('could not be fetched (too_large)')
    expect(await refused(impatient, at('/stalled.json'))).toContain('could not be fetched (timeout)')
  })
})
