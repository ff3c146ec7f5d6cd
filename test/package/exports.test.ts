import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { STORE_DRIVERS } from '../../src/stores/drivers.ts'

const root = new URL('../../', import.meta.url)
const rootPath = fileURLToPath(root)

/** One entry of the `exports` map: the private source condition, then the built types and code. */
interface ExportTarget {
  readonly 'oauth2-stack:source': string
  readonly types: string
  readonly default: string
}

const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  readonly main: string
  readonly types: string
  readonly exports: Readonly<Record<string, ExportTarget | string>>
  readonly typesVersions: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>
}
const entries = Object.entries(pkg.exports).filter((entry): entry is [string, ExportTarget] => typeof entry[1] !== 'string')
const subpaths = entries.map(([subpath]) => subpath)
const sources = new Set(entries.map(([, target]) => target['oauth2-stack:source']))

/**
 * Source files that are deliberately not subpaths, each with its reason. Every other `index.ts`, adapter
 * and store backend must be exported.
 */
const NOT_PUBLIC: Readonly<Record<string, string>> = {
  'src/adapters/node-request.ts': 'builds a web Request from a node:http request; used by the node, Express, Fastify and Koa adapters',
  'src/adapters/read-body.ts': 'the shared body reader of the adapters',
  'src/registration/index.ts': "the registration folder's barrel; its public names are exported by the root entry, oauth2-stack",
}

/** Runs a snippet with the built package (npm test builds first), as a user's project would load it. */
function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
}

function filesUnder(directory: string): string[] {
  return readdirSync(join(rootPath, directory), { recursive: true, encoding: 'utf8' }).map((file) =>
    join(directory, file).replaceAll('\\', '/'),
  )
}

describe('package exports: one list, in package.json', () => {
  it.each(entries)('%s: its source condition names the TypeScript file its dist targets are built from', (_subpath, target) => {
    const source = target['oauth2-stack:source']
    expect(Object.keys(target)).toEqual(['oauth2-stack:source', 'types', 'default'])
    expect(source).toMatch(/^\.\/src\/.+\.ts$/)
    expect(existsSync(new URL(source, root)), source).toBe(true)
    const built = source.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '')
    expect(target.types).toBe(`${built}.d.ts`)
    expect(target.default).toBe(`${built}.js`)
  })

  it('every index.ts, adapter and store backend under src/ has a subpath, unless listed as not public with a reason', () => {
    const candidates = [
      ...filesUnder('src').filter((file) => file.endsWith('/index.ts') && !file.startsWith('src/cli/')),
      ...filesUnder('src/adapters').filter((file) => file.endsWith('.ts')),
      ...Object.values(STORE_DRIVERS).map((driver) => `src/stores/${driver.module}.ts`),
      'src/stores/from-url.ts',
      'src/errors.ts',
    ]
    const missing = candidates.filter((file) => !sources.has(`./${file}`) && NOT_PUBLIC[file] === undefined)
    expect(missing).toEqual([])
    for (const file of Object.keys(NOT_PUBLIC))
      expect(existsSync(join(rootPath, file)), `${file} is listed as not public but does not exist`).toBe(true)
  })

  it('each store backend is published as oauth2-stack/store/<module>, and openStore as oauth2-stack/store/open', () => {
    for (const driver of Object.values(STORE_DRIVERS)) {
      expect(pkg.exports[`./store/${driver.module}`]).toMatchObject({ 'oauth2-stack:source': `./src/stores/${driver.module}.ts` })
    }
    expect(pkg.exports['./store/open']).toMatchObject({ 'oauth2-stack:source': './src/stores/from-url.ts' })
  })

  it('main, types and typesVersions (for moduleResolution node10) repeat the exports map exactly', () => {
    const main = pkg.exports['.'] as ExportTarget
    expect(pkg.main).toBe(main.default)
    expect(pkg.types).toBe(main.types)
    const expected = Object.fromEntries(
      entries.filter(([subpath]) => subpath !== '.').map(([subpath, target]) => [subpath.slice(2), [target.types]]),
    )
    expect(pkg.typesVersions).toEqual({ '*': expected })
  })

  it('oauth2-stack/store loads no database driver, so it bundles for any runtime', () => {
    const barrel = readFileSync(new URL('src/stores/index.ts', root), 'utf8')
    const values = [...barrel.matchAll(/^export \{[^}]*\} from '\.\/([\w-]+)\.ts'/gm)].map((match) => match[1])
    for (const driver of Object.values(STORE_DRIVERS)) expect(values).not.toContain(driver.module)
    expect(values).not.toContain('from-url')
    expect(values).not.toContain('drivers')
  })
})

describe('package exports (dist, as published)', () => {
  it.each(entries)('%s: its dist targets exist after the build', (_subpath, target) => {
    expect(existsSync(new URL(target.types, root)), target.types).toBe(true)
    expect(existsSync(new URL(target.default, root)), target.default).toBe(true)
  })

  it('the binary exists in dist', () => {
    const { bin } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { bin: Record<string, string> }
    for (const file of Object.values(bin)) expect(existsSync(join(rootPath, file)), relative(rootPath, join(rootPath, file))).toBe(true)
  })

  it.each(subpaths)('import("oauth2-stack%s") resolves and exports something', (subpath) => {
    const specifier = `oauth2-stack${subpath.slice(1)}`
    const out = node([
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(specifier)}); console.log(Object.keys(m).length)`,
    ])
    expect(Number(out.trim())).toBeGreaterThan(0)
  })

  it.each(subpaths)('require("oauth2-stack%s") works on Node >= 20.19 (require of ESM)', (subpath) => {
    const specifier = `oauth2-stack${subpath.slice(1)}`
    const out = node(['-e', `const m = require(${JSON.stringify(specifier)}); console.log(Object.keys(m).length)`])
    expect(Number(out.trim())).toBeGreaterThan(0)
  })

  it('the main entry exposes the controller and every subpath its seed names', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `const [a, g, s, t, w, e, n, o] = await Promise.all(['oauth2-stack', 'oauth2-stack/grant', 'oauth2-stack/store', 'oauth2-stack/tokengenerator', 'oauth2-stack/web', 'oauth2-stack/error', 'oauth2-stack/node', 'oauth2-stack/store/open'].map((m) => import(m)));
       console.log(JSON.stringify([typeof a.AuthorizationController, typeof g.AuthorizationCodeGrant, typeof g.ImplicitGrant, typeof g.ResourceOwnerGrant, typeof g.ClientCredentialsGrant, typeof g.RefreshToken, typeof g.Scope, typeof s.LocalClientStore, typeof s.LocalTokenStore, typeof t.Uuid4, typeof t.RandomTokenGenerator, typeof w.Request, typeof w.Response, typeof e.OAuthError, typeof e.UserNotAuthenticated, typeof e.InvalidGrant, typeof n.nodeHandler, typeof o.openStore]))`,
    ])
    expect(JSON.parse(out)).toEqual(Array(18).fill('function'))
  })
})
