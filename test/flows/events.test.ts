/**
 * Audit events per flow, through real HTTP and every adapter: what each flow emits (type, client, user,
 * address, request id, time from the controller's clock), that nothing is emitted for a token the
 * store refused, and that a throwing, rejecting or never-settling `onEvent` neither breaks nor delays a
 * request (its failures go to the `logger`).
 */
import * as oauth from 'oauth4webapi'
import { afterEach, describe, expect, it } from 'vitest'
import { DEVICE_CODE_GRANT_TYPE, DeviceCodeGrant } from '../../src/grants/index.ts'
import { LocalDeviceCodeStore } from '../../src/stores/index.ts'
import type { NodeEnviron } from '../../src/web/index.ts'
import { openLoginPage, request, submitForm, unescapeHtml } from '../helpers/browser.ts'
import type { AuditEvent, AuditEventType } from '../../src/events/types.ts'
import type { Logger } from '../../src/events/logger.ts'
import { LocalTokenStore } from '../../src/stores/index.ts'
import type { AccessToken, RefreshTokenRecord as RefreshToken } from '../../src/index.ts'
import { confidentialTokens, insecure, noAuth, obtainCode, publicClient, refresh, refreshTokenOf } from '../helpers/oauth-client.ts'
import {
  ADAPTER,
  CONFIDENTIAL,
  postToken,
  PUBLIC_CLIENT,
  startTestServer,
  USER,
  type TestServer,
  type TestServerOptions,
} from '../helpers/test-server.ts'

let servers: TestServer[] = []
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()))
  servers = []
})

/** A server whose events land in `events`; its clock is the TestClock's (2026-01-01T00:00:00Z). */
async function start(options: TestServerOptions = {}, extra: { onEvent?: (event: AuditEvent) => unknown; logger?: Logger } = {}) {
  const events: AuditEvent[] = []
  const server = await startTestServer({
    ...options,
    controller: {
      onEvent: (event) => {
        events.push(event)
        return extra.onEvent?.(event) as void
      },
      ...(extra.logger === undefined ? {} : { logger: extra.logger }),
    },
  })
  servers.push(server)
  return { server, events }
}

/** Events of one type, once `count` of them have arrived (they are delivered after the response). */
async function eventsOf<T extends AuditEventType>(events: AuditEvent[], type: T, count = 1): Promise<Extract<AuditEvent, { type: T }>[]> {
  await expect.poll(() => events.filter((event) => event.type === type).length).toBeGreaterThanOrEqual(count)
  return events.filter((event): event is Extract<AuditEvent, { type: T }> => event.type === type)
}

/** The adapters that expose the socket: every one but the Fetch adapter (Hono). */
const ADDRESS = ADAPTER === 'hono' ? undefined : '127.0.0.1'

describe('audit events per flow', () => {
  it('authorization code, refresh and refresh reuse: consent.granted, token.issued, token.refreshed, refresh.reused', async () => {
    const { server, events } = await start()
    const tokens = await confidentialTokens(server)
    const [consent] = await eventsOf(events, 'consent.granted')
    expect(consent).toMatchObject({
      clientId: CONFIDENTIAL.clientId,
      userId: USER.username,
      responseType: 'code',
      scopes: ['read', 'write'],
      address: ADDRESS,
    })
    const [issued] = await eventsOf(events, 'token.issued')
    expect(issued).toEqual({
      type: 'token.issued',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      time: '2026-01-01T00:00:00.000Z',
      clientId: CONFIDENTIAL.clientId,
      userId: USER.username,
      address: ADDRESS,
      grantType: 'authorization_code',
      scopes: ['read', 'write'],
      withRefreshToken: true,
    })
    const first = refreshTokenOf(tokens)
    server.clock.advance(60)
    await refresh(server, first)
    const [refreshed] = await eventsOf(events, 'token.refreshed')
    expect(refreshed).toMatchObject({
      clientId: CONFIDENTIAL.clientId,
      userId: USER.username,
      outcome: 'rotated',
      time: '2026-01-01T00:01:00.000Z',
      address: ADDRESS,
    })
    expect(refreshed?.requestId).not.toBe(issued?.requestId)
    // The rotated-out token again: reuse, the family is revoked, and no token.refreshed for it.
    const reused = await postToken(
      server.url,
      { grant_type: 'refresh_token', refresh_token: first },
      { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret] },
    )
    expect(reused.json.error).toBe('invalid_grant')
    const [reuse] = await eventsOf(events, 'refresh.reused')
    expect(reuse).toMatchObject({ clientId: CONFIDENTIAL.clientId, userId: USER.username })
    expect(events.filter((event) => event.type === 'token.refreshed')).toHaveLength(1)
  })

  it('a code redeemed twice: code.reused', async () => {
    const { server, events } = await start()
    const form = { grant_type: 'password', username: USER.username, password: USER.password, scope: 'read' }
    const password = await postToken(server.url, form, { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret] })
    expect(password.status).toBe(200)
    const [issued] = await eventsOf(events, 'token.issued')
    expect(issued).toMatchObject({ grantType: 'password', userId: USER.username, withRefreshToken: true })
    const { code } = await obtainCode(server, {
      clientId: CONFIDENTIAL.clientId,
      redirectUri: CONFIDENTIAL.redirectUri,
      scope: 'read',
      pkce: false,
    })
    const redeem = { grant_type: 'authorization_code', code, redirect_uri: CONFIDENTIAL.redirectUri }
    expect((await postToken(server.url, redeem, { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret] })).status).toBe(200)
    expect((await postToken(server.url, redeem, { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret] })).status).toBe(400)
    const [reused] = await eventsOf(events, 'code.reused')
    expect(reused).toMatchObject({ clientId: CONFIDENTIAL.clientId, userId: USER.username, address: ADDRESS })
  })

  it('client credentials, a wrong secret, a wrong password and a revocation', async () => {
    const { server, events } = await start()
    const ok = await postToken(
      server.url,
      { grant_type: 'client_credentials', scope: 'read' },
      { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret] },
    )
    expect(ok.status).toBe(200)
    const [issued] = await eventsOf(events, 'token.issued')
    expect(issued).toMatchObject({
      grantType: 'client_credentials',
      clientId: CONFIDENTIAL.clientId,
      userId: undefined,
      withRefreshToken: false,
    })

    const wrong = await postToken(server.url, { grant_type: 'client_credentials' }, { basic: [CONFIDENTIAL.clientId, 'not-the-secret'] })
    expect(wrong.status).toBe(401)
    const [failed] = await eventsOf(events, 'client.auth_failed')
    expect(failed).toMatchObject({ clientId: CONFIDENTIAL.clientId, method: 'client_secret_basic', endpoint: '/token', address: ADDRESS })

    const login = await postToken(
      server.url,
      { grant_type: 'password', username: USER.username, password: 'not-the-password' },
      { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret] },
    )
    expect(login.status).toBe(400)
    const [loginFailed] = await eventsOf(events, 'user.login_failed')
    expect(loginFailed).toMatchObject({ clientId: CONFIDENTIAL.clientId, username: USER.username, userId: undefined })

    // The login form: a refused sign-in the site adapter reports is an event too (never the password).
    const page = await openLoginPage(
      `${server.url}/authorize?${new URLSearchParams({ response_type: 'code', client_id: CONFIDENTIAL.clientId, redirect_uri: CONFIDENTIAL.redirectUri, state: 's1' }).toString()}`,
    )
    const refused = await submitForm(page, { action: 'approve', username: USER.username, password: 'not-the-password' })
    expect(refused.status).toBe(401)
    const formFailures = await eventsOf(events, 'user.login_failed', 2)
    expect(formFailures[1]).toMatchObject({ clientId: CONFIDENTIAL.clientId, username: USER.username, userId: undefined })

    const revoke = await fetch(`${server.url}/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CONFIDENTIAL.clientId}:${CONFIDENTIAL.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: String(ok.json.access_token) }),
    })
    expect(revoke.status).toBe(200)
    const [revoked] = await eventsOf(events, 'token.revoked')
    expect(revoked).toMatchObject({ clientId: CONFIDENTIAL.clientId, tokenKind: 'access_token' })
    for (const event of events) expect(JSON.stringify(event)).not.toMatch(/not-the-secret|not-the-password|high-entropy-test-secret/)
  })

  it('keeps a safe X-Request-Id and replaces an unsafe one', async () => {
    const { server, events } = await start()
    const basic: [string, string] = [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret]
    await postToken(server.url, { grant_type: 'client_credentials' }, { basic, headers: { 'x-request-id': 'lb-7f3a.42' } })
    await postToken(server.url, { grant_type: 'client_credentials' }, { basic, headers: { 'x-request-id': 'two words/and a slash' } })
    const issued = await eventsOf(events, 'token.issued', 2)
    expect(issued.map((event) => event.requestId)).toEqual(['lb-7f3a.42', expect.stringMatching(/^[0-9a-f-]{36}$/)])
  })
})

describe('audit events of the device flow (RFC 8628)', () => {
  it('the user approves on the verification page: consent.granted; the device polls: token.issued', async () => {
    const { server, events } = await start()
    server.controller.addGrant(new DeviceCodeGrant<NodeEnviron>({ deviceCodeStore: new LocalDeviceCodeStore() }))
    const issuer = new URL(server.issuer)
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
    const device = await oauth.processDeviceAuthorizationResponse(
      as,
      publicClient,
      await oauth.deviceAuthorizationRequest(as, publicClient, noAuth, { scope: 'read' }, insecure),
    )
    // The person: open the page, type the code, sign in and allow.
    const entry = await openLoginPage(device.verification_uri)
    const consent = await request(entry.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: entry.cookie },
      body: new URLSearchParams({ csrf_token: entry.csrfToken, user_code: device.user_code }),
    })
    const csrfToken = unescapeHtml(/name="csrf_token" value="([^"]+)"/.exec(consent.body)?.[1] ?? '')
    const action = new URL(unescapeHtml(/<form method="post" action="([^"]+)"/.exec(consent.body)?.[1] ?? ''), entry.action)
    const decided = await submitForm({ ...consent, cookie: entry.cookie, csrfToken, action }, { action: 'approve', ...USER })
    expect(decided.status).toBe(200)
    const [granted] = await eventsOf(events, 'consent.granted')
    expect(granted).toMatchObject({
      clientId: PUBLIC_CLIENT.clientId,
      userId: USER.username,
      responseType: 'device_code',
      scopes: ['read'],
      address: ADDRESS,
    })
    const polled = await postToken(server.url, {
      grant_type: DEVICE_CODE_GRANT_TYPE,
      device_code: device.device_code,
      client_id: PUBLIC_CLIENT.clientId,
    })
    expect(polled.status).toBe(200)
    const [issued] = await eventsOf(events, 'token.issued')
    expect(issued).toMatchObject({
      grantType: DEVICE_CODE_GRANT_TYPE,
      clientId: PUBLIC_CLIENT.clientId,
      userId: USER.username,
      withRefreshToken: true,
    })
    for (const event of events) expect(JSON.stringify(event)).not.toContain(device.device_code)
  })
})

describe('events only after the store agreed', () => {
  it('no token.issued for tokens the store refused (their family revoked meanwhile)', async () => {
    class RefusingStore extends LocalTokenStore {
      override async saveToken(_access: AccessToken, _refresh?: RefreshToken): Promise<boolean> {
        return false
      }
    }
    const { server, events } = await start()
    const refusing = await startTestServer({
      controller: (issuer) => {
        const store = new RefusingStore()
        return { issuer, accessTokenStore: store, authCodeStore: store, onEvent: (event: AuditEvent) => void events.push(event) }
      },
    })
    servers.push(refusing)
    const answer = await postToken(
      refusing.url,
      { grant_type: 'client_credentials' },
      { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret] },
    )
    expect(answer.status).toBe(400)
    // A request after it on a working server: its event arrives, the refused one never did.
    await postToken(server.url, { grant_type: 'client_credentials' }, { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret] })
    const issued = await eventsOf(events, 'token.issued')
    expect(issued).toHaveLength(1)
  })
})

describe('a broken onEvent never breaks or slows a request', () => {
  const basic: [string, string] = [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret]

  it.each([
    [
      'throws',
      (): unknown => {
        throw new Error('hook exploded')
      },
    ],
    ['rejects', (): unknown => Promise.reject(new Error('hook rejected'))],
    ['never settles', (): unknown => new Promise(() => {})],
  ])('onEvent that %s: the answer is the same and the failure is logged', async (name, hook) => {
    const logged: { fields: Readonly<Record<string, unknown>>; message: string }[] = []
    const record = (fields: Readonly<Record<string, unknown>>, message: string): void => void logged.push({ fields, message })
    const { server, events } = await start({}, { onEvent: hook, logger: { error: record, warn: record, info: record, debug: record } })
    for (let round = 0; round < 3; round++) {
      const answer = await postToken(server.url, { grant_type: 'client_credentials', scope: 'read' }, { basic })
      expect(answer.status).toBe(200)
      expect(answer.json.access_token).toEqual(expect.any(String))
    }
    await eventsOf(events, 'token.issued', 3)
    if (name === 'never settles') expect(logged).toEqual([])
    else {
      await expect.poll(() => logged.length).toBe(3)
      expect(logged[0]).toMatchObject({ message: 'onEvent failed', fields: { eventType: 'token.issued', err: expect.any(Error) } })
    }
  })
})
