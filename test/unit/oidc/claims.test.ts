import { describe, expect, it } from 'vitest'
import { ClaimRules } from '../../../src/oidc/claims.ts'

describe('ClaimRules (Core 1.0 section 5.4)', () => {
  const claims = { name: 'A', email: 'a@example.com', phone_number: '1', sub: 'spoofed', tenant: 't1', secret: 'x' }

  it("releases only what the granted scopes cover, with the token's sub", () => {
    const rules = new ClaimRules({ tenant: ['tenant'] })
    expect(rules.release(claims, ['openid'], 'u1')).toEqual({ sub: 'u1' })
    expect(rules.release(claims, ['openid', 'email', 'profile'], 'u1')).toEqual({ sub: 'u1', name: 'A', email: 'a@example.com' })
    expect(rules.release(claims, ['openid', 'tenant'], 'u1')).toEqual({ sub: 'u1', tenant: 't1' })
    expect(rules.supported).toEqual(expect.arrayContaining(['sub', 'auth_time', 'name', 'email', 'tenant']))
    expect(rules.supported).not.toContain('secret')
  })
})
