import { describe, expect, it } from 'vitest'
import { AuthorizationController } from '../../../src/controller.ts'
import { ClientCredentialsGrant } from '../../../src/grants/client-credentials.ts'
import { DEVICE_CODE_GRANT_TYPE, DeviceCodeGrant } from '../../../src/grants/device-code.ts'
import type { DeviceCodeStore } from '../../../src/stores/device-code-store.ts'
import { LocalClientStore } from '../../../src/stores/memory-client-store.ts'
import { LocalDeviceCodeStore } from '../../../src/stores/memory-device-code-store.ts'
import { LocalTokenStore } from '../../../src/stores/memory-token-store.ts'
import type { ClientStore } from '../../../src/stores/types.ts'
import { Request } from '../../../src/web/request.ts'

// The controller bounds every store call unless the store declares `inProcess: true`: a guarded store's
// plain failure is an outage (503 temporarily_unavailable), an in-process store's is a bug (500).

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const broken = (): Promise<never> => Promise.reject(new Error('socket closed'))

async function tokenStatus(clientStore: ClientStore): Promise<{ status: number; error: unknown }> {
  const tokens = new LocalTokenStore()
  const controller = new AuthorizationController({
    issuer: 'http://127.0.0.1',
    accessTokenStore: tokens,
    authCodeStore: tokens,
    clientStore,
    onError: () => {},
  })
  controller.addGrant(new ClientCredentialsGrant())
  const response = await controller.dispatch(
    new Request({ method: 'POST', path: '/token', headers: FORM, body: 'grant_type=client_credentials&client_id=c&client_secret=s' }),
    undefined,
  )
  return { status: response.statusCode, error: (JSON.parse(response.body) as { error: unknown }).error }
}

async function deviceStatus(deviceCodeStore: DeviceCodeStore): Promise<{ status: number; error: unknown }> {
  const tokens = new LocalTokenStore()
  const clients = new LocalClientStore()
  await clients.addClient({ clientId: 'tv', grantTypes: [DEVICE_CODE_GRANT_TYPE] })
  const controller = new AuthorizationController({
    issuer: 'http://127.0.0.1',
    accessTokenStore: tokens,
    authCodeStore: tokens,
    clientStore: clients,
    onError: () => {},
  })
  controller.addGrant(new DeviceCodeGrant({ deviceCodeStore }))
  const response = await controller.dispatch(
    new Request({ method: 'POST', path: '/device_authorization', headers: FORM, body: 'client_id=tv' }),
    undefined,
  )
  return { status: response.statusCode, error: (JSON.parse(response.body) as { error?: unknown }).error }
}

describe('store guard (inProcess capability)', () => {
  it('guards a controller store without the flag: its failure is 503 temporarily_unavailable', async () => {
    expect(await tokenStatus({ fetchByClientId: broken })).toEqual({ status: 503, error: 'temporarily_unavailable' })
  })

  it('calls a controller store with inProcess: true directly: its failure is a 500', async () => {
    expect(await tokenStatus({ inProcess: true, fetchByClientId: broken } as ClientStore)).toEqual({ status: 500, error: 'server_error' })
  })

  it("guards a grant's own store through the registry", async () => {
    const store = new LocalDeviceCodeStore()
    const outOfProcess: DeviceCodeStore = {
      save: broken,
      fetchByDeviceCode: (hash) => store.fetchByDeviceCode(hash),
      fetchByUserCode: (hash, now) => store.fetchByUserCode(hash, now),
      approve: (hash, user, now) => store.approve(hash, user, now),
      deny: (hash, now) => store.deny(hash, now),
      poll: (hash, now) => store.poll(hash, now),
      purge: (now) => store.purge(now),
    }
    expect(await deviceStatus(outOfProcess)).toEqual({ status: 503, error: 'temporarily_unavailable' })
    expect(await deviceStatus({ ...outOfProcess, inProcess: true } as DeviceCodeStore)).toEqual({ status: 500, error: 'server_error' })
  })

  it('the Local* stores declare the flag', () => {
    expect([new LocalClientStore(), new LocalTokenStore(), new LocalDeviceCodeStore()].map((store) => store.inProcess)).toEqual([
      true,
      true,
      true,
    ])
  })
})
