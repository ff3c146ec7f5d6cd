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
})
afterAll(async () => {
  await server.close()
  await off.close()
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
