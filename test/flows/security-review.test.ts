/**
 * Findings 5 and 8 of the security review (issue 17), over real HTTP: control characters in client
 * credentials are an unknown client (401 `invalid_client`, an error page at /authorize) on the memory
 * store and on PostgreSQL — never a 503 and an error log — a trailing NUL does not pass for a short
 * (scrypt-hashed) secret, and a client gets the implicit grant only when registered for it.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AnyOAuthError } from '../../src/errors.ts'
import { PostgresStore } from '../../src/stores/postgres.ts'
import { POSTGRES_URL, probeService, uniqueName, whenReachable } from '../contract/services.ts'
import { authorizeUrl, request } from '../helpers/browser.ts'
import { CONFIDENTIAL, PUBLIC_CLIENT, postToken, startTestServer, type TestServer } from '../helpers/test-server.ts'

const SHORT = { clientId: 'short-secret', clientSecret: 'xyz', redirectUris: ['https://short.example/cb'] } as const

/** The requests every store must answer 401 `invalid_client`: a NUL in the id or the secret, by each method. */
function nulRequests(): [string, Record<string, string>, { basic?: [string, string] }][] {
  return [
    [
      'a NUL in client_id (HTTP Basic)',
      { grant_type: 'client_credentials' },
      { basic: [`${CONFIDENTIAL.clientId}\0`, CONFIDENTIAL.clientSecret] },
    ],
    ['a NUL alone as client_id (HTTP Basic)', { grant_type: 'client_credentials' }, { basic: ['\0', 'x'] }],
    [
      'a NUL in client_id (client_secret_post)',
      { grant_type: 'client_credentials', client_id: `\0${CONFIDENTIAL.clientId}`, client_secret: CONFIDENTIAL.clientSecret },
      {},
    ],
    ['a NUL in a public client_id (none)', { grant_type: 'authorization_code', code: 'x', client_id: `${PUBLIC_CLIENT.clientId}\0` }, {}],
    ['an escape sequence in client_id', { grant_type: 'client_credentials' }, { basic: ['\u001b[2J', 'x'] }],
    [
      'a NUL after the right secret',
      { grant_type: 'client_credentials' },
      { basic: [CONFIDENTIAL.clientId, `${CONFIDENTIAL.clientSecret}\0`] },
    ],
  ]
}

async function expectUnknownClient(server: TestServer, errors: readonly AnyOAuthError[]): Promise<void> {
  for (const [why, form, init] of nulRequests()) {
    const response = await postToken(server.url, form, init)
    expect(response.status, why).toBe(401)
    expect(response.json.error, why).toBe('invalid_client')
    expect(response.json.error_description, why).toBe('Client authentication failed.')
  }
  // RFC 6749 section 4.1.2.1: an invalid client_id is shown to the user, never redirected.
  const page = await request(
    authorizeUrl(server.url, { response_type: 'code', client_id: `${CONFIDENTIAL.clientId}\0`, redirect_uri: CONFIDENTIAL.redirectUri }),
  )
  expect(page.status).toBe(400)
  expect(page.location).toBeUndefined()
  expect(page.body).toContain('Unknown client.')
  expect(errors.map((error) => error.error)).not.toContain('temporarily_unavailable')
  expect(errors.map((error) => error.error)).not.toContain('server_error')
}

describe('finding 8: control characters in client credentials, memory store', () => {
  let server: TestServer
  const errors: AnyOAuthError[] = []
  beforeAll(async () => {
    server = await startTestServer({ clients: [SHORT], controller: { onError: (error) => errors.push(error) } })
  })
  afterAll(() => server.close())

  it('answers 401 invalid_client for a NUL or an escape in the client id or secret, and an error page at /authorize', async () => {
    await expectUnknownClient(server, errors)
  })

  it('refuses a short (scrypt-hashed) secret with trailing NULs, which scrypt alone would accept', async () => {
    const right = await postToken(server.url, { grant_type: 'client_credentials' }, { basic: [SHORT.clientId, SHORT.clientSecret] })
    expect(right.status).toBe(200)
    for (const secret of [`${SHORT.clientSecret}\0`, `${SHORT.clientSecret}\0\0\0`]) {
      const basic = await postToken(server.url, { grant_type: 'client_credentials' }, { basic: [SHORT.clientId, secret] })
      expect(basic.status).toBe(401)
      expect(basic.json.error).toBe('invalid_client')
      const post = await postToken(server.url, { grant_type: 'client_credentials', client_id: SHORT.clientId, client_secret: secret })
      expect(post.status).toBe(401)
    }
  })
})

const postgres = await probeService('PostgreSQL', POSTGRES_URL, 5432)

whenReachable(postgres, () => {
  describe('finding 8: control characters in client credentials, PostgreSQL store', () => {
    const schema = uniqueName('oauth2_security')
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 })
    const errors: AnyOAuthError[] = []
    let server: TestServer
    beforeAll(async () => {
      const store = new PostgresStore({ pool, schema })
      await store.migrate()
      await store.addClient({
        clientId: CONFIDENTIAL.clientId,
        clientSecret: CONFIDENTIAL.clientSecret,
        redirectUris: [CONFIDENTIAL.redirectUri],
      })
      await store.addClient({ clientId: PUBLIC_CLIENT.clientId, redirectUris: [PUBLIC_CLIENT.redirectUri] })
      server = await startTestServer({ controller: { clientStore: store, onError: (error) => errors.push(error) } })
    })
    afterAll(async () => {
      await server.close()
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool.end()
    })

    it('answers 401 invalid_client (not 503) for a NUL in the client id or secret, and an error page at /authorize', async () => {
      const right = await postToken(
        server.url,
        { grant_type: 'client_credentials' },
        { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret] },
      )
      expect(right.status).toBe(200)
      await expectUnknownClient(server, errors)
    })
  })
})

describe('finding 5: the implicit grant only for clients registered for it', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({
      clients: [
        { clientId: 'code-only', redirectUris: ['https://code-only.example/cb'] },
        { clientId: 'implicit-app', redirectUris: ['https://implicit.example/cb'], grantTypes: ['implicit'] },
      ],
    })
  })
  afterAll(() => server.close())

  it('a client registered with the defaults gets unauthorized_client for response_type=token, in the fragment', async () => {
    const result = await request(
      authorizeUrl(server.url, {
        response_type: 'token',
        client_id: 'code-only',
        redirect_uri: 'https://code-only.example/cb',
        state: 's',
      }),
    )
    expect(result.status).toBe(302)
    const fragment = new URLSearchParams(new URL(result.location ?? '').hash.slice(1))
    expect(fragment.get('error')).toBe('unauthorized_client')
    expect(fragment.has('access_token')).toBe(false)
  })

  it('a client registered for the implicit grant gets the login page', async () => {
    const result = await request(
      authorizeUrl(server.url, {
        response_type: 'token',
        client_id: 'implicit-app',
        redirect_uri: 'https://implicit.example/cb',
        state: 's',
      }),
    )
    expect(result.status).toBe(200)
    expect(result.body).toContain('csrf_token')
  })
})
