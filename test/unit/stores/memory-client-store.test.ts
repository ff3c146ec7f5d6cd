import { describe, expect, it } from 'vitest'
import { createClient, LocalClientStore, type ClientRegistration } from '../../../src/stores/memory-client-store.ts'
import { hashClientSecret, verifyClientSecret } from '../../../src/tokens/hash.ts'

const CALLBACK = 'https://client.example.com/cb'

describe('createClient', () => {
  it('builds a public client with the defaults', async () => {
    const client = await createClient({ clientId: 'public-app', redirectUris: ['http://127.0.0.1/cb'] })
    expect(client).toEqual({
      clientId: 'public-app',
      clientSecretHash: undefined,
      redirectUris: ['http://127.0.0.1/cb'],
      grantTypes: ['*'],
      responseTypes: ['code'],
      tokenEndpointAuthMethods: ['none'],
      scopes: undefined,
      requirePkce: false,
      name: undefined,
    })
  })

  it('hashes the secret of a confidential client, never keeping the plaintext, and allows both secret methods', async () => {
    const client = await createClient({ clientId: 'abc', clientSecret: 'xyz', redirectUris: [CALLBACK] })
    expect(client.clientSecretHash).toBeDefined()
    expect(client.clientSecretHash).not.toContain('xyz')
    expect(JSON.stringify(client)).not.toContain('"xyz"')
    expect(await verifyClientSecret('xyz', client.clientSecretHash ?? '')).toBe(true)
    expect(client.tokenEndpointAuthMethods).toEqual(['client_secret_basic', 'client_secret_post'])
  })

  it('keeps an already hashed secret as given', async () => {
    const hash = await hashClientSecret('s'.repeat(43))
    const client = await createClient({ clientId: 'abc', clientSecretHash: hash })
    expect(client.clientSecretHash).toBe(hash)
  })

  it('keeps the optional fields', async () => {
    const client = await createClient({
      clientId: 'abc',
      clientSecret: 'xyz',
      redirectUris: [CALLBACK],
      grantTypes: ['authorization_code'],
      responseTypes: ['code'],
      scopes: ['read'],
      requirePkce: true,
      name: 'Example',
      tokenEndpointAuthMethods: ['client_secret_post'],
    })
    expect(client.grantTypes).toEqual(['authorization_code'])
    expect(client.responseTypes).toEqual(['code'])
    expect(client.scopes).toEqual(['read'])
    expect(client.requirePkce).toBe(true)
    expect(client.name).toBe('Example')
    expect(client.tokenEndpointAuthMethods).toEqual(['client_secret_post'])
  })

  it('returns a frozen record that does not share arrays with the registration', async () => {
    const redirectUris = [CALLBACK]
    const scopes = ['read']
    const client = await createClient({ clientId: 'abc', redirectUris, scopes })
    redirectUris.push('https://evil.example/cb')
    scopes.push('admin')
    expect(client.redirectUris).toEqual([CALLBACK])
    expect(client.scopes).toEqual(['read'])
    expect(Object.isFrozen(client)).toBe(true)
    expect(Object.isFrozen(client.redirectUris)).toBe(true)
    expect(Object.isFrozen(client.grantTypes)).toBe(true)
    expect(Object.isFrozen(client.tokenEndpointAuthMethods)).toBe(true)
  })

  it.each<[string, ClientRegistration]>([
    ['an empty client id', { clientId: '' }],
    ['a client id with a control character (RFC 6749 appendix A.1: VSCHAR)', { clientId: 'abc\n' }],
    ['a client id with a non-ASCII character', { clientId: 'café' }],
    ['both clientSecret and clientSecretHash', { clientId: 'abc', clientSecret: 'xyz', clientSecretHash: 'sha256$a$b' }],
    ['an empty clientSecret', { clientId: 'abc', clientSecret: '' }],
    [
      'an http redirect URI on a non-loopback host (RFC 9700 section 2.6)',
      { clientId: 'abc', redirectUris: ['http://client.example.com/cb'] },
    ],
    ['a redirect URI with a fragment (RFC 6749 section 3.1.2)', { clientId: 'abc', redirectUris: [`${CALLBACK}#x`] }],
    ['a relative redirect URI', { clientId: 'abc', redirectUris: ['/cb'] }],
    ['one bad redirect URI among good ones', { clientId: 'abc', redirectUris: [CALLBACK, 'javascript:alert(1)'] }],
    ['a public client with client_secret_basic', { clientId: 'abc', tokenEndpointAuthMethods: ['client_secret_basic'] }],
    ['a public client with client_secret_post next to none', { clientId: 'abc', tokenEndpointAuthMethods: ['none', 'client_secret_post'] }],
    ['a confidential client with none', { clientId: 'abc', clientSecret: 'xyz', tokenEndpointAuthMethods: ['none'] }],
    [
      'a confidential client with none among its methods',
      { clientId: 'abc', clientSecret: 'xyz', tokenEndpointAuthMethods: ['client_secret_basic', 'none'] },
    ],
  ])('refuses %s with a TypeError', async (_why, registration) => {
    await expect(createClient(registration)).rejects.toThrow(TypeError)
  })

  it('accepts every printable ASCII character in a client id, space included (VSCHAR = %x20-7E)', async () => {
    const id = Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => String.fromCharCode(0x20 + i)).join('')
    expect((await createClient({ clientId: id })).clientId).toBe(id)
  })
})

describe('LocalClientStore', () => {
  it('stores, fetches, replaces and removes clients', async () => {
    const store = new LocalClientStore()
    expect(await store.fetchByClientId('abc')).toBeUndefined()
    const first = await store.addClient({ clientId: 'abc', clientSecret: 'xyz', redirectUris: [CALLBACK] })
    expect(await store.fetchByClientId('abc')).toBe(first)
    const second = await store.addClient({ clientId: 'abc', redirectUris: ['http://127.0.0.1/cb'] })
    expect(await store.fetchByClientId('abc')).toBe(second)
    expect(second.clientSecretHash).toBeUndefined()
    expect(await store.removeClient('abc')).toBe(true)
    expect(await store.removeClient('abc')).toBe(false)
    expect(await store.fetchByClientId('abc')).toBeUndefined()
  })

  it('stores nothing when the registration is invalid', async () => {
    const store = new LocalClientStore()
    await expect(store.addClient({ clientId: 'abc', redirectUris: ['http://client.example.com/cb'] })).rejects.toThrow(TypeError)
    expect(await store.fetchByClientId('abc')).toBeUndefined()
  })

  it('keeps an existing client when a replacement is invalid', async () => {
    const store = new LocalClientStore()
    const client = await store.addClient({ clientId: 'abc', redirectUris: [CALLBACK] })
    await expect(store.addClient({ clientId: 'abc', redirectUris: ['nope'] })).rejects.toThrow(TypeError)
    expect(await store.fetchByClientId('abc')).toBe(client)
  })

  it('does not find clients by a name that is only on Object.prototype', async () => {
    const store = new LocalClientStore()
    expect(await store.fetchByClientId('constructor')).toBeUndefined()
    expect(await store.fetchByClientId('__proto__')).toBeUndefined()
  })
})
