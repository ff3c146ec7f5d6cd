/**
 * npm 11 lists, at the end of every install, the dependencies whose install scripts the project has not
 * reviewed in `allowScripts` (package.json); a later npm blocks them. The project approves exactly the ones
 * it needs (better-sqlite3's native build, esbuild's, and the runtimes the suite starts), so `npm ci` ends
 * without that warning. `npm approve-scripts --allow-scripts-pending` reads the installed tree, as the
 * warning does, and lists what is not covered.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const pkg = JSON.parse(readFileSync(new URL('package.json', new URL('../../', import.meta.url)), 'utf8')) as {
  readonly allowScripts: Readonly<Record<string, boolean>>
}
/** npm children get the environment without the npm_* variables of an enclosing `npm test`. */
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)))

it('npm leaves no dependency install script unreviewed: allowScripts covers better-sqlite3 and esbuild', async () => {
  expect(pkg.allowScripts).toMatchObject({ 'better-sqlite3': true, esbuild: true })
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const { stdout } = await promisify(execFile)(npm, ['approve-scripts', '--allow-scripts-pending', '--json'], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  })
  expect(JSON.parse(stdout)).toEqual({ allowScripts: [] })
}, 90_000)
