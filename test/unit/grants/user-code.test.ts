import { describe, expect, it } from 'vitest'
import { DeviceCodeGrant } from '../../../src/grants/device-code.ts'
import {
  checkUserCodeFormat,
  formatUserCode,
  generateUserCode,
  normalizeUserCode,
  USER_CODE_ALPHABET,
} from '../../../src/grants/user-code.ts'
import { LocalDeviceCodeStore } from '../../../src/stores/memory-device-code-store.ts'

describe('user codes (RFC 8628 section 6.1)', () => {
  it('are drawn from the alphabet, shown in groups of four', () => {
    const codes = Array.from({ length: 200 }, () => generateUserCode(USER_CODE_ALPHABET, 8))
    for (const code of codes) expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/)
    expect(new Set(codes).size).toBeGreaterThan(195)
    expect(formatUserCode('WDJBMJHT')).toBe('WDJB-MJHT')
    expect(formatUserCode('ABCDEFGHIJ')).toBe('ABCD-EFGH-IJ')
  })

  it('are compared case-insensitively with dashes and spaces ignored; anything else is no code', () => {
    expect(normalizeUserCode('wdjb-mjht', USER_CODE_ALPHABET, 8)).toBe('WDJBMJHT')
    expect(normalizeUserCode(' WdJb MjHt ', USER_CODE_ALPHABET, 8)).toBe('WDJBMJHT')
    expect(normalizeUserCode('WDJB--MJHT', USER_CODE_ALPHABET, 8)).toBe('WDJBMJHT')
    expect(normalizeUserCode('WDJB-MJH', USER_CODE_ALPHABET, 8)).toBeUndefined()
    expect(normalizeUserCode('WDJB-MJHA', USER_CODE_ALPHABET, 8)).toBeUndefined()
    expect(normalizeUserCode('WDJB_MJHT', USER_CODE_ALPHABET, 8)).toBeUndefined()
    expect(normalizeUserCode('-'.repeat(100), USER_CODE_ALPHABET, 8)).toBeUndefined()
  })

  it('alphabet and length are checked at start-up', () => {
    expect(() => checkUserCodeFormat(USER_CODE_ALPHABET, 8)).not.toThrow()
    expect(() => checkUserCodeFormat('0123456789', 9)).not.toThrow()
    expect(() => checkUserCodeFormat('abc', 8)).toThrow(/userCodeAlphabet/)
    expect(() => checkUserCodeFormat('AAB', 30)).toThrow(/distinct/)
    expect(() => checkUserCodeFormat('A-B', 30)).toThrow(/userCodeAlphabet/)
    expect(() => checkUserCodeFormat(USER_CODE_ALPHABET, 3)).toThrow(/userCodeLength/)
    expect(() => checkUserCodeFormat('0123456789', 5)).toThrow(/2\^20/)
  })
})

describe('DeviceCodeGrant options', () => {
  const deviceCodeStore = new LocalDeviceCodeStore()
  it.each([
    [{ expiresIn: 0 }, /expiresIn/],
    [{ expiresIn: 3601 }, /expiresIn/],
    [{ interval: 0 }, /interval/],
    [{ interval: 2.5 }, /interval/],
    [{ userCodeLength: 2 }, /userCodeLength/],
    [{ userCodeAlphabet: 'aeiou' }, /userCodeAlphabet/],
    [{ verificationPath: '/device_authorization' }, /paths must differ/],
  ])('refuses %o', (options, message) => {
    expect(() => new DeviceCodeGrant({ deviceCodeStore, ...options })).toThrow(message)
  })

  it('needs no store of its own: the controller keeps device codes in its records by default', () => {
    const grant = new DeviceCodeGrant()
    expect(grant).toBeInstanceOf(DeviceCodeGrant)
  })
})
