/**
 * The registration endpoint as a browser page and an operator see it, once per adapter: CORS for pages
 * that register themselves (the MCP Inspector's web UI) — `Access-Control-Allow-Origin: *`, never with
 * credentials, preflights answered, off with `cors: false`; the `client.registered`, `client.updated`
 * and `client.deleted` audit events; and what an RFC 7592 deletion does to the client's grants.
 */
import type * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEvent } from '../../src/events/types.ts'
import { DynamicClientRegistration, type DynamicClientRegistrationOptions } from '../../src/index.ts'
import { noAuth, obtainCode, redeemCode } from '../helpers/oauth-client.ts'
import { postToken, startTestServer, type TestServer } from '../helpers/test-server.ts'

/** The MCP Inspector's web UI and its callback. */
const INSPECTOR = 'http://localhost:6274'
const CALLBACK = `${INSPECTOR}/oauth/callback`

interface Started {
  readonly server: TestServer
  readonly events: AuditEvent[]
}

async function startWith(options: DynamicClientRegistrationOptions = {}): Promise<Started> {
  const events: AuditEvent[] = []
  const server = await startTestServer({ controller: { onEvent: (event) => void events.push(event) } })
  server.controller.use(new DynamicClientRegistration(options))
  return { server, events }
}

/** A registration as a page of the Inspector's origin sends it. */
function registerFrom(server: TestServer, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/register`, {
    method: 'POST',
    headers: { origin: INSPECTOR, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

const INSPECTOR_CLIENT = {
  redirect_uris: [CALLBACK],
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  client_name: 'MCP Inspector',
}

describe('CORS on /register (browser clients such as the MCP Inspector)', () => {
  let started: Started
  beforeAll(async () => {
    started = await startWith()
  })
  afterAll(() => started.server.close())

  it('answers the preflight of a registration: POST, the JSON content type and a bearer token, no credentials', async () => {
    const response = await fetch(`${started.server.url}/register`, {
      method: 'OPTIONS',
      headers: { origin: INSPECTOR, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('access-control-allow-methods')).toBe('POST')
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization, content-type')
    expect(response.headers.get('access-control-allow-credentials')).toBeNull()
  })

  it('the preflight of the client configuration endpoint (RFC 7592) allows GET, PUT and DELETE', async () => {
    const response = await fetch(`${started.server.url}/register?client_id=dcr_x`, {
      method: 'OPTIONS',
      headers: { origin: INSPECTOR, 'access-control-request-method': 'DELETE' },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, PUT, DELETE')
  })

  it('a registration, its errors and a 401 are readable by the page; nothing says credentials', async () => {
    const created = await registerFrom(started.server, INSPECTOR_CLIENT)
    expect(created.status).toBe(201)
    expect(created.headers.get('access-control-allow-origin')).toBe('*')
    expect(created.headers.get('access-control-allow-credentials')).toBeNull()
    const body = (await created.json()) as Record<string, unknown>
    expect(body.client_id).toMatch(/^dcr_/)

    const refused = await registerFrom(started.server, { redirect_uris: ['http://evil.example/cb'], token_endpoint_auth_method: 'none' })
    expect(refused.status).toBe(400)
    expect(refused.headers.get('access-control-allow-origin')).toBe('*')
    expect(((await refused.json()) as Record<string, unknown>).error).toBe('invalid_redirect_uri')

    const unauthorized = await fetch(String(body.registration_client_uri), {
      headers: { origin: INSPECTOR, authorization: 'Bearer wrong' },
    })
    expect(unauthorized.status).toBe(401)
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe('*')
    expect(unauthorized.headers.get('access-control-expose-headers')).toContain('www-authenticate')
  })

  it('with cors: false, no CORS header and no preflight answer', async () => {
    const off = await startWith({ cors: false })
    try {
      const created = await registerFrom(off.server, INSPECTOR_CLIENT)
      expect(created.status).toBe(201)
      expect(created.headers.get('access-control-allow-origin')).toBeNull()
      const preflight = await fetch(`${off.server.url}/register`, {
        method: 'OPTIONS',
        headers: { origin: INSPECTOR, 'access-control-request-method': 'POST' },
      })
      expect(preflight.status).toBe(405)
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
    } finally {
      await off.server.close()
    }
  })
})

describe('CORS on /token and /revoke for registered browser clients', () => {
  let started: Started
  let clientId: string
  beforeAll(async () => {
    started = await startWith()
    const created = await registerFrom(started.server, INSPECTOR_CLIENT)
    clientId = ((await created.json()) as { client_id: string }).client_id
  })
  afterAll(() => started.server.close())

  it('answers the token endpoint preflight', async () => {
    const response = await fetch(`${started.server.url}/token`, {
      method: 'OPTIONS',
      headers: { origin: INSPECTOR, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe(INSPECTOR)
    expect(response.headers.get('access-control-allow-credentials')).toBeNull()
  })

  it("lets the origin of the client's redirect URI read token and revocation answers, and no other origin", async () => {
    const form = {
      grant_type: 'authorization_code',
      code: 'not-a-code',
      redirect_uri: CALLBACK,
      code_verifier: 'v'.repeat(43),
      client_id: clientId,
    }
    const own = await postToken(started.server.url, form, { headers: { origin: INSPECTOR } })
    expect(own.status).toBe(400)
    expect(own.headers.get('access-control-allow-origin')).toBe(INSPECTOR)
    const other = await postToken(started.server.url, form, { headers: { origin: 'https://attacker.example' } })
    expect(other.status).toBe(400)
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    const revoked = await fetch(`${started.server.url}/revoke`, {
      method: 'POST',
      headers: { origin: INSPECTOR, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'unknown', client_id: clientId }),
    })
    expect(revoked.status).toBe(200)
    expect(revoked.headers.get('access-control-allow-origin')).toBe(INSPECTOR)
  })

  it('sends none with cors: false', async () => {
    const quiet = await startWith({ cors: false })
    try {
      const created = await registerFrom(quiet.server, INSPECTOR_CLIENT)
      const id = ((await created.json()) as { client_id: string }).client_id
      const form = { grant_type: 'authorization_code', code: 'x', redirect_uri: CALLBACK, code_verifier: 'v'.repeat(43), client_id: id }
      const answer = await postToken(quiet.server.url, form, { headers: { origin: INSPECTOR } })
      expect(answer.headers.get('access-control-allow-origin')).toBeNull()
    } finally {
      await quiet.server.close()
    }
  })
})

describe('audit events and deletion', () => {
  let started: Started
  beforeAll(async () => {
    started = await startWith()
  })
  afterAll(() => started.server.close())

  it('client.registered, client.updated, client.deleted: ids, method and redirect URIs, never a secret or token', async () => {
    const { server, events } = started
    const created = (await (await registerFrom(server, { redirect_uris: [CALLBACK] })).json()) as Record<string, unknown>
    const id = String(created.client_id)
    const auth = { authorization: `Bearer ${String(created.registration_access_token)}`, 'content-type': 'application/json' }
    const uri = String(created.registration_client_uri)
    const update = { client_id: id, redirect_uris: [CALLBACK, `${INSPECTOR}/other`], token_endpoint_auth_method: 'client_secret_basic' }
    expect((await fetch(uri, { method: 'PUT', headers: auth, body: JSON.stringify(update) })).status).toBe(200)
    expect((await fetch(uri, { method: 'DELETE', headers: auth })).status).toBe(204)

    await expect.poll(() => events.filter((event) => event.clientId === id).length).toBe(3)
    const mine = events.filter((event) => event.clientId === id)
    expect(mine.map((event) => event.type)).toEqual(['client.registered', 'client.updated', 'client.deleted'])
    expect(mine[0]).toMatchObject({ tokenEndpointAuthMethod: 'client_secret_basic', redirectUris: [CALLBACK] })
    expect(mine[1]).toMatchObject({ redirectUris: [CALLBACK, `${INSPECTOR}/other`] })
    expect(mine[2]).toMatchObject({ tokenEndpointAuthMethod: undefined, redirectUris: [] })
    const text = JSON.stringify(mine)
    expect(text).not.toContain(String(created.client_secret))
    expect(text).not.toContain(String(created.registration_access_token))
  })

  it('after DELETE (RFC 7592 section 2.3) the client can neither redeem a code nor refresh; its refresh token is dead', async () => {
    const { server } = started
    const created = (await (await registerFrom(server, INSPECTOR_CLIENT)).json()) as Record<string, unknown>
    const client: oauth.Client = { client_id: String(created.client_id), token_endpoint_auth_method: 'none' }
    const first = await obtainCode(server, { clientId: client.client_id, redirectUri: CALLBACK, scope: 'read', pkce: true })
    const { tokens } = await redeemCode(server, client, noAuth, first, CALLBACK)
    expect(tokens.refresh_token).toBeTruthy()
    const pending = await obtainCode(server, { clientId: client.client_id, redirectUri: CALLBACK, scope: 'read', pkce: true })

    const deleted = await fetch(String(created.registration_client_uri), {
      method: 'DELETE',
      headers: { authorization: `Bearer ${String(created.registration_access_token)}` },
    })
    expect(deleted.status).toBe(204)

    const refreshed = await postToken(server.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
      client_id: client.client_id,
    })
    expect(refreshed.status).toBe(401)
    expect(refreshed.json.error).toBe('invalid_client')
    await expect(redeemCode(server, client, noAuth, pending, CALLBACK)).rejects.toMatchObject({ status: 401 })
  })
})
