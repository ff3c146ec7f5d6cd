/**
 * RFC 8628 device authorization grant through real HTTP, under every adapter: the device side with
 * oauth4webapi (and raw requests where the exact error matters), the user side like a browser (cookie +
 * CSRF field) on the verification page.
 *
 * Design choice checked here: once a device code has been redeemed, further polls answer `invalid_grant`
 * (the code is spent), not `expired_token`.
 */
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVICE_CODE_GRANT_TYPE, DeviceCodeGrant } from '../../src/grants/index.ts'
import type { NodeEnviron } from '../../src/web/index.ts'
import {
  enterCode,
  formOf,
  openLoginPage,
  PROTECTED_PAGE_HEADERS,
  protectedPageHeaders,
  submitForm,
  type RawResult,
} from '../helpers/browser.ts'
import { CONFIDENTIAL_BASIC, expectTokenError, insecure, noAuth, publicClient, refresh } from '../helpers/oauth-client.ts'
import { CONFIDENTIAL, postToken, PUBLIC_CLIENT, startTestServer, USER, type TestServer } from '../helpers/test-server.ts'

const NO_DEVICE = {
  clientId: 'no-device',
  clientSecret: 'D'.repeat(20) + 'no-device-high-entropy-secret-0123',
  grantTypes: ['authorization_code'],
}
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/

type Device = oauth.DeviceAuthorizationResponse

/** Starts a test server with the device grant added after start (the adapters route new endpoints). */
async function deviceServer(
  options: Partial<ConstructorParameters<typeof DeviceCodeGrant<NodeEnviron>>[0]> = {},
): Promise<{ server: TestServer; as: oauth.AuthorizationServer }> {
  const server = await startTestServer({ clients: [{ ...NO_DEVICE, redirectUris: ['https://no-device.example/cb'] }] })
  server.controller.addGrant(new DeviceCodeGrant<NodeEnviron>(options))
  const issuer = new URL(server.issuer)
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
  return { server, as }
}

/** The device's first step, with oauth4webapi (public client unless told otherwise). */
async function startDevice(as: oauth.AuthorizationServer, scope = 'read write', client = publicClient, auth = noAuth): Promise<Device> {
  const response = await oauth.deviceAuthorizationRequest(as, client, auth, { scope }, insecure)
  return oauth.processDeviceAuthorizationResponse(as, client, response)
}

/** One raw poll of the token endpoint. */
function poll(server: TestServer, deviceCode: string, as: 'public' | 'confidential' = 'public'): ReturnType<typeof postToken> {
  const form = { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode }
  return as === 'public'
    ? postToken(server.url, { ...form, client_id: PUBLIC_CLIENT.clientId })
    : postToken(server.url, form, { basic: CONFIDENTIAL_BASIC })
}

/** What a person does: open the verification page, type the code, sign in and decide. */
async function decideInBrowser(device: Device, action: 'approve' | 'deny' = 'approve', typed = device.user_code): Promise<RawResult> {
  const entry = await openLoginPage(device.verification_uri)
  const consent = await enterCode(entry, typed)
  expect(consent.status, consent.body).toBe(200)
  return submitForm(formOf(consent, entry), { action, ...USER })
}

describe('RFC 8628 device authorization grant', () => {
  let server: TestServer
  let as: oauth.AuthorizationServer
  beforeAll(async () => {
    ;({ server, as } = await deviceServer())
  })
  afterAll(() => server.close())

  it('metadata advertises the device authorization endpoint and the grant type (RFC 8628 section 4)', () => {
    expect(as.device_authorization_endpoint).toBe(`${server.url}/device_authorization`)
    expect(as.grant_types_supported).toContain(DEVICE_CODE_GRANT_TYPE)
  })

  it('answers the device authorization request per section 3.2, uncached', async () => {
    const response = await oauth.deviceAuthorizationRequest(as, publicClient, noAuth, { scope: 'read' }, insecure)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const device = await oauth.processDeviceAuthorizationResponse(as, publicClient, response)
    expect(device.device_code).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(device.user_code).toMatch(USER_CODE)
    expect(device.verification_uri).toBe(`${server.url}/device`)
    expect(device.verification_uri_complete).toBe(`${server.url}/device?user_code=${device.user_code}`)
    expect({ expires_in: device.expires_in, interval: device.interval }).toEqual({ expires_in: 600, interval: 5 })
  })

  it('pending, approval in the browser, tokens exactly once (with a refresh token), then invalid_grant', async () => {
    const device = await startDevice(as)
    const early = oauth.processDeviceCodeResponse(
      as,
      publicClient,
      await oauth.deviceCodeGrantRequest(as, publicClient, noAuth, device.device_code, insecure),
    )
    await expect(early).rejects.toMatchObject({ error: 'authorization_pending', status: 400 })

    const done = await decideInBrowser(device)
    expect(done.status).toBe(200)
    expect(done.body).toContain('Return to your device')
    expect(protectedPageHeaders(done.headers)).toEqual(PROTECTED_PAGE_HEADERS)

    server.clock.advance(5)
    const response = await oauth.deviceCodeGrantRequest(as, publicClient, noAuth, device.device_code, insecure)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const tokens = await oauth.processDeviceCodeResponse(as, publicClient, response)
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.scope).toBe('read write')
    expect(typeof tokens.access_token).toBe('string')
    const refreshed = await refresh(server, tokens.refresh_token ?? '', publicClient, noAuth)
    expect(refreshed.scope).toBe('read write')

    server.clock.advance(5)
    expectTokenError(await poll(server, device.device_code), 400, 'invalid_grant')
  })

  it('slow_down when the device polls faster than its interval; each one adds 5 seconds (section 3.5)', async () => {
    const device = await startDevice(as)
    expectTokenError(await poll(server, device.device_code), 400, 'authorization_pending')
    expectTokenError(await poll(server, device.device_code), 400, 'slow_down')
    server.clock.advance(10)
    expectTokenError(await poll(server, device.device_code), 400, 'authorization_pending')
    server.clock.advance(5)
    const tooSoon = await poll(server, device.device_code)
    expectTokenError(tooSoon, 400, 'slow_down')
    expect(tooSoon.json.error_description).toContain('15 seconds')
    server.clock.advance(15)
    expectTokenError(await poll(server, device.device_code), 400, 'authorization_pending')
  })

  it('a denial in the browser reaches the device as access_denied', async () => {
    const device = await startDevice(as)
    const denied = await decideInBrowser(device, 'deny')
    expect(denied.status).toBe(200)
    expect(denied.body).toContain('Access denied')
    expectTokenError(await poll(server, device.device_code), 400, 'access_denied')
  })

  it('an expired device code answers expired_token, and its user code is refused', async () => {
    const device = await startDevice(as)
    server.clock.advance(601)
    expectTokenError(await poll(server, device.device_code), 400, 'expired_token')
    const entry = await openLoginPage(device.verification_uri)
    const late = await enterCode(entry, device.user_code)
    expect(late.status).toBe(400)
    expect(late.body).toContain('not valid, or it has expired')
  })

  it("another client's poll gets invalid_grant and does not disturb the device's polling", async () => {
    const device = await startDevice(as)
    expectTokenError(await poll(server, device.device_code), 400, 'authorization_pending')
    expectTokenError(await poll(server, device.device_code, 'confidential'), 400, 'invalid_grant')
    server.clock.advance(5)
    expectTokenError(await poll(server, device.device_code), 400, 'authorization_pending')
    await decideInBrowser(device)
    server.clock.advance(5)
    expectTokenError(await poll(server, device.device_code, 'confidential'), 400, 'invalid_grant')
    expect((await poll(server, device.device_code)).status).toBe(200)
  })

  it('the user code is case- and dash-insensitive (section 6.1)', async () => {
    const device = await startDevice(as)
    const typed = ` ${device.user_code.replace('-', '').toLowerCase().slice(0, 6)}-${device.user_code.slice(7).toLowerCase()} `
    expect((await decideInBrowser(device, 'approve', typed)).status).toBe(200)
    expect((await poll(server, device.device_code)).status).toBe(200)
  })

  it('verification_uri_complete prefills the code but never decides on its own (section 3.3.1, 5.4)', async () => {
    const device = await startDevice(as)
    const page = await openLoginPage(device.verification_uri_complete ?? '')
    expect(page.body).toContain(`value="${device.user_code}"`)
    expect(protectedPageHeaders(page.headers)).toEqual(PROTECTED_PAGE_HEADERS)
    const consent = await enterCode(page, device.user_code)
    expect(consent.body).toContain('Sign in')
    expect(protectedPageHeaders(consent.headers)).toEqual(PROTECTED_PAGE_HEADERS)
    expectTokenError(await poll(server, device.device_code), 400, 'authorization_pending')
  })

  it('a user code is single-use: typing it again or re-posting the consent form fails', async () => {
    const device = await startDevice(as)
    const entry = await openLoginPage(device.verification_uri)
    const consent = formOf(await enterCode(entry, device.user_code), entry)
    expect((await submitForm(consent, { action: 'approve', ...USER })).status).toBe(200)
    // The consent form's token was spent by the approval (single-use), so the re-post is refused first.
    const again = await submitForm(consent, { action: 'deny' })
    expect(again.status).toBe(400)
    expect(again.body).toContain('This form has expired')
    expect((await enterCode(entry, device.user_code)).status).toBe(400)
    expect((await poll(server, device.device_code)).status).toBe(200)
  })

  it('refuses a consent POST without the right CSRF token or cookie, and a wrong password decides nothing', async () => {
    const device = await startDevice(as)
    const entry = await openLoginPage(device.verification_uri)
    expect((await enterCode(entry, device.user_code, '')).status).toBe(400)
    const consent = formOf(await enterCode(entry, device.user_code), entry)
    expect((await submitForm(consent, { action: 'approve', ...USER, csrfToken: 'forged' })).status).toBe(400)
    expect((await submitForm(consent, { action: 'approve', ...USER, cookie: null })).status).toBe(400)
    const wrong = await submitForm(consent, { action: 'approve', username: USER.username, password: 'nope' })
    expect(wrong.status).toBe(401)
    expect(wrong.body).toContain('Wrong username or password.')
    expectTokenError(await poll(server, device.device_code), 400, 'authorization_pending')
  })

  it('the device authorization endpoint: POST only, client authentication, the grant allowed, valid scope', async () => {
    const endpoint = `${server.url}/device_authorization`
    const get = await fetch(endpoint)
    expect(get.status).toBe(405)
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const unknown = await fetch(endpoint, { method: 'POST', headers: form, body: 'client_id=nobody' })
    expect({ status: unknown.status, error: ((await unknown.json()) as { error: string }).error }).toEqual({
      status: 401,
      error: 'invalid_client',
    })
    const wrongSecret = await oauth.deviceAuthorizationRequest(
      as,
      { client_id: CONFIDENTIAL.clientId },
      oauth.ClientSecretBasic('wrong'),
      {},
      insecure,
    )
    expect(wrongSecret.status).toBe(401)
    const notAllowed = await oauth.deviceAuthorizationRequest(
      as,
      { client_id: NO_DEVICE.clientId },
      oauth.ClientSecretBasic(NO_DEVICE.clientSecret),
      {},
      insecure,
    )
    expect({ status: notAllowed.status, error: ((await notAllowed.json()) as { error: string }).error }).toEqual({
      status: 400,
      error: 'unauthorized_client',
    })
    const badScope = await oauth.deviceAuthorizationRequest(as, publicClient, noAuth, { scope: 'admin' }, insecure)
    expect(((await badScope.json()) as { error: string }).error).toBe('invalid_scope')
    const confidential = await startDevice(
      as,
      'read',
      { client_id: CONFIDENTIAL.clientId },
      oauth.ClientSecretBasic(CONFIDENTIAL.clientSecret),
    )
    expect(confidential.user_code).toMatch(USER_CODE)
  })

  it('the token endpoint: device_code required, unknown codes are invalid_grant', async () => {
    expectTokenError(
      await postToken(server.url, { grant_type: DEVICE_CODE_GRANT_TYPE, client_id: PUBLIC_CLIENT.clientId }),
      400,
      'invalid_request',
    )
    expectTokenError(await poll(server, 'never-issued'), 400, 'invalid_grant')
  })
})

describe('RFC 8628 section 5.1: guessing user codes is rate-limited per address (docs/limits.md)', () => {
  let server: TestServer
  let as: oauth.AuthorizationServer
  beforeAll(async () => {
    ;({ server, as } = await deviceServer({ expiresIn: 3600 }))
  })
  afterAll(() => server.close())

  it('locks the address out after 5 wrong codes, whatever browser it uses, until the window ends', async () => {
    const device = await startDevice(as)
    const wrong = device.user_code === 'BBBB-BBBB' ? 'CCCC-CCCC' : 'BBBB-BBBB'
    const a = await openLoginPage(device.verification_uri)
    // Each attempt on a fresh form: a form's token is single-use.
    const attempt = async (code: string, cookie = a.cookie): Promise<RawResult> =>
      enterCode(await openLoginPage(device.verification_uri, cookie), code, cookie)
    for (let i = 0; i < 5; i++) expect((await attempt(i === 0 ? 'not a code' : wrong)).status).toBe(400)
    const lockedOut = await attempt(device.user_code)
    expect(lockedOut.status).toBe(429)
    expect(Number(lockedOut.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(lockedOut.body).toContain('Too many wrong codes')

    // A fresh cookie is no way around it: the limit binds the address, not the browser.
    const b = await openLoginPage(device.verification_uri)
    expect((await enterCode(b, device.user_code)).status).toBe(429)

    server.clock.advance(901)
    expect((await attempt(device.user_code)).status).toBe(200)
    expectTokenError(await poll(server, device.device_code), 400, 'authorization_pending')
  })
})
