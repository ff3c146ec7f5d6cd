import { describe, expect, it } from 'vitest'
import {
  checkClientSecretStrength,
  isLoopbackIssuer,
  isSlowSecretHash,
  weakSecretClients,
} from '../../../src/checks/client-secret-strength.ts'
import { createClient } from '../../../src/stores/client-registration.ts'
import { generateClientSecret } from '../../../src/tokens/hash.ts'

describe('client secret strength (issue 17 item 2)', () => {
  it('loopback issuers accept any secret; others refuse short ones unless allowed', () => {
    for (const issuer of ['http://localhost:8080', 'http://127.0.0.1', 'http://[::1]:9000/base']) {
      expect(isLoopbackIssuer(issuer)).toBe(true)
      expect(() => checkClientSecretStrength('abc', 'xyz', { issuer })).not.toThrow()
    }
    expect(isLoopbackIssuer('https://auth.example.com')).toBe(false)
    expect(isLoopbackIssuer('not a url')).toBe(false)
    expect(() => checkClientSecretStrength('abc', 'xyz', { issuer: 'https://auth.example.com' })).toThrow(/fewer than 43 characters/)
    expect(() =>
      checkClientSecretStrength('abc', 'xyz', { issuer: 'https://auth.example.com', allowWeakClientSecrets: true }),
    ).not.toThrow()
    expect(() => checkClientSecretStrength('abc', generateClientSecret(), { issuer: 'https://auth.example.com' })).not.toThrow()
  })

  it('createClient refuses a short secret where the issuer is known and not a loopback one', async () => {
    await expect(createClient({ clientId: 'abc', clientSecret: 'xyz' }, { issuer: 'https://auth.example.com' })).rejects.toThrow(
      /fewer than 43/,
    )
    await expect(createClient({ clientId: 'abc', clientSecret: 'xyz' }, { issuer: 'http://localhost:8080' })).resolves.toMatchObject({
      clientId: 'abc',
    })
    await expect(
      createClient({ clientId: 'abc', clientSecret: 'xyz' }, { issuer: 'https://auth.example.com', allowWeakClientSecrets: true }),
    ).resolves.toMatchObject({ clientId: 'abc' })
  })

  it('finds stored short secrets for the start-up warning, only where the policy refuses them', async () => {
    const weak = await createClient({ clientId: 'abc', clientSecret: 'xyz' })
    const strong = await createClient({ clientId: 'gen', clientSecret: generateClientSecret() })
    const open = await createClient({ clientId: 'public' })
    expect([weak, strong, open].map((client) => isSlowSecretHash(client.clientSecretHash))).toEqual([true, false, false])
    expect(weakSecretClients([weak, strong, open], { issuer: 'https://auth.example.com' }).map((client) => client.clientId)).toEqual([
      'abc',
    ])
    expect(weakSecretClients([weak], { issuer: 'http://localhost' })).toEqual([])
    expect(weakSecretClients([weak], { issuer: 'https://auth.example.com', allowWeakClientSecrets: true })).toEqual([])
  })
})
