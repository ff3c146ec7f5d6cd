/**
 * The OpenID Connect request parameters that decide login and consent (Core section 3.1.2.1): `prompt`
 * (known values kept, unknown ones ignored, `none` alone or `invalid_request`), `max_age` (whole seconds),
 * the hints; and which clients count as loopback-only for remembered consent.
 */
import { describe, expect, it } from 'vitest'
import { InvalidRequest } from '../../../src/errors.ts'
import { readAuthorizationParameters } from '../../../src/sessions/authorization-parameters.ts'
import { redirectsOnlyToLoopback } from '../../../src/sessions/consent-loopback.ts'
import type { Client } from '../../../src/types.ts'

const read = (params: Record<string, string>) => readAuthorizationParameters((name) => params[name])

describe('readAuthorizationParameters', () => {
  it('nothing asked: no prompt, no max_age, no hints', () => {
    expect(read({})).toEqual({ prompts: new Set(), maxAge: undefined, loginHint: undefined, idTokenHint: undefined })
  })

  it('keeps the known prompt values, ignores unknown ones and extra spaces', () => {
    expect([...read({ prompt: ' login  consent select_account later ' }).prompts]).toEqual(['login', 'consent', 'select_account'])
    expect([...read({ prompt: 'none' }).prompts]).toEqual(['none'])
    expect([...read({ prompt: '' }).prompts]).toEqual([])
  })

  it('none with any other value (known or not) is invalid_request', () => {
    for (const prompt of ['none login', 'consent none', 'none none', 'none later']) {
      expect(() => read({ prompt })).toThrow(InvalidRequest)
    }
  })

  it('max_age: whole seconds, 0 included; anything else is invalid_request', () => {
    expect(read({ max_age: '0' }).maxAge).toBe(0)
    expect(read({ max_age: '3600' }).maxAge).toBe(3600)
    for (const maxAge of ['', '-1', '1.5', '1e3', ' 1', '99999999999']) expect(() => read({ max_age: maxAge })).toThrow(InvalidRequest)
  })

  it('hints are passed on; empty ones are absent', () => {
    expect(read({ login_hint: 'alice@example.com', id_token_hint: 'eyJ' })).toMatchObject({
      loginHint: 'alice@example.com',
      idTokenHint: 'eyJ',
    })
    expect(read({ login_hint: '', id_token_hint: '' })).toMatchObject({ loginHint: undefined, idTokenHint: undefined })
  })
})

describe('redirectsOnlyToLoopback', () => {
  const client = (redirectUris: string[]): Client => ({
    clientId: 'c',
    clientSecretHash: undefined,
    redirectUris,
    grantTypes: [],
    responseTypes: ['code'],
    tokenEndpointAuthMethods: ['none'],
    scopes: undefined,
    requirePkce: true,
    name: undefined,
  })

  it('every redirect URI on the machine itself', () => {
    expect(
      redirectsOnlyToLoopback(client(['http://localhost:3000/cb', 'http://127.0.0.2/cb', 'http://[::1]/cb', 'http://x.localhost/cb'])),
    ).toBe(true)
  })

  it('one URI elsewhere, none at all, or an unparsable one: not loopback-only', () => {
    expect(redirectsOnlyToLoopback(client(['http://localhost/cb', 'https://app.example/cb']))).toBe(false)
    expect(redirectsOnlyToLoopback(client([]))).toBe(false)
    expect(redirectsOnlyToLoopback(client(['not a uri']))).toBe(false)
    expect(redirectsOnlyToLoopback(client(['com.example.app:/cb']))).toBe(false)
    expect(redirectsOnlyToLoopback(client(['http://localhost.example.com/cb']))).toBe(false)
  })
})
