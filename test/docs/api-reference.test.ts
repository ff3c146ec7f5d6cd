/**
 * The API reference builds from the TSDoc with zero warnings: `npm run docs` (TypeDoc over the package's
 * entry points, typedoc.json) with warnings as errors, so an unexported type in the public API, a broken
 * `{@link}` or a link to something left out of the docs fails here. Written to a temporary folder.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url).pathname
const run = promisify(execFile)

describe('API reference (TypeDoc)', () => {
  const out = mkdtempSync(join(tmpdir(), 'oauth2-stack-api-'))
  afterAll(() => rmSync(out, { recursive: true, force: true }))

  it('documents every subpath export with zero warnings', { timeout: 120_000 }, async () => {
    const config = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as {
      entryPoints: string[]
      treatWarningsAsErrors: boolean
    }
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>
    }
    const sources = Object.values(manifest.exports).flatMap((target) =>
      typeof target === 'string' ? [] : [target['oauth2-stack:source']?.replace(/^\.\//, '') ?? ''],
    )
    expect(config.treatWarningsAsErrors).toBe(true)
    expect([...new Set(config.entryPoints)].sort()).toEqual([...new Set(sources)].sort())

    const result = await run(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', out], {
      cwd: root,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code ?? 1,
        output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
      }),
    )
    expect(result.output).not.toMatch(/\[warning\]|\[error\]/)
    expect(result).toMatchObject({ code: 0 })
    expect(existsSync(join(out, 'index.html'))).toBe(true)
  })
})
