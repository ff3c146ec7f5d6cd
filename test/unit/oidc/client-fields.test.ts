import { describe, expect, it } from 'vitest'
import { createClient } from '../../../src/stores/client-registration.ts'

describe('the OpenID Connect client fields', () => {
  it('are kept when given, absent otherwise, and checked', async () => {
    const plain = await createClient({ clientId: 'a', redirectUris: ['https://a.example/cb'] })
    expect('postLogoutRedirectUris' in plain).toBe(false)
    const full = await createClient({
      clientId: 'b',
      postLogoutRedirectUris: ['https://b.example/bye'],
      backchannelLogoutUri: 'https://b.example/bc',
      idTokenSignedResponseAlg: 'ES256',
      allowedCorsOrigins: ['https://b.example', 'http://127.0.0.1:5173'],
    })
    expect(full).toMatchObject({ postLogoutRedirectUris: ['https://b.example/bye'], idTokenSignedResponseAlg: 'ES256' })
    await expect(createClient({ clientId: 'c', postLogoutRedirectUris: ['https://c.example/#f'] })).rejects.toThrow(/post-logout/)
    await expect(createClient({ clientId: 'c', backchannelLogoutUri: 'http://c.example/bc' })).rejects.toThrow(/back-channel/)
    await expect(createClient({ clientId: 'c', allowedCorsOrigins: ['https://c.example/'] })).rejects.toThrow(/not an origin/)
    await expect(createClient({ clientId: 'c', allowedCorsOrigins: ['*'] })).rejects.toThrow(/not an origin/)
    await expect(createClient({ clientId: 'c', idTokenSignedResponseAlg: 'none' as 'RS256' })).rejects.toThrow(/RS256/)
  })
})
