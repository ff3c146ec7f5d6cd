/**
 * The client store contract for the optional OpenID Connect / RFC 7591 fields, run against every store by
 * `describeStoreContract`: a client registered with every optional field reads back exactly as
 * `createClient` builds it (same keys, same values, on `fetchByClientId` and `listClients`), absent fields
 * stay absent, registering again replaces them, and every store refuses the same invalid values, storing
 * nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AdministeredClientStore } from '../../src/stores/from-url.ts'
import { createClient, type ClientRegistration } from '../../src/stores/client-registration.ts'

/** What a backend's factory hands this contract (a subset of the store contract's). */
export interface ClientStoreUnderTest {
  readonly clientStore: AdministeredClientStore
  close(): Promise<void>
}

/** A public client (so `createClient` is deterministic: no salted hash) carrying every optional field. */
export const EVERY_FIELD: ClientRegistration = {
  clientId: 'rp',
  redirectUris: ['https://rp.example/cb'],
  grantTypes: ['authorization_code', 'refresh_token'],
  responseTypes: ['code'],
  scopes: ['openid', 'profile'],
  name: 'Relying party',
  postLogoutRedirectUris: ['https://rp.example/bye', 'http://127.0.0.1:8080/bye', 'com.example.rp:/bye'],
  backchannelLogoutUri: 'https://rp.example/backchannel',
  idTokenSignedResponseAlg: 'ES256',
  allowedCorsOrigins: ['https://rp.example', 'https://spa.rp.example:8443', 'http://localhost:3000'],
  // Kept in canonical form: lower-case host, no trailing slash on a host-only URI (RFC 8707 section 2).
  resources: ['https://API.example.com/', 'https://api.example.com/mcp/'],
  logoUri: 'https://rp.example/logo.png',
  clientUri: 'https://rp.example/',
}

/** Registrations every store must refuse (a `TypeError`), one bad optional field each. */
const INVALID: readonly [string, Partial<ClientRegistration>][] = [
  ['a post-logout redirect URI over http off loopback', { postLogoutRedirectUris: ['http://rp.example/bye'] }],
  ['a post-logout redirect URI with a fragment', { postLogoutRedirectUris: ['https://rp.example/bye#x'] }],
  ['a back-channel logout URI with a private-use scheme', { backchannelLogoutUri: 'com.example.rp:/backchannel' }],
  ['a back-channel logout URI with userinfo', { backchannelLogoutUri: 'https://user@rp.example/backchannel' }],
  ['an ID token algorithm other than RS256, ES256, EdDSA', { idTokenSignedResponseAlg: 'HS256' as 'RS256' }],
  ['a CORS origin with a path', { allowedCorsOrigins: ['https://rp.example/app'] }],
  ['a CORS origin with a trailing slash', { allowedCorsOrigins: ['https://rp.example/'] }],
  ['a CORS origin with its default port', { allowedCorsOrigins: ['https://rp.example:443'] }],
  ['a CORS origin with an upper-case host', { allowedCorsOrigins: ['https://RP.example'] }],
  ['a CORS origin over http off loopback', { allowedCorsOrigins: ['http://rp.example'] }],
  ['a CORS wildcard', { allowedCorsOrigins: ['*'] }],
  ['a resource that is not an absolute URI', { resources: ['api'] }],
  ['a resource with a fragment', { resources: ['https://api.example.com/#x'] }],
  ['a logo URI with a script scheme', { logoUri: 'javascript:alert(1)' }],
  ['a client URI over http off loopback', { clientUri: 'http://rp.example/' }],
]

/** Registers the client-fields contract for one backend. */
export function describeClientFieldsContract(name: string, factory: () => Promise<ClientStoreUnderTest>): void {
  describe(`${name}: client optional fields`, () => {
    let under: ClientStoreUnderTest | undefined
    let clients: AdministeredClientStore

    beforeEach(async () => {
      under = await factory()
      clients = under.clientStore
    })

    afterEach(async () => {
      await under?.close()
      under = undefined
    })

    it('keeps every optional field: the client read back is exactly what createClient builds', async () => {
      const expected = await createClient(EVERY_FIELD)
      const added = await clients.addClient(EVERY_FIELD)
      expect(added).toStrictEqual(expected)
      expect(await clients.fetchByClientId('rp')).toStrictEqual(expected)
      expect(await clients.listClients()).toStrictEqual([expected])
      expect(expected.resources).toEqual(['https://api.example.com', 'https://api.example.com/mcp/'])
      expect(expected.idTokenSignedResponseAlg).toBe('ES256')
    })

    it('leaves absent fields absent and keeps empty lists empty', async () => {
      const registration: ClientRegistration = {
        clientId: 'some',
        redirectUris: ['https://rp.example/cb'],
        idTokenSignedResponseAlg: 'EdDSA',
        postLogoutRedirectUris: [],
      }
      const fetched = await clients.addClient(registration).then(() => clients.fetchByClientId('some'))
      expect(fetched).toStrictEqual(await createClient(registration))
      expect(fetched?.postLogoutRedirectUris).toEqual([])
      for (const key of ['backchannelLogoutUri', 'allowedCorsOrigins', 'resources', 'logoUri', 'clientUri'] as const) {
        expect(fetched !== undefined && key in fetched, key).toBe(false)
      }
      await clients.addClient({ clientId: 'none', redirectUris: ['https://rp.example/cb'] })
      expect(await clients.fetchByClientId('none')).toStrictEqual(
        await createClient({ clientId: 'none', redirectUris: ['https://rp.example/cb'] }),
      )
    })

    it('replaces the optional fields when the client is registered again', async () => {
      await clients.addClient(EVERY_FIELD)
      const again: ClientRegistration = { clientId: 'rp', redirectUris: ['https://rp.example/cb'], logoUri: 'https://rp.example/new.png' }
      await clients.addClient(again)
      expect(await clients.fetchByClientId('rp')).toStrictEqual(await createClient(again))
    })

    it.each(INVALID)('refuses %s and stores nothing', async (_, bad) => {
      const registration = { ...EVERY_FIELD, ...bad }
      await expect(createClient(registration)).rejects.toThrow(TypeError)
      await expect(clients.addClient(registration)).rejects.toThrow(TypeError)
      expect(await clients.fetchByClientId('rp')).toBeUndefined()
    })
  })
}
