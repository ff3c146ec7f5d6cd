import { describe, expect, it } from 'vitest'
import { parseUiLocales } from '../../../src/web/page-hooks.ts'

describe('parseUiLocales (OpenID Connect Core section 3.1.2.1)', () => {
  it('splits on spaces, in order of preference', () => {
    expect(parseUiLocales('fr-CA fr en')).toEqual(['fr-CA', 'fr', 'en'])
  })

  it('leaves out malformed tags, empty entries and repeats (case-insensitively)', () => {
    expect(parseUiLocales('  de  <x> en_US zh-Hant-TW DE toolongsubtag1 sr-Latn-RS')).toEqual(['de', 'zh-Hant-TW', 'sr-Latn-RS'])
  })

  it('is empty without the parameter and keeps at most ten tags', () => {
    expect(parseUiLocales(undefined)).toEqual([])
    expect(parseUiLocales('')).toEqual([])
    const many = Array.from({ length: 15 }, (_, index) => `x-t${index}`).join(' ')
    expect(parseUiLocales(many)).toHaveLength(10)
  })
})
