/**
 * Resource indicators (RFC 8707) over real HTTP through every adapter, driven by oauth4webapi: the default
 * resource for requests without `resource`, the policy at the authorization endpoint (a redirected
 * `invalid_target`) and at the token endpoint, the bound set narrowed per access token while the family
 * keeps it, the audience as JWT `aud` and in introspection, and introspection outside the audience
 * (RFC 7662 section 4).
 */
import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DeviceCodeGrant } from '../../src/grants/index.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import type { NodeEnviron } from '../../src/web/index.ts'
import { enterCode, formOf, openLoginPage, submitForm } from '../helpers/browser.ts'
import { JwtTokenGenerator } from '../../src/tokens/index.ts'
import type { Client } from '../../src/types.ts'
import {
  authorizationServer,
  basicAuth,
  confidentialClient,
  insecure,
  noAuth,
  publicClient,
  refresh,
  refreshTokenOf,
} from '../helpers/oauth-client.ts'
import { authorizeInBrowser, CONFIDENTIAL, startTestServer, USER, type TestServer } from '../helpers/test-server.ts'

const API = 'https://api.example.com'
const MCP = 'https://mcp.example.com/mcp'
const FORBIDDEN = 'https://forbidden.example.com'
const KNOWN = [API, MCP, 'https://only-listed.example.com']
const RESOURCE_SERVER = { clientId: 'api-server', clientSecret: 'C'.repeat(20) + 'resource-server-secret-0123456789' }
const LISTED = { clientId: 'listed-client', clientSecret: 'D'.repeat(20) + 'listed-client-secret-0123456789abc' }

/** The policy under test: a default (MCP), known resources, and one client with a list of its own. */
function resourceOptions(): { resources: { default: string; allowed: (client: Client, requested: readonly string[]) => boolean } } {
  return { resources: { default: MCP, allowed: (_client, requested) => requested.every((resource) => KNOWN.includes(resource)) } }
}

const clients = [
  { ...RESOURCE_SERVER, grantTypes: [], resources: [API] },
  { ...LISTED, redirectUris: ['https://listed.example/cb'], resources: [API, 'https://only-listed.example.com/'] },
]

/** Authorizes like a browser with the given `resource` values and validates the redirect with oauth4webapi. */
async function authorize(server: TestServer, resources: readonly string[]): Promise<{ callback: URLSearchParams; verifier: string }> {
  const url = new URL(`${server.url}/authorize`)
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', CONFIDENTIAL.clientId)
  url.searchParams.set('redirect_uri', CONFIDENTIAL.redirectUri)
  url.searchParams.set('scope', 'read')
  url.searchParams.set('state', state)
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier))
  url.searchParams.set('code_challenge_method', 'S256')
  for (const resource of resources) url.searchParams.append('resource', resource)
  const result = await authorizeInBrowser(url.toString(), { action: 'approve', ...USER })
  expect(result.status, result.body).toBe(303)
  const callback = oauth.validateAuthResponse(authorizationServer(server), confidentialClient, result.params!, state)
  return { callback, verifier }
}

function resourceParams(resources: readonly string[]): URLSearchParams {
  return new URLSearchParams(resources.map((resource): [string, string] => ['resource', resource]))
}

/** Redeems a code with oauth4webapi, asking for `resources` at the token endpoint. */
async function redeem(
  server: TestServer,
  code: { callback: URLSearchParams; verifier: string },
  resources: readonly string[] = [],
): Promise<Response> {
  return oauth.authorizationCodeGrantRequest(
    authorizationServer(server),
    confidentialClient,
    basicAuth,
    code.callback,
    CONFIDENTIAL.redirectUri,
    code.verifier,
    { ...insecure, additionalParameters: resourceParams(resources) },
  )
}

async function tokensOf(server: TestServer, response: Response): Promise<oauth.TokenEndpointResponse> {
  return oauth.processAuthorizationCodeResponse(authorizationServer(server), confidentialClient, response)
}

async function expectInvalidTarget(response: Response): Promise<void> {
  expect(response.status).toBe(400)
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(((await response.json()) as { error: string }).error).toBe('invalid_target')
}

describe('RFC 8707 resource indicators (opaque tokens)', () => {
  let server: TestServer
  let as: oauth.AuthorizationServer
  beforeAll(async () => {
    server = await startTestServer({
      clients,
      controller: {
        ...resourceOptions(),
        introspection: { mayIntrospectAll: (client) => client.clientId === RESOURCE_SERVER.clientId },
      },
    })
    as = { ...authorizationServer(server), introspection_endpoint: `${server.url}/introspect` }
  })
  afterAll(() => server.close())

  const audienceOf = async (accessToken: string): Promise<readonly string[] | undefined> =>
    (await server.tokenStore.fetchByToken(hashToken(accessToken)))?.context?.resources
  const familySetOf = async (refreshToken: string): Promise<readonly string[] | undefined> =>
    (await server.tokenStore.fetchByRefreshToken(hashToken(refreshToken)))?.context?.resources
  const introspect = async (token: string, client = RESOURCE_SERVER): Promise<oauth.IntrospectionResponse> => {
    const response = await oauth.introspectionRequest(
      as,
      { client_id: client.clientId },
      oauth.ClientSecretBasic(client.clientSecret),
      token,
      insecure,
    )
    return oauth.processIntrospectionResponse(as, { client_id: client.clientId }, response)
  }

  it('gives a request without resource the default resource, never every resource', async () => {
    const tokens = await tokensOf(server, await redeem(server, await authorize(server, [])))
    expect(await audienceOf(tokens.access_token)).toEqual([MCP])
    expect(await familySetOf(refreshTokenOf(tokens))).toEqual([MCP])
  })

  it('binds the requested set (any spelling of a resource) through the consent form to the code and the family', async () => {
    const code = await authorize(server, ['HTTPS://API.example.com/', MCP])
    const tokens = await tokensOf(server, await redeem(server, code))
    expect(await audienceOf(tokens.access_token)).toEqual([API, MCP])
    expect(await familySetOf(refreshTokenOf(tokens))).toEqual([API, MCP])
  })

  it('picks the audience of an access token from the bound set at /token; the family keeps its whole set', async () => {
    const tokens = await tokensOf(server, await redeem(server, await authorize(server, [API, MCP]), [API]))
    expect(await audienceOf(tokens.access_token)).toEqual([API])
    expect(await familySetOf(refreshTokenOf(tokens))).toEqual([API, MCP])
    // Narrowing at refresh, to the other member of the set: allowed, because the family kept it.
    const second = await refresh(server, refreshTokenOf(tokens), confidentialClient, basicAuth, { resource: MCP })
    expect(await audienceOf(second.access_token)).toEqual([MCP])
    expect(await familySetOf(refreshTokenOf(second))).toEqual([API, MCP])
    // Without resource, a refresh gets the whole set again.
    const third = await refresh(server, refreshTokenOf(second))
    expect(await audienceOf(third.access_token)).toEqual([API, MCP])
  })

  it('refuses a refresh asking for a resource outside the family with invalid_target, and the token stays usable', async () => {
    const tokens = await tokensOf(server, await redeem(server, await authorize(server, [API])))
    const refused = await oauth.refreshTokenGrantRequest(as, confidentialClient, basicAuth, refreshTokenOf(tokens), {
      ...insecure,
      additionalParameters: { resource: MCP },
    })
    await expectInvalidTarget(refused)
    const next = await refresh(server, refreshTokenOf(tokens), confidentialClient, basicAuth, { resource: API })
    expect(await audienceOf(next.access_token)).toEqual([API])
  })

  it('refuses a code exchange asking for a resource outside the code with invalid_target, without burning the code', async () => {
    const code = await authorize(server, [API])
    await expectInvalidTarget(await redeem(server, code, [MCP]))
    await expectInvalidTarget(await redeem(server, code, ['not a uri']))
    const tokens = await tokensOf(server, await redeem(server, code, [API]))
    expect(await audienceOf(tokens.access_token)).toEqual([API])
  })

  it.each([
    ['not allowed', FORBIDDEN],
    ['not absolute', '/api'],
    ['with a fragment', `${API}/#x`],
  ])('redirects a resource %s back to the client as invalid_target, with state and iss', async (_name, resource) => {
    const state = oauth.generateRandomState()
    const url = new URL(`${server.url}/authorize`)
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: CONFIDENTIAL.clientId,
      redirect_uri: CONFIDENTIAL.redirectUri,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }))
      url.searchParams.set(name, value)
    url.searchParams.append('resource', API)
    url.searchParams.append('resource', resource)
    const answer = await fetch(url, { redirect: 'manual' })
    expect(answer.status).toBe(302)
    const params = new URL(answer.headers.get('location')!).searchParams
    try {
      oauth.validateAuthResponse(authorizationServer(server), confidentialClient, params, state)
      expect.unreachable('oauth4webapi accepted an error response')
    } catch (error) {
      expect(error).toBeInstanceOf(oauth.AuthorizationResponseError)
      expect((error as oauth.AuthorizationResponseError).error).toBe('invalid_target')
    }
  })

  it("client credentials: the requested resources, else the client's own list, else the default; others are invalid_target", async () => {
    const grant = async (client: typeof LISTED | typeof CONFIDENTIAL, resources: readonly string[]): Promise<Response> =>
      oauth.clientCredentialsGrantRequest(
        as,
        { client_id: client.clientId },
        oauth.ClientSecretBasic(client.clientSecret),
        new URLSearchParams([
          ['scope', 'read'] as [string, string],
          ...resources.map((resource): [string, string] => ['resource', resource]),
        ]),
        insecure,
      )
    const token = async (client: typeof LISTED | typeof CONFIDENTIAL, resources: readonly string[]): Promise<string> =>
      (await oauth.processClientCredentialsResponse(as, { client_id: client.clientId }, await grant(client, resources))).access_token
    expect(await audienceOf(await token(CONFIDENTIAL, [API]))).toEqual([API])
    // RFC 8707 section 2: resource may be repeated at the token endpoint (no other parameter may).
    expect(await audienceOf(await token(CONFIDENTIAL, [API, MCP]))).toEqual([API, MCP])
    const repeated = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CONFIDENTIAL.clientId}:${CONFIDENTIAL.clientSecret}`).toString('base64')}`,
      },
      body: `grant_type=client_credentials&resource=${encodeURIComponent(API)}&resource=${encodeURIComponent(MCP)}&scope=read&scope=write`,
    })
    expect(repeated.status).toBe(400)
    expect(await repeated.json()).toMatchObject({ error: 'invalid_request', error_description: 'Repeated parameter: scope.' })
    expect(await audienceOf(await token(CONFIDENTIAL, []))).toEqual([MCP])
    expect(await audienceOf(await token(LISTED, []))).toEqual([API, 'https://only-listed.example.com'])
    expect(await audienceOf(await token(LISTED, ['https://only-listed.example.com']))).toEqual(['https://only-listed.example.com'])
    await expectInvalidTarget(await grant(CONFIDENTIAL, [FORBIDDEN]))
    // Known to the server, but not on this client's list.
    await expectInvalidTarget(await grant(LISTED, [MCP]))
  })

  it('password grant: the requested resource is the audience, and its refresh family keeps it', async () => {
    const response = await oauth.genericTokenEndpointRequest(
      as,
      confidentialClient,
      basicAuth,
      'password',
      new URLSearchParams({ username: USER.username, password: USER.password, scope: 'read', resource: API }),
      insecure,
    )
    const tokens = await oauth.processGenericTokenEndpointResponse(as, confidentialClient, response)
    expect(await audienceOf(tokens.access_token)).toEqual([API])
    expect(await familySetOf(refreshTokenOf(tokens))).toEqual([API])
  })

  it('introspection: aud for the resource server the token is for; active: false for one outside it, even with mayIntrospectAll', async () => {
    const forApi = await tokensOf(server, await redeem(server, await authorize(server, [API, MCP])))
    const answer = await introspect(forApi.access_token)
    expect(answer).toMatchObject({ active: true, aud: [API, MCP], client_id: CONFIDENTIAL.clientId, sub: USER.username })
    const narrowed = await refresh(server, refreshTokenOf(forApi), confidentialClient, basicAuth, { resource: API })
    expect(await introspect(narrowed.access_token)).toMatchObject({ active: true, aud: API })
    // RFC 7662 section 4: the api-server (resources [API]) learns nothing about a token for MCP only.
    const forMcp = await tokensOf(server, await redeem(server, await authorize(server, [MCP])))
    expect(await introspect(forMcp.access_token)).toEqual({ active: false })
    // The token's own client still sees it, with its audience.
    expect(await introspect(forMcp.access_token, CONFIDENTIAL)).toMatchObject({ active: true, aud: MCP })
  })
})

describe('RFC 8707 resource indicators (RFC 9068 JWT access tokens)', () => {
  let server: TestServer
  let as: oauth.AuthorizationServer
  beforeAll(async () => {
    const key = await JwtTokenGenerator.generateKey('ES256', 'key-1')
    server = await startTestServer({
      clients,
      controller: (issuer) => ({
        ...resourceOptions(),
        tokenGenerator: new JwtTokenGenerator({ issuer, keys: [key], clock: () => server.clock.now() }),
        introspection: { mayIntrospectAll: (client) => client.clientId === RESOURCE_SERVER.clientId },
      }),
    })
    as = { ...authorizationServer(server), introspection_endpoint: `${server.url}/introspect` }
  })
  afterAll(() => server.close())

  it('makes the resource the aud claim: one as a string, several as an array, the default when none was asked', async () => {
    const two = await tokensOf(server, await redeem(server, await authorize(server, [API, MCP])))
    expect(decodeJwt(two.access_token).aud).toEqual([API, MCP])
    const one = await tokensOf(server, await redeem(server, await authorize(server, [API, MCP]), [MCP]))
    expect(decodeJwt(one.access_token).aud).toBe(MCP)
    const refreshed = await refresh(server, refreshTokenOf(one), confidentialClient, basicAuth, { resource: API })
    expect(decodeJwt(refreshed.access_token).aud).toBe(API)
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      confidentialClient,
      basicAuth,
      new URLSearchParams({ scope: 'read' }),
      insecure,
    )
    const defaulted = await oauth.processClientCredentialsResponse(as, confidentialClient, response)
    expect(decodeJwt(defaulted.access_token).aud).toBe(MCP)
  })

  it('introspection of a JWT: aud for the resource server it is for, active: false outside it even with mayIntrospectAll (RFC 7662 section 4)', async () => {
    const introspect = async (token: string): Promise<oauth.IntrospectionResponse> => {
      const client = { client_id: RESOURCE_SERVER.clientId }
      const auth = oauth.ClientSecretBasic(RESOURCE_SERVER.clientSecret)
      return oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, token, insecure))
    }
    const forApi = await tokensOf(server, await redeem(server, await authorize(server, [API])))
    expect(await introspect(forApi.access_token)).toMatchObject({ active: true, aud: API })
    const forMcp = await tokensOf(server, await redeem(server, await authorize(server, [MCP])))
    expect(await introspect(forMcp.access_token)).toEqual({ active: false })
  })
})

describe('RFC 8707 resource indicators at the device authorization endpoint (RFC 8628)', () => {
  let server: TestServer
  let as: oauth.AuthorizationServer
  beforeAll(async () => {
    server = await startTestServer({ clients, controller: resourceOptions() })
    server.controller.addGrant(new DeviceCodeGrant<NodeEnviron>())
    const issuer = new URL(server.issuer)
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
  })
  afterAll(() => server.close())

  const start = (resources: readonly string[]): Promise<Response> =>
    oauth.deviceAuthorizationRequest(as, publicClient, noAuth, resourceParams(resources), insecure)

  it('binds the requested set to the device code; the token endpoint narrows it; the family keeps it', async () => {
    const device = await oauth.processDeviceAuthorizationResponse(as, publicClient, await start([API, MCP]))
    const entry = await openLoginPage(device.verification_uri)
    const consent = await enterCode(entry, device.user_code)
    expect((await submitForm(formOf(consent, entry), { action: 'approve', ...USER })).status).toBe(200)
    server.clock.advance(5)
    const response = await oauth.deviceCodeGrantRequest(as, publicClient, noAuth, device.device_code, {
      ...insecure,
      additionalParameters: { resource: API },
    })
    const tokens = await oauth.processDeviceCodeResponse(as, publicClient, response)
    expect((await server.tokenStore.fetchByToken(hashToken(tokens.access_token)))?.context?.resources).toEqual([API])
    expect((await server.tokenStore.fetchByRefreshToken(hashToken(refreshTokenOf(tokens))))?.context?.resources).toEqual([API, MCP])
  })

  it('refuses a resource the policy does not allow with invalid_target', async () => {
    await expectInvalidTarget(await start([FORBIDDEN]))
  })

  it('refuses a poll asking for a resource outside the device code with invalid_target, before polling', async () => {
    const device = await oauth.processDeviceAuthorizationResponse(as, publicClient, await start([]))
    const response = await oauth.deviceCodeGrantRequest(as, publicClient, noAuth, device.device_code, {
      ...insecure,
      additionalParameters: { resource: API },
    })
    await expectInvalidTarget(response)
  })
})
