/**
 * Authorization endpoint over real HTTP: error responses once the client and its redirect URI are valid
 * (RFC 6749 section 4.1.2.1 and 4.2.2.1) — redirected, with state and iss (RFC 9207) — and the HTTP
 * method rules (RFC 6749 section 3.1).
 */
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  authorizationServer,
  authorizeUrl,
  protectedPageHeaders,
  PROTECTED_PAGE_HEADERS,
  request,
  responseParams,
  type RawResult,
} from '../helpers/browser.ts'
import { CONFIDENTIAL, startTestServer, type TestServer } from '../helpers/test-server.ts'

const CODE_ONLY = { clientId: 'code-only', redirectUri: 'https://code-only.example/cb' } as const
const TOKEN_ONLY = { clientId: 'token-only', redirectUri: 'https://token-only.example/cb' } as const
const LIMITED = { clientId: 'limited-scopes', redirectUri: 'https://limited.example/cb' } as const
const SECRET = 'S'.repeat(43)

/** RFC 6749 section 4.1.2.1: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E ). */
const DESCRIPTION_CHARSET = /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/

let server: TestServer
let as: oauth.AuthorizationServer

beforeAll(async () => {
  server = await startTestServer({
    clients: [
      { clientId: CODE_ONLY.clientId, clientSecret: SECRET, redirectUris: [CODE_ONLY.redirectUri], responseTypes: ['code'] },
      { clientId: TOKEN_ONLY.clientId, clientSecret: SECRET, redirectUris: [TOKEN_ONLY.redirectUri], responseTypes: ['token'] },
      { clientId: LIMITED.clientId, clientSecret: SECRET, redirectUris: [LIMITED.redirectUri], scopes: ['read'] },
    ],
  })
  as = authorizationServer(server)
})
afterAll(() => server.close())

const confidential = (params: readonly (readonly [string, string])[]): string =>
  authorizeUrl(server.url, [['client_id', CONFIDENTIAL.clientId], ['redirect_uri', CONFIDENTIAL.redirectUri], ...params])

/**
 * Asserts an error redirect (302 after GET) to `redirectUri` carrying exactly error, error_description,
 * state and iss, that oauth4webapi accepts as a genuine error response of this issuer, and returns its
 * parameters.
 */
function expectErrorRedirect(
  result: RawResult,
  redirectUri: string,
  error: string,
  state: string | undefined,
  mode: 'query' | 'fragment' = 'query',
  status = 302,
): URLSearchParams {
  expect(result.status).toBe(status)
  expect(result.headers.get('cache-control')).toBe('no-store')
  const params = responseParams(result.location, redirectUri, mode)
  expect(params.get('error')).toBe(error)
  expect(params.get('iss')).toBe(server.issuer)
  expect(params.get('state') ?? undefined).toBe(state)
  expect([...params.keys()].sort()).toEqual(['error', 'error_description', 'iss', ...(state === undefined ? [] : ['state'])].sort())
  expect(params.get('error_description')).toMatch(DESCRIPTION_CHARSET)
  expect(params.has('code')).toBe(false)
  expect(params.has('access_token')).toBe(false)
  let thrown: unknown
  try {
    oauth.validateAuthResponse(as, { client_id: 'any' }, params, state ?? oauth.expectNoState)
  } catch (caught) {
    thrown = caught
  }
  expect(thrown).toBeInstanceOf(oauth.AuthorizationResponseError)
  expect((thrown as oauth.AuthorizationResponseError).error).toBe(error)
  return params
}

describe('RFC 6749 section 4.1.2.1: errors after client and redirect_uri are validated are redirected with state and iss', () => {
  it('missing response_type → invalid_request', async () => {
    expectErrorRedirect(await request(confidential([['state', 's1']])), CONFIDENTIAL.redirectUri, 'invalid_request', 's1')
  })

  it('empty response_type → unsupported_response_type or invalid_request, redirected', async () => {
    const result = await request(
      confidential([
        ['response_type', ''],
        ['state', 's1'],
      ]),
    )
    const params = responseParams(result.location, CONFIDENTIAL.redirectUri)
    expect(['invalid_request', 'unsupported_response_type']).toContain(params.get('error'))
    expect(params.get('state')).toBe('s1')
    expect(params.get('iss')).toBe(server.issuer)
  })

  it('unknown response_type → unsupported_response_type', async () => {
    expectErrorRedirect(
      await request(
        confidential([
          ['response_type', 'bogus'],
          ['state', 's2'],
        ]),
      ),
      CONFIDENTIAL.redirectUri,
      'unsupported_response_type',
      's2',
    )
  })

  it('response_type with another case (CODE) → unsupported_response_type (values are case-sensitive, RFC 6749 section 3.1.1)', async () => {
    expectErrorRedirect(
      await request(
        confidential([
          ['response_type', 'CODE'],
          ['state', 's2'],
        ]),
      ),
      CONFIDENTIAL.redirectUri,
      'unsupported_response_type',
      's2',
    )
  })

  it('hybrid "code token" (not served) → unsupported_response_type', async () => {
    expectErrorRedirect(
      await request(
        confidential([
          ['response_type', 'code token'],
          ['state', 's3'],
        ]),
      ),
      CONFIDENTIAL.redirectUri,
      'unsupported_response_type',
      's3',
    )
  })

  it('without state the error response carries no state', async () => {
    expectErrorRedirect(
      await request(confidential([['response_type', 'bogus']])),
      CONFIDENTIAL.redirectUri,
      'unsupported_response_type',
      undefined,
    )
  })

  it('RFC 6749 section 4.1.2.1: error_description stays within %x20-21 / %x23-5B / %x5D-7E even when response_type is attacker-chosen', async () => {
    const result = await request(
      confidential([
        ['response_type', 'to"k\\en\u00e9\u20ac\n'],
        ['state', 's4'],
      ]),
    )
    expectErrorRedirect(result, CONFIDENTIAL.redirectUri, 'unsupported_response_type', 's4')
  })

  it('RFC 6749 section 3.1: repeated scope → invalid_request (state of the first occurrence kept)', async () => {
    const result = await request(
      confidential([
        ['response_type', 'code'],
        ['scope', 'read'],
        ['scope', 'write'],
        ['state', 's5'],
      ]),
    )
    expectErrorRedirect(result, CONFIDENTIAL.redirectUri, 'invalid_request', 's5')
  })

  it('RFC 6749 section 3.1: repeated state → invalid_request, redirected with one of the states and iss', async () => {
    const result = await request(
      confidential([
        ['response_type', 'code'],
        ['state', 'first'],
        ['state', 'second'],
      ]),
    )
    expect(result.status).toBe(302)
    const params = responseParams(result.location, CONFIDENTIAL.redirectUri)
    expect(params.get('error')).toBe('invalid_request')
    expect(params.get('iss')).toBe(server.issuer)
    expect(params.getAll('state')).toHaveLength(1)
    expect(['first', 'second']).toContain(params.get('state'))
  })

  it('RFC 6749 section 3.1: repeated response_type → invalid_request', async () => {
    const result = await request(
      confidential([
        ['response_type', 'code'],
        ['response_type', 'code'],
        ['state', 's6'],
      ]),
    )
    expectErrorRedirect(result, CONFIDENTIAL.redirectUri, 'invalid_request', 's6')
  })

  it('RFC 6749 section 3.1: repeated code_challenge → invalid_request', async () => {
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    const result = await request(
      confidential([
        ['response_type', 'code'],
        ['code_challenge', challenge],
        ['code_challenge', challenge],
        ['code_challenge_method', 'S256'],
        ['state', 's7'],
      ]),
    )
    expectErrorRedirect(result, CONFIDENTIAL.redirectUri, 'invalid_request', 's7')
  })

  it('RFC 6749 section 3.3: unknown scope → invalid_scope', async () => {
    expectErrorRedirect(
      await request(
        confidential([
          ['response_type', 'code'],
          ['scope', 'read admin'],
          ['state', 's8'],
        ]),
      ),
      CONFIDENTIAL.redirectUri,
      'invalid_scope',
      's8',
    )
  })

  it('RFC 6749 section 3.3: malformed scope (double space, quote, empty) → invalid_scope', async () => {
    for (const scope of ['read  write', 'read "write"', '', ' read', 'read\\']) {
      expectErrorRedirect(
        await request(
          confidential([
            ['response_type', 'code'],
            ['scope', scope],
            ['state', 's9'],
          ]),
        ),
        CONFIDENTIAL.redirectUri,
        'invalid_scope',
        's9',
      )
    }
  })

  it("RFC 6749 section 3.3: a scope outside the client's own allowance → invalid_scope", async () => {
    const url = authorizeUrl(server.url, {
      response_type: 'code',
      client_id: LIMITED.clientId,
      redirect_uri: LIMITED.redirectUri,
      scope: 'read write',
      state: 's10',
    })
    expectErrorRedirect(await request(url), LIMITED.redirectUri, 'invalid_scope', 's10')
  })

  it('RFC 6749 section 4.1.2.1: a client registered for code only asking response_type=token → unauthorized_client, in the fragment (section 4.2.2.1)', async () => {
    const url = authorizeUrl(server.url, {
      response_type: 'token',
      client_id: CODE_ONLY.clientId,
      redirect_uri: CODE_ONLY.redirectUri,
      state: 's11',
    })
    const result = await request(url)
    expectErrorRedirect(result, CODE_ONLY.redirectUri, 'unauthorized_client', 's11', 'fragment')
    expect(new URL(result.location ?? '').search).toBe('')
  })

  it('RFC 6749 section 4.1.2.1: a client registered for token only asking response_type=code → unauthorized_client, in the query', async () => {
    const url = authorizeUrl(server.url, {
      response_type: 'code',
      client_id: TOKEN_ONLY.clientId,
      redirect_uri: TOKEN_ONLY.redirectUri,
      state: 's12',
    })
    expectErrorRedirect(await request(url), TOKEN_ONLY.redirectUri, 'unauthorized_client', 's12')
  })

  it('no code is stored for any error response', async () => {
    const before = server.tokenStore.size
    await request(confidential([['response_type', 'bogus']]))
    await request(
      confidential([
        ['response_type', 'code'],
        ['scope', 'nope'],
      ]),
    )
    expect(server.tokenStore.size).toEqual(before)
  })
})

describe('RFC 6749 section 3.1: HTTP methods of the authorization endpoint', () => {
  for (const method of ['PUT', 'DELETE', 'PATCH']) {
    it(`${method} → 405 with Allow: GET, POST and an HTML error page, no Location`, async () => {
      const result = await request(
        confidential([
          ['response_type', 'code'],
          ['state', 'm'],
        ]),
        { method },
      )
      expect(result.status).toBe(405)
      expect(result.headers.get('allow')).toBe('GET, POST')
      expect(result.location).toBeUndefined()
      expect(result.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(protectedPageHeaders(result.headers)).toEqual(PROTECTED_PAGE_HEADERS)
    })
  }

  it('PUT with a form body → 405, never 5xx', async () => {
    const result = await request(`${server.url}/authorize`, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'client_id=confidential&response_type=code',
    })
    expect(result.status).toBe(405)
    expect(result.headers.get('allow')).toBe('GET, POST')
  })

  it('POST with a JSON body carrying the parameters → 400 error page (no form parameters, no client_id), no Location, no 5xx', async () => {
    const result = await request(`${server.url}/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: CONFIDENTIAL.clientId, redirect_uri: CONFIDENTIAL.redirectUri, response_type: 'code' }),
    })
    expect(result.status).toBe(400)
    expect(result.location).toBeUndefined()
    expect(result.body).toContain('<code>invalid_request</code>')
  })

  it('POST with a JSON body and the parameters in the query → no CSRF proof: 400 error page, no Location, no code', async () => {
    const codes = server.tokenStore.size.codes
    const result = await request(
      confidential([
        ['response_type', 'code'],
        ['state', 'j'],
      ]),
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'approve', username: 'alice', password: 'wonderland', csrf_token: 'x' }),
      },
    )
    expect(result.status).toBe(400)
    expect(result.location).toBeUndefined()
    expect(server.tokenStore.size.codes).toBe(codes)
  })

  it('POST with malformed JSON and a JSON content type → 4xx, never 5xx', async () => {
    const result = await request(confidential([['response_type', 'code']]), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    })
    expect(result.status).toBe(400)
    expect(result.location).toBeUndefined()
  })

  it('POST with a body larger than the adapter limit → 413 page, no Location', async () => {
    const result = await request(confidential([['response_type', 'code']]), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `state=${'A'.repeat(70_000)}`,
    })
    expect(result.status).toBe(413)
    expect(result.location).toBeUndefined()
  })
})
