/**
 * Authorization endpoint over real HTTP: the implicit grant (RFC 6749 section 4.2). The access token and
 * every error go in the fragment, with state and iss (RFC 9207); never a refresh token (section 4.2.2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashToken } from '../../src/tokens/hash.ts'
import { authorizeUrl, openLoginPage, request, responseParams, submitForm, type RawResult } from '../helpers/browser.ts'
import { CONFIDENTIAL, PUBLIC_CLIENT, startTestServer, USER, type TestServer } from '../helpers/test-server.ts'

const TENANT = { clientId: 'tenant-client', redirectUri: 'https://client.example/cb?tenant=1' } as const

let server: TestServer

beforeAll(async () => {
  // RefreshToken is enabled (the harness default): the implicit grant must still never issue one.
  server = await startTestServer({
    clients: [{ clientId: TENANT.clientId, redirectUris: [TENANT.redirectUri], responseTypes: ['code', 'token'] }],
  })
})
afterAll(() => server.close())

const tokenUrl = (extra: Record<string, string> = {}): string =>
  authorizeUrl(server.url, {
    response_type: 'token',
    client_id: PUBLIC_CLIENT.clientId,
    redirect_uri: PUBLIC_CLIENT.redirectUri,
    state: 'imp',
    ...extra,
  })

/** Asserts an implicit error redirect: everything in the fragment, nothing added to the query. */
function expectFragmentError(result: RawResult, redirectUri: string, error: string, state: string, status: number): void {
  expect(result.status).toBe(status)
  const params = responseParams(result.location, redirectUri, 'fragment')
  expect(params.get('error')).toBe(error)
  expect(params.get('state')).toBe(state)
  expect(params.get('iss')).toBe(server.issuer)
  expect(params.has('access_token')).toBe(false)
  expect(new URL(result.location ?? '').search).toBe(new URL(redirectUri).search)
}

describe('RFC 6749 section 4.2.2: implicit grant access token response', () => {
  it('approve → 303 with access_token, token_type, expires_in, scope, state and iss in the fragment only; no refresh_token; no-store', async () => {
    const refreshBefore = server.tokenStore.size.refreshTokens
    const result = await submitForm(await openLoginPage(tokenUrl({ scope: 'read write' })))
    expect(result.status).toBe(303)
    expect(result.headers.get('cache-control')).toBe('no-store')
    const location = new URL(result.location ?? '')
    expect(location.search).toBe('')
    const params = responseParams(result.location, PUBLIC_CLIENT.redirectUri, 'fragment')
    expect([...params.keys()].sort()).toEqual(['access_token', 'expires_in', 'iss', 'scope', 'state', 'token_type'])
    expect(params.get('token_type')).toBe('Bearer')
    expect(params.get('expires_in')).toBe('3600')
    expect(params.get('scope')).toBe('read write')
    expect(params.get('state')).toBe('imp')
    expect(params.get('iss')).toBe(server.issuer)
    expect(params.has('refresh_token')).toBe(false)
    expect(params.has('code')).toBe(false)
    expect(server.tokenStore.size.refreshTokens).toBe(refreshBefore)
  })

  it('the token is stored by hash with its client, user, scopes, data and a lifetime equal to expires_in', async () => {
    const result = await submitForm(await openLoginPage(tokenUrl({ scope: 'profile' })))
    const params = responseParams(result.location, PUBLIC_CLIENT.redirectUri, 'fragment')
    const token = params.get('access_token') ?? ''
    expect(token).toMatch(/^[A-Za-z0-9_-]{43,}$/)
    const record = await server.tokenStore.fetchByToken(hashToken(token))
    expect(record).toBeDefined()
    expect(record?.clientId).toBe(PUBLIC_CLIENT.clientId)
    expect(record?.grantType).toBe('implicit')
    expect(record?.userId).toBe(USER.username)
    expect(record?.scopes).toEqual(['profile'])
    expect(record?.data).toEqual({ name: 'Alice' })
    expect((record?.expiresAt ?? 0) - (record?.issuedAt ?? 0)).toBe(Number(params.get('expires_in')))
    expect(record?.tokenHash).not.toBe(token)
    expect(await server.tokenStore.fetchByRefreshToken(hashToken(token))).toBeUndefined()
  })

  it('a public client needs no PKCE for response_type=token (PKCE is for the code)', async () => {
    const page = await request(tokenUrl())
    expect(page.status).toBe(200)
  })

  it('without scope the default scope is granted and reported', async () => {
    const result = await submitForm(await openLoginPage(tokenUrl()))
    expect(responseParams(result.location, PUBLIC_CLIENT.redirectUri, 'fragment').get('scope')).toBe('read')
  })

  it('a confidential client may use it too when registered for it (responseTypes includes token)', async () => {
    const url = authorizeUrl(server.url, {
      response_type: 'token',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: CONFIDENTIAL.redirectUri,
      state: 'c',
    })
    const result = await submitForm(await openLoginPage(url))
    expect(result.status).toBe(303)
    expect(responseParams(result.location, CONFIDENTIAL.redirectUri, 'fragment').get('access_token')).toBeTruthy()
  })

  it('RFC 6749 section 3.1.2: a redirect URI with a query keeps it; the token goes in the fragment after it', async () => {
    const url = authorizeUrl(server.url, {
      response_type: 'token',
      client_id: TENANT.clientId,
      redirect_uri: TENANT.redirectUri,
      state: 't',
    })
    const result = await submitForm(await openLoginPage(url))
    expect(result.status).toBe(303)
    expect(result.location?.startsWith(`${TENANT.redirectUri}#access_token=`)).toBe(true)
    expect(new URL(result.location ?? '').searchParams.getAll('tenant')).toEqual(['1'])
  })

  it('each approval issues a distinct token', async () => {
    const a = responseParams((await submitForm(await openLoginPage(tokenUrl()))).location, PUBLIC_CLIENT.redirectUri, 'fragment')
    const b = responseParams((await submitForm(await openLoginPage(tokenUrl()))).location, PUBLIC_CLIENT.redirectUri, 'fragment')
    expect(a.get('access_token')).not.toBe(b.get('access_token'))
  })
})

describe('RFC 6749 section 4.2.2.1: implicit grant errors go in the fragment with state and iss', () => {
  it('deny → 303 with error=access_denied in the fragment, no token stored', async () => {
    const before = server.tokenStore.size.accessTokens
    const result = await submitForm(await openLoginPage(tokenUrl()), { action: 'deny' })
    expectFragmentError(result, PUBLIC_CLIENT.redirectUri, 'access_denied', 'imp', 303)
    expect(server.tokenStore.size.accessTokens).toBe(before)
  })

  it('unknown scope → 302 with error=invalid_scope in the fragment', async () => {
    expectFragmentError(await request(tokenUrl({ scope: 'admin' })), PUBLIC_CLIENT.redirectUri, 'invalid_scope', 'imp', 302)
  })

  it('repeated state → invalid_request in the fragment', async () => {
    const url = authorizeUrl(server.url, [
      ['response_type', 'token'],
      ['client_id', PUBLIC_CLIENT.clientId],
      ['redirect_uri', PUBLIC_CLIENT.redirectUri],
      ['state', 'imp'],
      ['state', 'imp'],
    ])
    expectFragmentError(await request(url), PUBLIC_CLIENT.redirectUri, 'invalid_request', 'imp', 302)
  })

  it('an error to a redirect URI with a query keeps the query and puts the error in the fragment', async () => {
    const url = authorizeUrl(server.url, {
      response_type: 'token',
      client_id: TENANT.clientId,
      redirect_uri: TENANT.redirectUri,
      state: 't',
      scope: 'nope',
    })
    expectFragmentError(await request(url), TENANT.redirectUri, 'invalid_scope', 't', 302)
  })

  it('an unregistered redirect_uri is never redirected to, not even in the implicit flow', async () => {
    const result = await request(tokenUrl({ redirect_uri: 'https://spa.example/cb/../evil' }))
    expect(result.status).toBe(400)
    expect(result.location).toBeUndefined()
  })
})

describe('RFC 6749 section 4.2: implicit grant left out', () => {
  it('response_type=token on a server without the implicit grant → unsupported_response_type', async () => {
    const bare = await startTestServer({ implicit: false })
    try {
      const url = authorizeUrl(bare.url, {
        response_type: 'token',
        client_id: PUBLIC_CLIENT.clientId,
        redirect_uri: PUBLIC_CLIENT.redirectUri,
        state: 'x',
      })
      const result = await request(url)
      expect(result.status).toBe(302)
      const location = result.location ?? ''
      const params =
        new URL(location).hash.length > 1 ? new URLSearchParams(new URL(location).hash.slice(1)) : new URL(location).searchParams
      expect(location.startsWith(PUBLIC_CLIENT.redirectUri)).toBe(true)
      expect(params.get('error')).toBe('unsupported_response_type')
      expect(params.get('state')).toBe('x')
      expect(params.get('iss')).toBe(bare.issuer)
    } finally {
      await bare.close()
    }
  })
})
