/**
 * Dynamic client registration (RFC 7591) and its management protocol (RFC 7592) through real HTTP, once
 * per adapter: the 201 body, the section 3.2.2 errors, the secret shown once, the initial access token,
 * the policy hook, the per-address limit, read/update/delete with the registration access token, and
 * the expiry of unused registrations on the test clock. A registered public client then completes the
 * code flow with PKCE through oauth4webapi.
 */
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DynamicClientRegistration, type DynamicClientRegistrationOptions } from '../../src/index.ts'
import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import { insecure, obtainCode } from '../helpers/oauth-client.ts'
import { CONFIDENTIAL, postToken, startTestServer, type TestServer } from '../helpers/test-server.ts'

const LOOPBACK = 'http://127.0.0.1:33418/callback'

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly json: Record<string, unknown>
}

async function call(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }
}

interface Started {
  readonly server: TestServer
  /** Where the registrations are kept, on the server's clock. */
  readonly records: LocalRecordStore
}

async function startWith(options: DynamicClientRegistrationOptions = {}): Promise<Started> {
  const server = await startTestServer({ controller: { clientAddress: (_environ, request) => request.header('x-test-address') } })
  const records = new LocalRecordStore({ clock: server.clock.now })
  server.controller.use(new DynamicClientRegistration({ recordStore: records, ...options }))
  return { server, records }
}

const bearer = (token: unknown): Record<string, string> => ({ authorization: `Bearer ${String(token)}` })

describe('RFC 7591: registration', () => {
  let server: TestServer
  let records: LocalRecordStore
  beforeAll(async () => ({ server, records } = await startWith()))
  afterAll(() => server.close())
  const register = (body: unknown, headers?: Record<string, string>): Promise<Answer> =>
    call(`${server.url}/register`, 'POST', body, headers)

  it('is announced as registration_endpoint in the metadata (RFC 8414 section 2)', async () => {
    const metadata = await call(`${server.url}/.well-known/oauth-authorization-server`, 'GET')
    expect(metadata.json.registration_endpoint).toBe(`${server.url}/register`)
  })

  it('a public client (none): 201, a server-assigned client_id, no secret, application_type inferred native', async () => {
    const answer = await register({ redirect_uris: [LOOPBACK], token_endpoint_auth_method: 'none', client_name: 'Tool' })
    expect(answer.status).toBe(201)
    expect(answer.headers.get('cache-control')).toBe('no-store')
    expect(answer.json).toMatchObject({
      redirect_uris: [LOOPBACK],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      application_type: 'native',
      client_name: 'Tool',
    })
    expect(answer.json.client_id).toMatch(/^dcr_[A-Za-z0-9_-]{22}$/)
    expect(answer.json.client_id_issued_at).toBe(server.clock.seconds)
    expect(answer.json).not.toHaveProperty('client_secret')
    expect(answer.json).not.toHaveProperty('client_secret_expires_at')
    expect(answer.json.registration_client_uri).toBe(`${server.url}/register?client_id=${String(answer.json.client_id)}`)
    expect(String(answer.json.registration_access_token)).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('no token_endpoint_auth_method means client_secret_basic: a 256-bit secret, client_secret_expires_at 0, web for https', async () => {
    const answer = await register({ redirect_uris: ['https://app.example/cb'] })
    expect(answer.status).toBe(201)
    expect(answer.json).toMatchObject({
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret_expires_at: 0,
      application_type: 'web',
    })
    expect(String(answer.json.client_secret)).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // Stored hashed: the record holds neither the secret nor the registration access token.
    const record = await records.getRecord('registered_client', String(answer.json.client_id))
    expect(record?.value).not.toContain(String(answer.json.client_secret))
    expect(record?.value).not.toContain(String(answer.json.registration_access_token))
    // Shown once: reading the registration does not show it again.
    const read = await call(String(answer.json.registration_client_uri), 'GET', undefined, bearer(answer.json.registration_access_token))
    expect(read.status).toBe(200)
    expect(read.json).not.toHaveProperty('client_secret')
    expect(read.json.client_id).toBe(answer.json.client_id)
  })

  it.each<[string, string[], string | undefined, string]>([
    ['a private-use scheme', ['com.example.tool:/oauth/callback'], undefined, 'native'],
    ['loopback and a private-use scheme', [LOOPBACK, 'com.example.tool:/cb'], undefined, 'native'],
    ['localhost on any port', ['http://localhost:6274/oauth/callback'], undefined, 'native'],
    ['loopback and https', [LOOPBACK, 'https://app.example/cb'], undefined, 'web'],
    ['loopback, with application_type sent (kept, not inferred)', [LOOPBACK], 'web', 'web'],
  ])('application_type from %s (RFC 8252 sections 7.1 and 7.3)', async (_name, redirectUris, sent, expected) => {
    const body = {
      redirect_uris: redirectUris,
      token_endpoint_auth_method: 'none',
      ...(sent === undefined ? {} : { application_type: sent }),
    }
    // From an address of their own, so these registrations count against no other test's limit.
    const answer = await register(body, { 'x-test-address': '192.0.2.77' })
    expect(answer.status).toBe(201)
    expect(answer.json.application_type).toBe(expected)
  })

  it('the confidential registered client authenticates at the token endpoint with its secret (and only its method)', async () => {
    const answer = await register({ redirect_uris: ['https://app.example/cb'], grant_types: ['authorization_code', 'refresh_token'] })
    const id = String(answer.json.client_id)
    const secret = String(answer.json.client_secret)
    const ok = await postToken(
      server.url,
      { grant_type: 'authorization_code', code: 'nope', redirect_uri: 'https://app.example/cb' },
      { basic: [id, secret] },
    )
    expect(ok.json).toMatchObject({ error: 'invalid_grant' })
    const wrong = await postToken(server.url, { grant_type: 'authorization_code', code: 'nope' }, { basic: [id, 'wrong'] })
    expect(wrong.status).toBe(401)
  })

  it.each([
    ['not JSON', '{', 'invalid_client_metadata'],
    ['not an object', '[1]', 'invalid_client_metadata'],
    ['a fragment in a redirect URI', { redirect_uris: ['https://app.example/cb#x'] }, 'invalid_redirect_uri'],
    ['http off loopback', { redirect_uris: ['http://app.example/cb'] }, 'invalid_redirect_uri'],
    ['javascript: URI', { redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
    ['no redirect URI for the code grant', { token_endpoint_auth_method: 'none' }, 'invalid_redirect_uri'],
    ['redirect_uris not an array', { redirect_uris: 'https://app.example/cb' }, 'invalid_redirect_uri'],
    ['an unsupported auth method', { redirect_uris: [LOOPBACK], token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata'],
    ['a grant type not allowed (client_credentials)', { grant_types: ['client_credentials'] }, 'invalid_client_metadata'],
    [
      'code without authorization_code',
      { redirect_uris: [LOOPBACK], grant_types: ['refresh_token'], response_types: ['code'] },
      'invalid_client_metadata',
    ],
    ['a non-string client_name', { redirect_uris: [LOOPBACK], client_name: 5 }, 'invalid_client_metadata'],
    ['a logo_uri that is not https', { redirect_uris: [LOOPBACK], logo_uri: 'ftp://x.example/logo' }, 'invalid_client_metadata'],
    ['a software statement', { redirect_uris: [LOOPBACK], software_statement: 'eyJ.x.y' }, 'unapproved_software_statement'],
  ])('%s → 400 %s (RFC 7591 section 3.2.2)', async (_name, body, error) => {
    const answer = await register(body)
    expect(answer.status).toBe(400)
    expect(answer.json.error).toBe(error)
    expect(typeof answer.json.error_description).toBe('string')
  })

  it('a form body → 400 invalid_request; GET → 405', async () => {
    const form = await fetch(`${server.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=b',
    })
    expect(form.status).toBe(400)
    expect(((await form.json()) as { error: string }).error).toBe('invalid_request')
    expect((await call(`${server.url}/register`, 'GET')).status).toBe(405)
  })

  it('the server assigns client_id and the secret: ones the client sends, even an existing id, are ignored (RFC 9700 section 4.15)', async () => {
    const answer = await register(
      { client_id: 'confidential', client_secret: 'chosen-by-the-client', redirect_uris: ['https://app.example/cb'] },
      { 'x-test-address': '192.0.2.78' },
    )
    expect(answer.status).toBe(201)
    expect(answer.json.client_id).toMatch(/^dcr_[A-Za-z0-9_-]{22}$/)
    expect(answer.json.client_secret).not.toBe('chosen-by-the-client')
    // The administrator's client of that id is untouched: its own secret still works, the chosen one does not.
    const own = await postToken(server.url, { grant_type: 'client_credentials' }, { basic: ['confidential', CONFIDENTIAL.clientSecret] })
    expect(own.status).toBe(200)
    const chosen = await postToken(server.url, { grant_type: 'client_credentials' }, { basic: ['confidential', 'chosen-by-the-client'] })
    expect(chosen.status).toBe(401)
  })

  it('unknown metadata is ignored, unknown scopes dropped (RFC 7591 sections 2 and 3.2.1)', async () => {
    const answer = await register({
      redirect_uris: [LOOPBACK],
      token_endpoint_auth_method: 'none',
      scope: 'read admin',
      favourite_colour: 'blue',
    })
    expect(answer.status).toBe(201)
    expect(answer.json.scope).toBe('read')
    expect(answer.json).not.toHaveProperty('favourite_colour')
  })
})

describe('RFC 7592: read, update, delete with the registration access token', () => {
  let server: TestServer
  beforeAll(async () => ({ server } = await startWith()))
  afterAll(() => server.close())

  it('without or with a wrong token → 401 invalid_token; an unknown client → 401 too', async () => {
    const created = await call(`${server.url}/register`, 'POST', { redirect_uris: [LOOPBACK], token_endpoint_auth_method: 'none' })
    const uri = String(created.json.registration_client_uri)
    const none = await call(uri, 'GET')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm=/)
    const wrong = await call(uri, 'GET', undefined, bearer('W'.repeat(43)))
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"')
    const unknown = await call(
      `${server.url}/register?client_id=dcr_unknown`,
      'GET',
      undefined,
      bearer(created.json.registration_access_token),
    )
    expect(unknown.status).toBe(401)
    for (const method of ['PUT', 'DELETE'])
      expect((await call(uri, method, method === 'PUT' ? {} : undefined, bearer('x'))).status).toBe(401)
  })

  it('GET reads, PUT replaces the metadata, DELETE removes: the client stops working at once', async () => {
    const created = await call(`${server.url}/register`, 'POST', {
      redirect_uris: [LOOPBACK],
      token_endpoint_auth_method: 'none',
      client_name: 'Before',
    })
    const uri = String(created.json.registration_client_uri)
    const auth = bearer(created.json.registration_access_token)
    const id = String(created.json.client_id)
    const read = await call(uri, 'GET', undefined, auth)
    expect(read.json).toMatchObject({
      client_id: id,
      client_name: 'Before',
      registration_access_token: created.json.registration_access_token,
    })

    const refused = await call(uri, 'PUT', { client_id: 'another', redirect_uris: [LOOPBACK] }, auth)
    expect(refused.status).toBe(400)
    const badUri = await call(
      uri,
      'PUT',
      { client_id: id, redirect_uris: ['http://evil.example/'], token_endpoint_auth_method: 'none' },
      auth,
    )
    expect(badUri.json.error).toBe('invalid_redirect_uri')
    const updated = await call(
      uri,
      'PUT',
      { client_id: id, redirect_uris: ['http://127.0.0.1:9999/cb'], token_endpoint_auth_method: 'none', client_name: 'After' },
      auth,
    )
    expect(updated.status).toBe(200)
    expect(updated.json).toMatchObject({ client_id: id, client_name: 'After', redirect_uris: ['http://127.0.0.1:9999/cb'] })
    expect((await call(uri, 'GET', undefined, auth)).json.client_name).toBe('After')

    const deleted = await fetch(uri, { method: 'DELETE', headers: auth })
    expect(deleted.status).toBe(204)
    expect((await call(uri, 'GET', undefined, auth)).status).toBe(401)
    const authorize = await fetch(`${server.url}/authorize?response_type=code&client_id=${id}&redirect_uri=${encodeURIComponent(LOOPBACK)}`)
    expect(authorize.status).toBe(400)
  })

  it('moving from none to client_secret_post issues a secret in the update answer', async () => {
    const created = await call(`${server.url}/register`, 'POST', { redirect_uris: [LOOPBACK], token_endpoint_auth_method: 'none' })
    const id = String(created.json.client_id)
    const updated = await call(
      String(created.json.registration_client_uri),
      'PUT',
      { client_id: id, redirect_uris: [LOOPBACK], token_endpoint_auth_method: 'client_secret_post' },
      bearer(created.json.registration_access_token),
    )
    expect(updated.json.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const token = await postToken(server.url, {
      grant_type: 'authorization_code',
      code: 'x',
      client_id: id,
      client_secret: String(updated.json.client_secret),
    })
    expect(token.json.error).toBe('invalid_grant')
  })
})

describe('registration policy, initial access token, limits, idle expiry', () => {
  it('an initial access token is required when configured (RFC 7591 section 3)', async () => {
    const { server } = await startWith({ initialAccessToken: 'initial-access-token-0123456789' })
    try {
      const body = { redirect_uris: [LOOPBACK], token_endpoint_auth_method: 'none' }
      expect((await call(`${server.url}/register`, 'POST', body)).status).toBe(401)
      expect((await call(`${server.url}/register`, 'POST', body, bearer('initial-access-token-wrong-12345'))).status).toBe(401)
      expect((await call(`${server.url}/register`, 'POST', body, bearer('initial-access-token-0123456789'))).status).toBe(201)
    } finally {
      await server.close()
    }
  })

  it('the policy hook refuses with its own error, or narrows the metadata', async () => {
    const { server } = await startWith({
      policy: ({ metadata }) =>
        metadata.application_type === 'native'
          ? { type: 'allow', metadata: { ...metadata, client_name: 'Renamed' } }
          : { type: 'refuse', error: 'invalid_redirect_uri', description: 'Only native clients may register here.' },
    })
    try {
      const web = await call(`${server.url}/register`, 'POST', { redirect_uris: ['https://app.example/cb'] })
      expect(web.status).toBe(400)
      expect(web.json).toEqual({ error: 'invalid_redirect_uri', error_description: 'Only native clients may register here.' })
      const native = await call(`${server.url}/register`, 'POST', { redirect_uris: [LOOPBACK], token_endpoint_auth_method: 'none' })
      expect(native.json.client_name).toBe('Renamed')
    } finally {
      await server.close()
    }
  })

  it('per address: the 21st registration within the hour → 429 with Retry-After; another address still registers', async () => {
    const { server } = await startWith()
    try {
      const body = { redirect_uris: [LOOPBACK], token_endpoint_auth_method: 'none' }
      const from = (address: string): Record<string, string> => ({ 'x-test-address': address })
      const statuses: number[] = []
      for (let i = 0; i < 22; i++) statuses.push((await call(`${server.url}/register`, 'POST', body, from('203.0.113.9'))).status)
      expect(statuses).toEqual([...Array<number>(20).fill(201), 429, 429])
      const limited = await call(`${server.url}/register`, 'POST', body, from('203.0.113.9'))
      expect(limited.json.error).toBe('too_many_requests')
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
      expect((await call(`${server.url}/register`, 'POST', body, from('203.0.113.10'))).status).toBe(201)
      server.clock.advance(3601)
      expect((await call(`${server.url}/register`, 'POST', body, from('203.0.113.9'))).status).toBe(201)
    } finally {
      await server.close()
    }
  })

  it('an unused registration expires after idleExpirySeconds; a used one lives on', async () => {
    const day = 86_400
    const { server, records } = await startWith({ idleExpirySeconds: 10 * day })
    try {
      const body = { redirect_uris: [LOOPBACK], token_endpoint_auth_method: 'none' }
      const unused = await call(`${server.url}/register`, 'POST', body)
      const used = await call(`${server.url}/register`, 'POST', body)
      const authorizeUrl = (id: unknown): string =>
        `${server.url}/authorize?response_type=code&client_id=${String(id)}&redirect_uri=${encodeURIComponent(LOOPBACK)}&code_challenge=${'c'.repeat(43)}&code_challenge_method=S256`
      for (let elapsed = 0; elapsed < 3; elapsed++) {
        server.clock.advance(4 * day)
        expect((await fetch(authorizeUrl(used.json.client_id))).status).toBe(200)
        // The touch is written without being waited for: wait until the record shows it.
        await vi.waitFor(async () =>
          expect((await records.getRecord('registered_client', String(used.json.client_id)))?.expiresAt).toBe(
            server.clock.seconds + 10 * day,
          ),
        )
      }
      expect((await fetch(authorizeUrl(unused.json.client_id))).status).toBe(400)
      const read = await call(String(unused.json.registration_client_uri), 'GET', undefined, bearer(unused.json.registration_access_token))
      expect(read.status).toBe(401)
      expect((await fetch(authorizeUrl(used.json.client_id))).status).toBe(200)
    } finally {
      await server.close()
    }
  })
})

describe('a registered public client completes the code flow with PKCE (oauth4webapi)', () => {
  let server: TestServer
  beforeAll(async () => ({ server } = await startWith()))
  afterAll(() => server.close())

  it('register → authorize (S256) → token → refresh', async () => {
    const created = await call(`${server.url}/register`, 'POST', {
      redirect_uris: [LOOPBACK],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    })
    const client: oauth.Client = { client_id: String(created.json.client_id), token_endpoint_auth_method: 'none' }
    // RFC 8252 section 7.3: any port on a loopback redirect.
    const issued = await obtainCode(server, {
      clientId: client.client_id,
      redirectUri: 'http://127.0.0.1:50123/callback',
      scope: 'read',
      pkce: true,
    })
    const as: oauth.AuthorizationServer = { issuer: server.issuer, token_endpoint: `${server.url}/token` }
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      issued.callback,
      'http://127.0.0.1:50123/callback',
      issued.codeVerifier ?? '',
      insecure,
    )
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response)
    expect(tokens.access_token).toBeTruthy()
    expect(tokens.refresh_token).toBeTruthy()
    const refreshed = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token ?? '', insecure)
    expect((await oauth.processRefreshTokenResponse(as, client, refreshed)).access_token).toBeTruthy()
  })
})
