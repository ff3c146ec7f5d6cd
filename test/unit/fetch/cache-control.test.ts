/** How long a fetched document is kept (issue 14): per Cache-Control, within bounds. */
import { describe, expect, it } from 'vitest'
import { freshnessSeconds } from '../../../src/fetch/cache-control.ts'

const bounds = { minSeconds: 60, maxSeconds: 86_400, defaultSeconds: 600 }

describe('freshnessSeconds', () => {
  it.each<[string | undefined, number]>([
    [undefined, 600],
    ['', 600],
    ['public', 600],
    ['max-age=3600', 3600],
    ['public, max-age=3600', 3600],
    ['Max-Age="120"', 120],
    ['max-age=5', 60],
    ['max-age=31536000', 86_400],
    ['max-age=0', 0],
    ['max-age=-1', 0],
    ['max-age=soon', 0],
    ['no-store', 0],
    ['max-age=3600, no-store', 0],
    ['no-cache', 0],
    ['private, max-age=300', 300],
  ])('%s → %i s', (header, seconds) => {
    expect(freshnessSeconds(header, bounds)).toBe(seconds)
  })

  it('never keeps a document without max-age longer than the maximum', () => {
    expect(freshnessSeconds(undefined, { minSeconds: 1, maxSeconds: 30, defaultSeconds: 600 })).toBe(30)
  })
})
