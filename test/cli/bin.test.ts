/**
 * The published binary: package.json `bin` names `dist/cli/main.js`, which `npm test` builds first (as
 * the quick-start test relies on `dist/cli/demo.js`), and it runs with plain Node.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ROOT } from './run-cli.ts'

const run = promisify(execFile)
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin?: Record<string, string>
  version: string
  scripts: Record<string, string>
}

describe('the oauth2-stack binary', () => {
  it('package.json declares it and an npm script for the sources', () => {
    expect(pkg.bin).toEqual({ 'oauth2-stack': 'dist/cli/main.js' })
    expect(pkg.scripts.cli).toBe('tsx --conditions=oauth2-stack:source src/cli/main.ts')
  })

  it('the built file starts with a node shebang and answers --version and --help', async () => {
    const file = join(ROOT, pkg.bin?.['oauth2-stack'] ?? 'missing')
    expect(readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n'), 'run npm run build first').toBe(true)
    const version = await run(process.execPath, [file, '--version'], { cwd: ROOT })
    expect(version.stdout).toBe(`${pkg.version}\n`)
    const help = await run(process.execPath, [file, 'client', 'add', '--help'], { cwd: ROOT })
    expect(help.stdout).toMatch(/^Usage: oauth2-stack client add/)
  })

  it('a usage error from the built file is exit code 2', async () => {
    const failure = await run(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'frobnicate'], { cwd: ROOT }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    )
    expect(failure?.code).toBe(2)
    expect(failure?.stderr).toContain('unknown command "frobnicate"')
  })
})
