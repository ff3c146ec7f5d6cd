import { describe, expect, it } from 'vitest'
import { AuthorizationController } from '../../../src/controller.ts'
import { StoreUnavailableError } from '../../../src/errors.ts'
import { KeySet } from '../../../src/keys/key-set.ts'
import { LocalClientStore } from '../../../src/stores/memory-client-store.ts'
import { LocalRecordStore } from '../../../src/stores/memory-record-store.ts'
import { LocalTokenStore } from '../../../src/stores/memory-token-store.ts'
import type { RecordStore } from '../../../src/stores/types.ts'
import { Request } from '../../../src/web/request.ts'

const ISSUER = 'http://127.0.0.1'
const SECRET = 'jwks-endpoint-secret-0123456789abcdefgh'

function controllerWith(signer: KeySet): AuthorizationController {
  const tokens = new LocalTokenStore()
  return new AuthorizationController({
    issuer: ISSUER,
    accessTokenStore: tokens,
    authCodeStore: tokens,
    clientStore: new LocalClientStore(),
    signer,
    onError: () => {},
  })
}

describe('the JWKS endpoint with a signer', () => {
  it('serves the signer’s public keys with opaque access tokens too, and jwks_uri in the metadata', async () => {
    const keys = new KeySet({ store: new LocalRecordStore(), issuer: ISSUER, secret: SECRET })
    const controller = controllerWith(keys)
    expect(controller.metadata.jwks_uri).toBe(`${ISSUER}/jwks`)
    const response = await controller.dispatch(new Request({ method: 'GET', path: '/jwks' }), {})
    expect(response.statusCode).toBe(200)
    const body = JSON.parse(response.body) as { keys: { kid: string; d?: string }[] }
    expect(body.keys.map((key) => key.kid).sort()).toEqual((await keys.list()).map((key) => key.kid).sort())
    expect(body.keys.every((key) => key.d === undefined)).toBe(true)
    const post = await controller.dispatch(new Request({ method: 'POST', path: '/jwks' }), {})
    expect(post.statusCode).toBe(405)
  })

  it('answers 503 temporarily_unavailable when the store cannot be read, never a trace', async () => {
    const records = new LocalRecordStore()
    const down: RecordStore = Object.assign(Object.create(records) as RecordStore, {
      getRecord: () => Promise.reject(new StoreUnavailableError('connection refused')),
    })
    const response = await controllerWith(new KeySet({ store: down, issuer: ISSUER, secret: SECRET })).dispatch(
      new Request({ method: 'GET', path: '/jwks' }),
      {},
    )
    expect(response.statusCode).toBe(503)
    expect(JSON.parse(response.body)).toMatchObject({ error: 'temporarily_unavailable' })
    expect(response.body).not.toContain('connection refused')
  })
})
