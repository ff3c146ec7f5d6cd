import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, resolveLimits } from '../../../src/limits/policies.ts'

describe('resolveLimits', () => {
  it('every limit is on by default', () => {
    const limits = resolveLimits(undefined)
    for (const [name, policy] of Object.entries(DEFAULT_LIMITS)) expect(limits[name as keyof typeof limits]).toEqual({ name, ...policy })
  })

  it('a policy replaces its default, false turns one off, false for the option turns all off', () => {
    const limits = resolveLimits({ signIn: { max: 3, windowSeconds: 60 }, deviceAuthorization: false })
    expect(limits.signIn).toEqual({ name: 'signIn', max: 3, windowSeconds: 60 })
    expect(limits.deviceAuthorization).toBeUndefined()
    expect(limits.userCodeGuesses).toEqual({ name: 'userCodeGuesses', ...DEFAULT_LIMITS.userCodeGuesses })
    expect(Object.values(resolveLimits(false)).every((limit) => limit === undefined)).toBe(true)
  })

  it('refuses unknown names and policies out of range', () => {
    expect(() => resolveLimits({ signin: false } as never)).toThrow(/unknown limit "signin"/)
    expect(() => resolveLimits({ signIn: { max: 0, windowSeconds: 60 } })).toThrow(TypeError)
    expect(() => resolveLimits({ signIn: { max: 1.5, windowSeconds: 60 } })).toThrow(TypeError)
    expect(() => resolveLimits({ signIn: { max: 1, windowSeconds: 0 } })).toThrow(TypeError)
    expect(() => resolveLimits({ signIn: { max: 1, windowSeconds: 86_401 } })).toThrow(TypeError)
    expect(() => resolveLimits({ signIn: null as never })).toThrow(TypeError)
  })

  it('the device defaults keep one address below 2^-20 per code lifetime (docs/limits.md)', () => {
    const codes = 20 ** 8
    const pending = 2 * DEFAULT_LIMITS.devicePendingTotal.max
    // A 600 s lifetime overlaps at most two 900 s windows.
    const guesses = 2 * DEFAULT_LIMITS.userCodeGuesses.max
    expect((guesses * pending) / codes).toBeLessThan(2 ** -20)
  })
})
