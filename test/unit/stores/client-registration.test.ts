/**
 * Client registration after the security review (issue 17): findings 5 (implicit only when registered
 * for it), 7 (one URI rule; a URI with CR/LF is a TypeError, not a stored 500) and 8 (no control
 * characters in secrets or names); stored URIs that today's rule refuses are reported, not dropped.
 */
import { describe, expect, it } from 'vitest'
import { createClient, storedUriProblems } from '../../../src/stores/client-registration.ts'
import { createClient as createClientViaMemoryStore, LocalClientStore } from '../../../src/stores/memory-client-store.ts'
import { createClient as createClientViaBarrel } from '../../../src/stores/index.ts'
import { verifyClientSecret } from '../../../src/tokens/hash.ts'
import type { Client } from '../../../src/types.ts'

describe('createClient: response types (finding 5)', () => {
  it('defaults to code only (no implicit grant unless registered for it)', async () => {
    expect((await createClient({ clientId: 'a', redirectUris: ['https://a.example/cb'] })).responseTypes).toEqual(['code'])
    expect((await createClient({ clientId: 'b', clientSecret: 'xyz', redirectUris: ['https://a.example/cb'] })).responseTypes).toEqual([
      'code',
    ])
  })

  it('adds token for a client whose grant types name implicit (RFC 7591 section 2.1), and keeps what is given', async () => {
    expect((await createClient({ clientId: 'a', grantTypes: ['authorization_code', 'implicit'] })).responseTypes).toEqual(['code', 'token'])
    expect((await createClient({ clientId: 'b', responseTypes: ['token'] })).responseTypes).toEqual(['token'])
    expect((await createClient({ clientId: 'c', responseTypes: ['*'] })).responseTypes).toEqual(['*'])
  })
})

describe('createClient: redirect URIs (finding 7)', () => {
  it.each([
    'http://127.0.0.1\\@evil.example/cb',
    'http://localhost/c\r\nb',
    'https://client.example/cb\r\nLocation: https://evil.example',
    'http://local\thost/cb',
    'https://Client.example/cb',
    'https://client.example/%zz',
  ])('refuses %j with a TypeError naming the client', async (uri) => {
    await expect(createClient({ clientId: 'app', redirectUris: [uri] })).rejects.toThrow(/^client app: redirect URI /)
  })

  it('is the same function from the memory store and the barrel (the SQL and Redis stores import it there)', () => {
    expect(createClientViaMemoryStore).toBe(createClient)
    expect(createClientViaBarrel).toBe(createClient)
  })

  it('LocalClientStore stores nothing when a URI is refused', async () => {
    const store = new LocalClientStore()
    await expect(store.addClient({ clientId: 'app', redirectUris: ['http://127.0.0.1\\@evil.example/cb'] })).rejects.toThrow(TypeError)
    expect(await store.fetchByClientId('app')).toBeUndefined()
  })
})

describe('createClient: control characters (finding 8)', () => {
  it.each(['xyz\0', 'secret\r\n', '\u001b[2Jsecret', 'abc\u009b'])('refuses the secret %j', async (clientSecret) => {
    await expect(createClient({ clientId: 'app', clientSecret })).rejects.toThrow('clientSecret must not contain control characters')
  })

  it.each(['\u001b[31mred\u001b[0m', 'two\nlines', 'csi\u009b2J'])('refuses the name %j', async (name) => {
    await expect(createClient({ clientId: 'app', name })).rejects.toThrow('name must not contain control characters')
  })

  it('keeps printable Unicode in secrets and names', async () => {
    const client = await createClient({ clientId: 'app', clientSecret: 'pässwörd €', name: 'Café ☕' })
    expect(client.name).toBe('Café ☕')
    expect(await verifyClientSecret('pässwörd €', client.clientSecretHash ?? '')).toBe(true)
  })
})

describe('storedUriProblems', () => {
  it('lists the stored redirect URIs that registration refuses today, and only those', () => {
    // A record as an older version stored it, with URIs today's createClient refuses.
    const stored: Client = {
      clientId: 'old',
      clientSecretHash: undefined,
      redirectUris: ['https://ok.example/cb', 'http://127.0.0.1\\@evil.example/cb', 'http://localhost/c\r\nb'],
      grantTypes: ['*'],
      responseTypes: ['*'],
      tokenEndpointAuthMethods: ['none'],
      scopes: undefined,
      requirePkce: false,
      name: undefined,
    }
    const problems = storedUriProblems(stored)
    expect(problems.map(({ uri, problem }) => [uri, problem.code])).toEqual([
      ['http://127.0.0.1\\@evil.example/cb', 'forbidden_character'],
      ['http://localhost/c\r\nb', 'forbidden_character'],
    ])
    expect(problems[1]?.problem.message).toContain('\\r\\n')
  })
})
