/**
 * The registration requests of MCP Inspector, VS Code, Claude Code and ChatGPT (fixtures/registration-
 * payloads.ts says where each comes from) are accepted as public clients without a secret, and each client
 * then reaches the login page with the redirect URI it really uses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamicClientRegistration } from '../../src/index.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { REGISTRATION_FIXTURES } from './fixtures/registration-payloads.ts'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
  server.controller.use(new DynamicClientRegistration())
})
afterAll(() => server.close())

describe('registration payloads of MCP clients in the wild', () => {
  it.each(REGISTRATION_FIXTURES)(
    '$client: 201, public, no secret, then the login page',
    async ({ body, authorizeWith, applicationType }) => {
      const response = await fetch(`${server.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      const registered = (await response.json()) as Record<string, unknown>
      expect(response.status, JSON.stringify(registered)).toBe(201)
      expect(registered).toMatchObject({
        token_endpoint_auth_method: 'none',
        redirect_uris: body.redirect_uris,
        grant_types: body.grant_types,
        application_type: applicationType,
      })
      expect(registered).not.toHaveProperty('client_secret')
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: String(registered.client_id),
        redirect_uri: authorizeWith,
        state: 's',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      })
      const page = await fetch(`${server.url}/authorize?${query.toString()}`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('csrf_token')
    },
  )
})
