/**
 * What the controller reports through its `logger` and `onEvent`: a store that times out or fails is a
 * 503 with a `store.unavailable` event naming the call and why, and a warning; a bug (an in-process
 * store throwing) is a `server_error` logged at `error` with its cause; a throwing `onError` is logged
 * and the answer stays the same; `readiness()` says which store did not answer.
 */
import { describe, expect, it } from 'vitest'
import { AuthorizationController } from '../../../src/controller.ts'
import type { Logger } from '../../../src/events/logger.ts'
import type { AuditEvent } from '../../../src/events/types.ts'
import { ClientCredentialsGrant } from '../../../src/grants/client-credentials.ts'
import { LocalClientStore } from '../../../src/stores/memory-client-store.ts'
import { LocalTokenStore } from '../../../src/stores/memory-token-store.ts'
import type { ClientStore } from '../../../src/stores/types.ts'
import type { AuthorizationControllerOptions } from '../../../src/options.ts'
import { Request } from '../../../src/web/request.ts'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const BODY = 'grant_type=client_credentials&client_id=c&client_secret=s'
const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

function setup(clientStore: ClientStore, options: Partial<AuthorizationControllerOptions> = {}) {
  const logged: { level: string; message: string; fields: Readonly<Record<string, unknown>> }[] = []
  const at =
    (level: string) =>
    (fields: Readonly<Record<string, unknown>>, message: string): void =>
      void logged.push({ level, message, fields })
  const logger: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }
  const events: AuditEvent[] = []
  const tokens = new LocalTokenStore()
  const controller = new AuthorizationController({
    issuer: 'http://127.0.0.1',
    accessTokenStore: tokens,
    authCodeStore: tokens,
    clientStore,
    storeTimeoutMs: 50,
    logger,
    onEvent: (event) => void events.push(event),
    ...options,
  })
  controller.addGrant(new ClientCredentialsGrant())
  const token = async (): Promise<number> =>
    (await controller.dispatch(new Request({ method: 'POST', path: '/token', headers: FORM, body: BODY }), undefined)).statusCode
  return { controller, logged, events, token }
}

describe('controller reporting through logger and onEvent', () => {
  it('a store that does not answer in time: 503, store.unavailable (timeout), a warning', async () => {
    const { logged, events, token } = setup({ fetchByClientId: () => new Promise(() => {}) })
    expect(await token()).toBe(503)
    await flush()
    expect(events).toEqual([
      expect.objectContaining({
        type: 'store.unavailable',
        operation: 'clientStore.fetchByClientId',
        reason: 'timeout',
        clientId: undefined,
      }),
    ])
    expect(logged).toEqual([{ level: 'warn', message: 'temporarily_unavailable', fields: { err: expect.any(Error) } }])
  })

  it('a store that fails: store.unavailable (failure)', async () => {
    const { events, token } = setup({ fetchByClientId: () => Promise.reject(new Error('socket closed')) })
    expect(await token()).toBe(503)
    await flush()
    expect(events).toEqual([
      expect.objectContaining({ type: 'store.unavailable', operation: 'clientStore.fetchByClientId', reason: 'failure' }),
    ])
  })

  it('a bug is a server_error logged at error with its cause, and no store event', async () => {
    const bug = new TypeError('undefined is not a function')
    const { logged, events, token } = setup({ inProcess: true, fetchByClientId: () => Promise.reject(bug) } as ClientStore)
    expect(await token()).toBe(500)
    await flush()
    expect(logged).toEqual([{ level: 'error', message: 'server_error', fields: { err: bug } }])
    expect(events).toEqual([])
  })

  it('a throwing onError is logged; the answer is unchanged', async () => {
    const { logged, token } = setup(new LocalClientStore(), {
      onError: () => {
        throw new Error('hook exploded')
      },
    })
    expect(await token()).toBe(401)
    expect(logged).toEqual([
      { level: 'error', message: 'onError threw', fields: { err: expect.objectContaining({ message: 'hook exploded' }) } },
    ])
  })

  it('readiness names the store that did not answer within storeTimeoutMs', async () => {
    const hanging = setup({ fetchByClientId: () => new Promise(() => {}) })
    expect(await hanging.controller.readiness()).toEqual({
      ready: false,
      stores: [
        { name: 'clientStore', ready: false, error: 'clientStore.fetchByClientId did not answer within 50 ms' },
        { name: 'accessTokenStore', ready: true },
      ],
    })
    const pinged: string[] = []
    const withPing = setup({
      fetchByClientId: () => Promise.reject(new Error('not used')),
      ping: async () => void pinged.push('ping'),
    } as ClientStore)
    expect((await withPing.controller.readiness()).ready).toBe(true)
    expect(pinged).toEqual(['ping'])
  })
})
