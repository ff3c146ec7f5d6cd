/**
 * The README's TypeScript samples and every TSDoc `@example` in src/ compile against the package's source:
 * each is written to a module of its own under test-artifacts/ (inside the package, so `oauth2-stack/*`
 * resolves to the package itself, through its source condition as tsconfig.json's `customConditions` sets),
 * and the lot is type-checked with the project's strict options (test/helpers/doc-samples.ts). This runs
 * in the inner loop with no build; test/package/pack.test.ts checks the same samples against the installed
 * tarball's declarations (all but the CLI's examples, whose module no subpath exports).
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { docSamples, sampleCounts, typeCheckSamples } from '../helpers/doc-samples.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const samples = docSamples()
const dir = join(root, 'test-artifacts', `doc-examples-${process.pid}`)

describe('README samples and TSDoc @example blocks compile against the package source', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('finds every sample (one per ```ts block of the README and per @example tag)', () => {
    const { readme, tags } = sampleCounts()
    expect(readme).toBeGreaterThan(0)
    expect(tags).toBeGreaterThan(0)
    expect(samples).toHaveLength(readme + tags)
    for (const sample of samples) expect(sample.code.trim(), sample.origin).not.toBe('')
  })

  it('type-checks them all with the project options (tsc --noEmit)', { timeout: 120_000 }, async () => {
    const { failing, diagnostics, files } = await typeCheckSamples(dir, samples, 'source')
    expect({ failing, diagnostics }).toEqual({ failing: [], diagnostics: '' })
    expect(files.filter((file) => /\/sample-\d+\.ts$/.test(file))).toHaveLength(samples.length)
    expect(files).toContain(join(root, 'src/index.ts'))
  })
})
