import { describe, expect, it } from 'vitest'
import { AuthorizationController } from '../../src/controller.ts'
import { CONFIGURATION_ERROR_CODE, ConfigurationError } from '../../src/errors.ts'
import { DeviceCodeGrant } from '../../src/grants/device-code.ts'
import { RefreshToken } from '../../src/grants/refresh-token.ts'
import { Scope } from '../../src/checks/scope.ts'
import { LocalClientStore } from '../../src/stores/memory-client-store.ts'
import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import { LocalTokenStore } from '../../src/stores/memory-token-store.ts'
import { RandomTokenGenerator } from '../../src/tokens/random.ts'

/** Misconfiguration throws a TypeError with one stable code, whatever part of the library refuses it. */
describe('configuration errors', () => {
  const store = new LocalTokenStore()
  const base = { accessTokenStore: store, authCodeStore: store, clientStore: new LocalClientStore() }
  const cases: [string, () => unknown][] = [
    ['an http issuer off loopback', () => new AuthorizationController({ ...base, issuer: 'http://auth.example.com' })],
    ['a negative refresh lifetime', () => new RefreshToken({ expiresIn: -1 })],
    ['a device grant with equal paths', () => new DeviceCodeGrant({ deviceAuthorizationPath: '/x', verificationPath: '/x' })],
    ['a scope default outside the available ones', () => new Scope({ available: ['read'], default: ['write'] })],
    ['a token generator of too few bytes', () => new RandomTokenGenerator({ bytes: 4 })],
    ['a record kind with capitals', () => new LocalRecordStore().getRecord('Bad', 'k')],
  ]
  it.each(cases)('%s', async (_, build) => {
    let thrown: unknown
    try {
      await build()
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TypeError)
    expect(thrown).toBeInstanceOf(ConfigurationError)
    expect((thrown as { code?: unknown }).code).toBe(CONFIGURATION_ERROR_CODE)
    expect((thrown as Error).name).toBe('ConfigurationError')
  })
})
