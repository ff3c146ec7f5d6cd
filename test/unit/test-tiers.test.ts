/**
 * Every suite runs in `npm test`: each folder of test/ that holds a test file belongs to exactly one tier
 * (test/helpers/tiers.ts), and no test file sits at the top of test/.
 */
import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { TIERS } from '../helpers/tiers.ts'

const root = new URL('../', import.meta.url)
const folders = readdirSync(root, { withFileTypes: true })
const withTests = folders
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .filter((name) => readdirSync(new URL(`${name}/`, root), { recursive: true }).some((file) => String(file).endsWith('.test.ts')))

describe('test tiers', () => {
  it.each(withTests)('test/%s/ is in exactly one tier', (folder) => {
    const tiers = Object.entries(TIERS).filter(([, list]) => (list as readonly string[]).includes(folder))
    expect(tiers.map(([name]) => name)).toHaveLength(1)
  })

  it('no test file sits at the top of test/ (it would be in no tier)', () => {
    expect(folders.filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts')).map((entry) => entry.name)).toEqual([])
  })

  it('finds the suites (the check itself reads test/)', () => {
    expect(withTests).toEqual(expect.arrayContaining(['unit', 'flows', 'contract', 'browser', 'soak']))
  })
})
