/**
 * The Koa adapter on Koa 2: the peer range admits `^2 || ^3`, and the flows suite runs on Koa 3 (flows:koa);
 * here a few flows run through the same adapter on Koa 2 (the `koa2` npm alias), over real HTTP with
 * oauth4webapi: the metadata, the code flow with PKCE through the login and consent page, a refresh,
 * client credentials, an RFC 6749 section 5.2 error, and what lies outside the adapter's prefix.
 */
import { createRequire } from 'node:module'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  authorizationServer,
  basicAuth,
  confidentialClient,
  confidentialTokens,
  expectTokenError,
  insecure,
  rawTokenRequest,
  refresh,
  refreshTokenOf,
} from '../../helpers/oauth-client.ts'
import { CONFIDENTIAL, startTestServer, type TestServer } from '../../helpers/test-server.ts'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ adapter: 'koa2' })
})
afterAll(() => server.close())

describe('Koa adapter on Koa 2', () => {
  it('runs on Koa 2 itself (the koa2 alias), mounted under /oauth', () => {
    const koa2 = createRequire(import.meta.url)('koa2/package.json') as { name: string; version: string }
    expect(koa2.name).toBe('koa')
    expect(koa2.version).toMatch(/^2\./)
    expect(new URL(server.issuer).pathname).toBe('/oauth')
  })

  it('serves the RFC 8414 metadata at the root well-known path for the prefixed issuer', async () => {
    const response = await fetch(new URL('/.well-known/oauth-authorization-server/oauth', server.issuer))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ issuer: server.issuer, token_endpoint: `${server.url}/token` })
  })

  it('code flow with PKCE through the login and consent page, then a refresh (oauth4webapi)', async () => {
    const tokens = await confidentialTokens(server)
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.scope).toBe('read write')
    const refreshed = await refresh(server, refreshTokenOf(tokens))
    expect(refreshed.access_token).not.toBe(tokens.access_token)
  })

  it('client_credentials with Basic authentication (oauth4webapi)', async () => {
    const as = authorizationServer(server)
    const parameters = new URLSearchParams({ scope: 'read' })
    const response = await oauth.clientCredentialsGrantRequest(as, confidentialClient, basicAuth, parameters, insecure)
    const tokens = await oauth.processClientCredentialsResponse(as, confidentialClient, response)
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'read' })
  })

  it('a wrong client secret: 401 invalid_client with a Basic challenge (RFC 6749 section 5.2)', async () => {
    const credentials = Buffer.from(`${CONFIDENTIAL.clientId}:wrong-secret`).toString('base64')
    const answer = await rawTokenRequest(server, {
      headers: { authorization: `Basic ${credentials}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    })
    expectTokenError(answer, 401, 'invalid_client')
    expect(answer.headers.get('www-authenticate')).toMatch(/^Basic /)
  })

  it("leaves paths outside its prefix to the application (Koa's 404)", async () => {
    const response = await fetch(new URL('/elsewhere', server.issuer))
    expect(response.status).toBe(404)
    expect(await response.text()).toBe('Not Found')
  })
})
