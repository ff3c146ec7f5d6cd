/**
 * Authorization endpoint over real HTTP: the happy path of the code flow (RFC 6749 section 4.1), exact
 * redirect-URI matching and the absence of an open redirector (RFC 6749 section 3.1.2 and 4.1.2.1,
 * RFC 9700 section 2.1 and 4.11), and loopback redirect URIs of native apps (RFC 8252 section 7.3).
 */
import { request as httpRequest } from 'node:http'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  authorizationServer,
  authorizePath,
  authorizeUrl,
  cookiePathCovers,
  openLoginPage,
  parseSetCookie,
  pkcePair,
  protectedPageHeaders,
  PROTECTED_PAGE_HEADERS,
  request,
  responseParams,
  submitForm,
  type RawResult,
} from '../helpers/browser.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import { CONFIDENTIAL, PUBLIC_CLIENT, startTestServer, USER, type TestServer } from '../helpers/test-server.ts'

const TENANT = { clientId: 'tenant-client', redirectUri: 'https://client.example/cb?tenant=1' } as const
const TWO_URIS = { clientId: 'two-uris', redirectUris: ['https://two.example/a', 'https://two.example/b'] } as const
const NATIVE_V4 = { clientId: 'native-v4', redirectUri: 'http://127.0.0.1/cb' } as const
const NATIVE_V6 = { clientId: 'native-v6', redirectUri: 'http://[::1]/cb' } as const
const SECRET = 'S'.repeat(43)

let server: TestServer
let as: oauth.AuthorizationServer

beforeAll(async () => {
  server = await startTestServer({
    clients: [
      { clientId: TENANT.clientId, clientSecret: SECRET, redirectUris: [TENANT.redirectUri] },
      { clientId: TWO_URIS.clientId, clientSecret: SECRET, redirectUris: TWO_URIS.redirectUris },
      { clientId: NATIVE_V4.clientId, redirectUris: [NATIVE_V4.redirectUri] },
      { clientId: NATIVE_V6.clientId, redirectUris: [NATIVE_V6.redirectUri] },
    ],
  })
  as = authorizationServer(server)
})
afterAll(() => server.close())

/** Asserts the user-facing error page that must replace any redirect while client/redirect_uri are unvalidated. */
function expectErrorPage(result: RawResult, error: string): void {
  expect(result.status).toBe(400)
  expect(result.location).toBeUndefined()
  expect(result.headers.get('content-type')).toBe('text/html; charset=utf-8')
  expect(protectedPageHeaders(result.headers)).toEqual(PROTECTED_PAGE_HEADERS)
  expect(result.body).toContain(`<code>${error}</code>`)
}

describe('RFC 6749 section 4.1.1-4.1.2: authorization code happy path', () => {
  it('4.1.1: GET shows the login/consent page (200 HTML) with anti-framing, no-referrer, no-store headers and an HttpOnly SameSite=Strict CSRF cookie', async () => {
    const url = authorizeUrl(server.url, {
      response_type: 'code',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: CONFIDENTIAL.redirectUri,
      state: 'xyz',
    })
    const page = await request(url)
    expect(page.status).toBe(200)
    expect(page.location).toBeUndefined()
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    expect(page.headers.get('cache-control')).toBe('no-store')
    expect(page.body).toMatch(/^<!doctype html>/)
    expect(page.body).toContain('name="username"')
    expect(page.body).toContain('name="password"')
    expect(page.body).toContain('value="approve"')
    expect(page.body).toContain('value="deny"')
    expect(page.setCookies).toHaveLength(1)
    const cookie = parseSetCookie(page.setCookies[0] ?? '')
    expect(cookie.name).toBe('oauth2_csrf')
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(cookie.attributes.get('httponly')).toBe('')
    expect(cookie.attributes.get('samesite')?.toLowerCase()).toBe('strict')
    expect(cookie.attributes.has('domain')).toBe(false)
    expect(cookiePathCovers(cookie.attributes.get('path'), authorizePath(server.url))).toBe(true)
  })

  it('4.1.2 + RFC 9207: POST approve answers 303 to the exact registered redirect URI with code, state and iss only; oauth4webapi validates it and redeems the code', async () => {
    const client: oauth.Client = { client_id: CONFIDENTIAL.clientId }
    const state = oauth.generateRandomState()
    const url = new URL(as.authorization_endpoint ?? '')
    url.searchParams.set('response_type', 'code')
    url.searchParams.set('client_id', client.client_id)
    url.searchParams.set('redirect_uri', CONFIDENTIAL.redirectUri)
    url.searchParams.set('state', state)
    url.searchParams.set('scope', 'read write')
    const page = await openLoginPage(url.toString())
    const result = await submitForm(page)
    expect(result.status).toBe(303)
    expect(result.headers.get('cache-control')).toBe('no-store')
    const params = responseParams(result.location, CONFIDENTIAL.redirectUri)
    expect([...params.keys()].sort()).toEqual(['code', 'iss', 'state'])
    expect(params.get('iss')).toBe(server.issuer)
    expect(params.get('state')).toBe(state)

    const callback = oauth.validateAuthResponse(as, client, new URL(result.location ?? ''), state)
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(CONFIDENTIAL.clientSecret),
      callback,
      CONFIDENTIAL.redirectUri,
      oauth.nopkce,
      { [oauth.allowInsecureRequests]: true },
    )
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response)
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.scope).toBe('read write')
  })

  it('4.1.2: a public client with PKCE S256 completes the flow with oauth4webapi (None auth, code_verifier)', async () => {
    const client: oauth.Client = { client_id: PUBLIC_CLIENT.clientId, token_endpoint_auth_method: 'none' }
    const verifier = oauth.generateRandomCodeVerifier()
    const challenge = await oauth.calculatePKCECodeChallenge(verifier)
    const state = oauth.generateRandomState()
    const url = authorizeUrl(server.url, {
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: PUBLIC_CLIENT.redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
    })
    const result = await submitForm(await openLoginPage(url))
    expect(result.status).toBe(303)
    const callback = oauth.validateAuthResponse(as, client, new URL(result.location ?? ''), state)
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, PUBLIC_CLIENT.redirectUri, verifier, {
      [oauth.allowInsecureRequests]: true,
    })
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response)
    expect(tokens.access_token.length).toBeGreaterThanOrEqual(43)
  })

  it('RFC 6749 section 4.1.2 / 10.10: the code is unguessable, stored only by hash, bound to client and redirect_uri, and lives at most 10 minutes', async () => {
    const url = authorizeUrl(server.url, {
      response_type: 'code',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: CONFIDENTIAL.redirectUri,
      state: 'c',
    })
    const result = await submitForm(await openLoginPage(url))
    const code = responseParams(result.location, CONFIDENTIAL.redirectUri).get('code') ?? ''
    expect(code).toMatch(/^[A-Za-z0-9_-]{43,}$/)
    expect(await server.tokenStore.fetchByCode(code)).toBeUndefined()
    const record = await server.tokenStore.fetchByCode(hashToken(code))
    expect(record?.clientId).toBe(CONFIDENTIAL.clientId)
    expect(record?.redirectUri).toBe(CONFIDENTIAL.redirectUri)
    expect(record?.userId).toBe(USER.username)
    const lifetime = (record?.expiresAt ?? Infinity) - (record?.issuedAt ?? 0)
    expect(lifetime).toBeGreaterThan(0)
    expect(lifetime).toBeLessThanOrEqual(600)
  })

  it('RFC 9207 section 2: iss is the configured issuer, never taken from Host or X-Forwarded-Host', async () => {
    const query = new URLSearchParams({
      response_type: 'bogus',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: CONFIDENTIAL.redirectUri,
      state: 'h',
    })
    const { port } = new URL(server.url)
    const location = await new Promise<string | undefined>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: Number(port),
          path: `${authorizePath(server.url)}?${query.toString()}`,
          headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
        },
        (res) => {
          res.resume()
          resolve(res.headers.location)
        },
      )
      req.on('error', reject)
      req.end()
    })
    const params = responseParams(location, CONFIDENTIAL.redirectUri)
    expect(params.get('iss')).toBe(server.issuer)
    expect(location).not.toContain('evil.example')
  })

  it('RFC 6749 section 4.1.2: without state in the request there is none in the response (oauth4webapi expectNoState)', async () => {
    const url = authorizeUrl(server.url, {
      response_type: 'code',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: CONFIDENTIAL.redirectUri,
    })
    const result = await submitForm(await openLoginPage(url))
    expect(result.status).toBe(303)
    const params = responseParams(result.location, CONFIDENTIAL.redirectUri)
    expect(params.has('state')).toBe(false)
    expect(() => oauth.validateAuthResponse(as, { client_id: CONFIDENTIAL.clientId }, params, oauth.expectNoState)).not.toThrow()
  })

  it('RFC 6749 section 4.1.2: state with reserved and non-ASCII characters comes back byte for byte', async () => {
    const state = 'a b&c=d/é+%25?#€;"<>'
    const url = authorizeUrl(server.url, {
      response_type: 'code',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: CONFIDENTIAL.redirectUri,
      state,
    })
    const result = await submitForm(await openLoginPage(url))
    expect(result.status).toBe(303)
    expect(responseParams(result.location, CONFIDENTIAL.redirectUri).get('state')).toBe(state)
    expect(() => oauth.validateAuthResponse(as, { client_id: CONFIDENTIAL.clientId }, new URL(result.location ?? ''), state)).not.toThrow()
  })

  it('RFC 6749 section 3.1.2.3: redirect_uri may be omitted when the client registered exactly one; the response goes to it', async () => {
    const url = authorizeUrl(server.url, { response_type: 'code', client_id: CONFIDENTIAL.clientId, state: 'one' })
    const result = await submitForm(await openLoginPage(url))
    expect(result.status).toBe(303)
    expect(responseParams(result.location, CONFIDENTIAL.redirectUri).get('state')).toBe('one')
  })

  it('RFC 6749 section 3.1.2: a redirect URI with its own query keeps it and the response parameters are appended with &', async () => {
    const client: oauth.Client = { client_id: TENANT.clientId }
    const url = authorizeUrl(server.url, {
      response_type: 'code',
      client_id: TENANT.clientId,
      redirect_uri: TENANT.redirectUri,
      state: 't',
    })
    const result = await submitForm(await openLoginPage(url))
    expect(result.status).toBe(303)
    expect(result.location?.startsWith(`${TENANT.redirectUri}&code=`)).toBe(true)
    const location = new URL(result.location ?? '')
    expect(location.origin + location.pathname).toBe('https://client.example/cb')
    expect(location.searchParams.getAll('tenant')).toEqual(['1'])
    const callback = oauth.validateAuthResponse(as, client, location, 't')
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(SECRET),
      callback,
      TENANT.redirectUri,
      oauth.nopkce,
      {
        [oauth.allowInsecureRequests]: true,
      },
    )
    expect((await oauth.processAuthorizationCodeResponse(as, client, response)).token_type).toBe('bearer')
  })

  it('RFC 6749 section 3.1.2: errors to a redirect URI with a query also keep it and append with &', async () => {
    const url = authorizeUrl(server.url, {
      response_type: 'nope',
      client_id: TENANT.clientId,
      redirect_uri: TENANT.redirectUri,
      state: 't',
    })
    const result = await request(url)
    expect(result.status).toBe(302)
    const params = responseParams(result.location, TENANT.redirectUri)
    expect(params.get('error')).toBe('unsupported_response_type')
    expect(new URL(result.location ?? '').searchParams.getAll('tenant')).toEqual(['1'])
  })
})

describe('RFC 6749 section 4.1.2.1 and RFC 9700 section 4.11: no open redirect before client and redirect_uri are valid', () => {
  const base = { response_type: 'code', state: 'st' }
  const cases: readonly (readonly [string, readonly (readonly [string, string])[], string])[] = [
    [
      'missing client_id',
      [
        ['response_type', 'code'],
        ['redirect_uri', CONFIDENTIAL.redirectUri],
      ],
      'invalid_request',
    ],
    [
      'empty client_id',
      [
        ['response_type', 'code'],
        ['client_id', ''],
        ['redirect_uri', CONFIDENTIAL.redirectUri],
      ],
      'invalid_client',
    ],
    [
      'unknown client_id',
      [
        ['response_type', 'code'],
        ['client_id', 'nobody'],
        ['redirect_uri', CONFIDENTIAL.redirectUri],
      ],
      'invalid_client',
    ],
    [
      'client_id of another case',
      [
        ['response_type', 'code'],
        ['client_id', 'CONFIDENTIAL'],
        ['redirect_uri', CONFIDENTIAL.redirectUri],
      ],
      'invalid_client',
    ],
    [
      'unknown client_id with an otherwise invalid request',
      [
        ['response_type', 'bogus'],
        ['client_id', 'nobody'],
        ['redirect_uri', 'https://evil.example/'],
      ],
      'invalid_client',
    ],
    [
      'repeated client_id (same value)',
      [
        ['response_type', 'code'],
        ['client_id', CONFIDENTIAL.clientId],
        ['client_id', CONFIDENTIAL.clientId],
        ['redirect_uri', CONFIDENTIAL.redirectUri],
      ],
      'invalid_request',
    ],
    [
      'repeated client_id (two clients)',
      [
        ['response_type', 'code'],
        ['client_id', CONFIDENTIAL.clientId],
        ['client_id', TENANT.clientId],
        ['redirect_uri', CONFIDENTIAL.redirectUri],
      ],
      'invalid_request',
    ],
    [
      'repeated redirect_uri (same value)',
      [
        ['response_type', 'code'],
        ['client_id', CONFIDENTIAL.clientId],
        ['redirect_uri', CONFIDENTIAL.redirectUri],
        ['redirect_uri', CONFIDENTIAL.redirectUri],
      ],
      'invalid_request',
    ],
    [
      'repeated redirect_uri (registered first, evil second)',
      [
        ['response_type', 'code'],
        ['client_id', CONFIDENTIAL.clientId],
        ['redirect_uri', CONFIDENTIAL.redirectUri],
        ['redirect_uri', 'https://evil.example/'],
      ],
      'invalid_request',
    ],
    [
      'repeated redirect_uri (evil first, registered second)',
      [
        ['response_type', 'code'],
        ['client_id', CONFIDENTIAL.clientId],
        ['redirect_uri', 'https://evil.example/'],
        ['redirect_uri', CONFIDENTIAL.redirectUri],
      ],
      'invalid_request',
    ],
    [
      'redirect_uri omitted while the client registered two',
      [
        ['response_type', 'code'],
        ['client_id', TWO_URIS.clientId],
      ],
      'invalid_request',
    ],
  ]
  for (const [name, params, error] of cases) {
    it(`${name} → HTML error page (400, ${error}), no Location`, async () => {
      expectErrorPage(await request(authorizeUrl(server.url, [...params, ['state', 'st']])), error)
    })
  }

  const unregistered = [
    'https://evil.example/callback',
    'https://client.example/callbackx',
    'https://client.example/callback/',
    'https://client.example/callback/extra',
    'https://client.example/call',
    'https://client.example/',
    'https://client.example',
    'https://client.example/callback.evil.example',
    'https://client.example.evil.example/callback',
    'https://client.example@evil.example/callback',
    'https://evil@client.example/callback',
    'https://CLIENT.EXAMPLE/callback',
    'HTTPS://client.example/callback',
    'https://client.example/CALLBACK',
    'https://client.example/%63allback',
    'https://client.example/./callback',
    'https://client.example/x/../callback',
    'https://client.example:443/callback',
    'https://client.example:8443/callback',
    'http://client.example/callback',
    'https://client.example/callback?',
    'https://client.example/callback?x=1',
    'https://client.example/callback?redirect=https://evil.example',
    'https://client.example/callback#',
    'https://client.example/callback#frag',
    ' https://client.example/callback',
    'https://client.example/callback ',
    'https://client.example/callback\t',
    '//evil.example/callback',
    '/callback',
    'callback',
    '',
    'javascript:alert(1)//https://client.example/callback',
  ]
  for (const redirectUri of unregistered) {
    it(`redirect_uri ${JSON.stringify(redirectUri)} (not registered) → HTML error page (400, invalid_request), no Location`, async () => {
      const url = authorizeUrl(server.url, { ...base, client_id: CONFIDENTIAL.clientId, redirect_uri: redirectUri })
      const result = await request(url)
      expectErrorPage(result, 'invalid_request')
      expect(result.body).not.toContain('evil.example')
    })
  }

  it('a prefix of a registered URI with a query is refused too (https://client.example/cb without ?tenant=1, and with ?tenant=2)', async () => {
    for (const redirectUri of [
      'https://client.example/cb',
      'https://client.example/cb?tenant=2',
      'https://client.example/cb?tenant=1&x=1',
      'https://client.example/cb?tenant=01',
    ]) {
      expectErrorPage(
        await request(authorizeUrl(server.url, { ...base, client_id: TENANT.clientId, redirect_uri: redirectUri })),
        'invalid_request',
      )
    }
  })

  it('a URI registered for another client is refused', async () => {
    const url = authorizeUrl(server.url, { ...base, client_id: CONFIDENTIAL.clientId, redirect_uri: PUBLIC_CLIENT.redirectUri })
    expectErrorPage(await request(url), 'invalid_request')
  })

  it('either URI of a client with two is accepted when named exactly', async () => {
    for (const redirectUri of TWO_URIS.redirectUris) {
      const url = authorizeUrl(server.url, { ...base, client_id: TWO_URIS.clientId, redirect_uri: redirectUri })
      const result = await submitForm(await openLoginPage(url))
      expect(result.status).toBe(303)
      expect(responseParams(result.location, redirectUri).get('state')).toBe('st')
    }
  })

  it('client_id in both the query and the POST body counts as repeated → error page, no Location', async () => {
    const url = authorizeUrl(server.url, { ...base, client_id: CONFIDENTIAL.clientId, redirect_uri: CONFIDENTIAL.redirectUri })
    const page = await openLoginPage(url)
    const result = await request(page.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie },
      body: new URLSearchParams({ client_id: CONFIDENTIAL.clientId, csrf_token: page.csrfToken, action: 'approve', ...USER }),
    })
    expectErrorPage(result, 'invalid_request')
  })

  it('a redirect_uri in the POST body cannot replace a missing one: an unregistered body redirect_uri is refused', async () => {
    const url = authorizeUrl(server.url, { ...base, client_id: CONFIDENTIAL.clientId })
    const page = await openLoginPage(url)
    const codes = server.tokenStore.size.codes
    const result = await request(page.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie },
      body: new URLSearchParams({ redirect_uri: 'https://evil.example/', csrf_token: page.csrfToken, action: 'approve', ...USER }),
    })
    expectErrorPage(result, 'invalid_request')
    expect(server.tokenStore.size.codes).toBe(codes)
  })
})

describe('RFC 8252 section 7.3: loopback IP redirect URIs of native apps may use any port', () => {
  const pkce = pkcePair()
  const loopbackParams = (clientId: string, redirectUri: string): Record<string, string> => ({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    state: 'lb',
  })

  it('http://127.0.0.1/cb registered → http://127.0.0.1:51234/cb accepted, the response goes to that port, and the code redeems with the same redirect_uri', async () => {
    const redirectUri = 'http://127.0.0.1:51234/cb'
    const client: oauth.Client = { client_id: NATIVE_V4.clientId, token_endpoint_auth_method: 'none' }
    const result = await submitForm(await openLoginPage(authorizeUrl(server.url, loopbackParams(NATIVE_V4.clientId, redirectUri))))
    expect(result.status).toBe(303)
    responseParams(result.location, redirectUri)
    const callback = oauth.validateAuthResponse(as, client, new URL(result.location ?? ''), 'lb')
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, redirectUri, pkce.verifier, {
      [oauth.allowInsecureRequests]: true,
    })
    expect((await oauth.processAuthorizationCodeResponse(as, client, response)).token_type).toBe('bearer')
  })

  it('the registered loopback URI itself (no port) is accepted', async () => {
    const result = await submitForm(
      await openLoginPage(authorizeUrl(server.url, loopbackParams(NATIVE_V4.clientId, NATIVE_V4.redirectUri))),
    )
    expect(result.status).toBe(303)
    responseParams(result.location, NATIVE_V4.redirectUri)
  })

  it('http://[::1]/cb registered → http://[::1]:51234/cb accepted', async () => {
    const redirectUri = 'http://[::1]:51234/cb'
    const result = await submitForm(await openLoginPage(authorizeUrl(server.url, loopbackParams(NATIVE_V6.clientId, redirectUri))))
    expect(result.status).toBe(303)
    responseParams(result.location, redirectUri)
  })

  it('any port means any: an explicit default port (http://127.0.0.1:80/cb) is accepted too, and the response goes to it as sent', async () => {
    const redirectUri = 'http://127.0.0.1:80/cb'
    const page = await request(authorizeUrl(server.url, loopbackParams(NATIVE_V4.clientId, redirectUri)))
    expect(page.location).toBeUndefined()
    expect(page.status).toBe(200)
    const result = await submitForm(await openLoginPage(authorizeUrl(server.url, loopbackParams(NATIVE_V4.clientId, redirectUri))))
    expect(result.status).toBe(303)
    responseParams(result.location, redirectUri)
  })

  const refused = [
    'http://localhost:51234/cb',
    'http://localhost/cb',
    'http://127.0.0.1:51234/cb2',
    'http://127.0.0.1:51234/',
    'http://127.0.0.1:51234',
    'http://127.0.0.1:51234/cb/',
    'http://127.0.0.1:51234/CB',
    'http://127.0.0.1:51234/cb?x=1',
    'http://127.0.0.1:51234/cb?',
    'http://127.0.0.1:51234/cb#f',
    'http://127.0.0.1:51234/x/../cb',
    'http://127.0.0.2:51234/cb',
    'http://127.1:51234/cb',
    'http://2130706433:51234/cb',
    'http://[::ffff:127.0.0.1]:51234/cb',
    'http://user@127.0.0.1:51234/cb',
    'http://127.0.0.1:51234@evil.example/cb',
    'http://127.0.0.1.evil.example:51234/cb',
    'https://127.0.0.1:51234/cb',
    'HTTP://127.0.0.1:51234/cb',
    'http://[::1]:51234/cb',
  ]
  for (const redirectUri of refused) {
    it(`${redirectUri} for a client registered with http://127.0.0.1/cb → error page, no Location`, async () => {
      expectErrorPage(await request(authorizeUrl(server.url, loopbackParams(NATIVE_V4.clientId, redirectUri))), 'invalid_request')
    })
  }

  it('the port exception is for loopback IPs only: a https client cannot change its port', async () => {
    const url = authorizeUrl(server.url, {
      response_type: 'code',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: 'https://client.example:51234/callback',
    })
    expectErrorPage(await request(url), 'invalid_request')
  })
})
