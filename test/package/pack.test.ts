/**
 * The package as a user installs it: `npm pack` in a copy of the checkout without `dist/` (so `prepack` must
 * build), the tarball installed into an empty project with the peers and type packages a user adds (from the
 * npm registry), and there: every subpath imported from ESM; the types of every subpath compiled from ESM
 * TypeScript projects (`node16`, `nodenext`, `bundler`) and two CommonJS ones that then run (require(esm));
 * the README's samples and public modules' `@example`s type-checked, strict, against the installed dist/
 * declarations (test/helpers/doc-samples.ts); metadata and CHANGELOG; `npx oauth2-stack --help`; `serve` on
 * this Node with no other install step (node:sqlite on Node 22.13 and later: a sign-in, a token exchange and
 * a restart that keeps them; on Node 20 the one line saying what to install, and nothing created); then
 * better-sqlite3 (13 from Node 22, else 12) installed beside it and used by the SQLite store; publint and
 * @arethetypeswrong on the tarball. A system test: it runs npm and tsc, so it takes about a minute.
 */
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { basic, postForm, runCli, startServe, type RunOptions } from '../cli/run-cli.ts'
import { authorizeUrl, openLoginPage, pkcePair, responseParams, submitForm } from '../helpers/browser.ts'
import { docSamples, sampleCounts, typeCheckSamples } from '../helpers/doc-samples.ts'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  readonly name: string
  readonly version: string
  readonly files: readonly string[]
  readonly exports: Readonly<Record<string, unknown>>
  readonly devDependencies: Readonly<Record<string, string>>
}
// Code subpaths: the string targets are files (package.json, the configuration schema), not modules.
const subpaths = Object.keys(pkg.exports).filter((subpath) => typeof pkg.exports[subpath] !== 'string')
const specifiers = subpaths.map((subpath) => `${pkg.name}${subpath.slice(1)}`)

/**
 * Pure-JavaScript peers and the type packages the declarations name, installed beside the tarball at the
 * versions the suite tests (better-sqlite3 is a native addon: left out; its types are not).
 */
const PEERS = ['express', 'koa', 'fastify', 'pg', 'mysql2', 'ioredis', 'redis', 'memjs'] as const
const TYPES = ['@types/node', '@types/express', '@types/koa', '@types/pg', '@types/memjs', '@types/better-sqlite3'] as const

/** npm and node children get the environment without the npm_* variables of an enclosing `npm test`. */
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const tsc = join(root, 'node_modules/typescript/bin/tsc')

/** Each step runs npm, node or tsc on a machine that may be busy: generous limits, never a race. */
const SLOW = 180_000

// A fresh checkout: the build's configuration and what `files` ships, but no dist/ (the build prepack makes).
const CHECKOUT = ['package.json', 'tsconfig.json', 'tsconfig.build.json', ...pkg.files.filter((entry) => entry !== 'dist')]
const work = mkdtempSync(join(tmpdir(), 'oauth2-pack-'))
const checkout = join(work, 'checkout')
const app = join(work, 'app')
let tarball = ''
let packedFiles: string[] = []

async function sh(file: string, args: readonly string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return run(file, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 240_000 })
}

beforeAll(async () => {
  mkdirSync(checkout)
  for (const entry of CHECKOUT) cpSync(join(root, entry), join(checkout, entry), { recursive: true })
  symlinkSync(join(root, 'node_modules'), join(checkout, 'node_modules'), 'dir') // for the build's tsc
  const packed = await sh(npm, ['pack', '--json', '--pack-destination', work], checkout)
  const [report] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[]
  if (report === undefined) throw new Error(`npm pack reported nothing: ${packed.stdout}`)
  tarball = join(work, report.filename)
  packedFiles = report.files.map((file) => file.path)

  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-smoke', version: '1.0.0', private: true, type: 'module' }))
  const peers = [...PEERS, ...TYPES].map((name) => `${name}@${pkg.devDependencies[name] ?? 'latest'}`)
  await sh(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', tarball, ...peers], app)
}, 300_000)

afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000)

describe('npm pack: the tarball a user installs', () => {
  it(
    'ships the build, the sources the maps point to, the binary, LICENSE, README, CHANGELOG, and no tests',
    () => {
      for (const file of [
        'package.json',
        'LICENSE',
        'README.md',
        'CHANGELOG.md',
        'SECURITY.md',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/index.d.ts.map',
        'dist/cli/main.js',
        'src/index.ts',
        'schema/oauth2-stack.config.schema.json',
      ]) {
        expect(packedFiles, file).toContain(file)
      }
      expect(packedFiles.filter((file) => /^(test|bench|examples|docs)\//.test(file) || file.endsWith('.tgz'))).toEqual([])
      // The metadata the registry's page shows, and the versioning policy the CHANGELOG states.
      const installed = join(app, 'node_modules', pkg.name)
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>
      expect(manifest).toMatchObject({
        license: 'MIT',
        repository: { type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/) as unknown },
        bugs: { url: expect.stringMatching(/^https:\/\/github\.com\/.+\/issues$/) as unknown },
        homepage: expect.stringMatching(/^https:\/\/github\.com\//) as unknown,
        engines: { node: expect.any(String) as unknown },
      })
      expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/)
      expect(readFileSync(join(installed, 'CHANGELOG.md'), 'utf8')).toMatch(/^## Versioning policy\n\n.*Semantic Versioning/m)
    },
    SLOW,
  )

  it(
    'every subpath imports from ESM in the installed package, the SQLite backend too (its driver is loaded when a store opens)',
    async () => {
      const script = `
      const results = {}
      for (const specifier of ${JSON.stringify(specifiers)}) {
        try { results[specifier] = Object.keys(await import(specifier)).length }
        catch (error) { results[specifier] = error.code + ': ' + error.message.split('\\n')[0] }
      }
      console.log(JSON.stringify(results))`
      const { stdout } = await sh(process.execPath, ['--input-type=module', '-e', script], app)
      const results = JSON.parse(stdout) as Record<string, number | string>
      for (const specifier of specifiers) expect(results[specifier], specifier).toBeGreaterThan(0)
    },
    SLOW,
  )

  it(
    'npx oauth2-stack --help runs the installed binary',
    async () => {
      const { stdout } = await sh(npm, ['exec', '--no', '--', 'oauth2-stack', '--help'], app)
      expect(stdout).toMatch(/^oauth2-stack: an OAuth 2\.0 authorization server/)
      expect(stdout).toContain('Usage: oauth2-stack <command> [options]')
    },
    SLOW,
  )

  /** A module importing every subpath as a namespace: run, it prints each one's number of exports. */
  const everySubpath = (typed: readonly string[] = []): string =>
    [
      ...specifiers.map((specifier, index) => `import * as m${index} from '${specifier}'`),
      ...typed,
      `const counts: Record<string, number> = {}`,
      ...specifiers.map((specifier, index) => `counts['${specifier}'] = Object.keys(m${index}).length`),
      `console.log(JSON.stringify(counts))`,
    ].join('\n')

  it.each([
    ['node16', 'node16'],
    ['nodenext', 'nodenext'],
    ['esnext', 'bundler'],
  ])(
    'the types compile from an ESM TypeScript project (module %s, moduleResolution %s) against every subpath',
    async (module, moduleResolution) => {
      const dir = join(app, `esm-${moduleResolution}`)
      mkdirSync(dir)
      writeFileSync(join(dir, 'index.ts'), everySubpath())
      // skipLibCheck as most projects set it: third-party declarations (@types/koa and its dependencies) do not
      // always agree with each other; each import above must still resolve to this package's declarations.
      const config = {
        compilerOptions: { module, moduleResolution, target: 'es2022', strict: true, skipLibCheck: true, noEmit: true, types: ['node'] },
        files: ['index.ts'],
      }
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config))
      const { stdout } = await sh(process.execPath, [tsc, '-p', dir, '--listFiles'], app)
      for (const subpath of subpaths) {
        const types = (pkg.exports[subpath] as { types: string }).types.slice(2)
        expect(stdout, subpath).toContain(`/node_modules/${pkg.name}/${types}`)
      }
    },
    SLOW,
  )

  it.each([
    ['commonjs', 'node10'],
    ['nodenext', 'nodenext'],
  ])(
    'a CommonJS TypeScript project (module %s) compiles against the types of every subpath and runs through require(esm)',
    async (module, moduleResolution) => {
      const dir = join(app, `cjs-${module}`)
      mkdirSync(dir)
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'commonjs' }))
      // Typed uses too, so a subpath whose types resolved to `any` would not pass unnoticed.
      const typed = [
        `import { AuthorizationController } from '${pkg.name}'`,
        `import { LocalClientStore, type ClientStore } from '${pkg.name}/store'`,
        `// @ts-expect-error a LocalClientStore is no number: the types are the package's, not any`,
        `const wrong: number = new LocalClientStore()`,
        `const clients: ClientStore = new LocalClientStore()`,
        `void [wrong, clients, AuthorizationController]`,
      ]
      writeFileSync(join(dir, 'index.ts'), everySubpath(typed))
      const config = {
        compilerOptions: { module, moduleResolution, target: 'es2022', strict: true, skipLibCheck: true, outDir: 'out', types: ['node'] },
        files: ['index.ts'],
      }
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config))
      await sh(process.execPath, [tsc, '-p', dir], app)
      expect(readFileSync(join(dir, 'out/index.js'), 'utf8')).toContain(`require("${pkg.name}/store/open")`)
      const { stdout } = await sh(process.execPath, ['--no-warnings', join(dir, 'out/index.js')], app)
      const counts = JSON.parse(stdout) as Record<string, number>
      for (const specifier of specifiers) expect(counts[specifier], specifier).toBeGreaterThan(0)
    },
    SLOW,
  )

  it(
    "the README's samples and the public modules' @examples type-check against the installed declarations (dist/), strict options",
    async () => {
      // The CLI's examples (src/cli/) name their own module's exports, which no subpath offers: source only, in test/docs.
      const samples = docSamples().filter((sample) => sample.packed)
      const { failing, diagnostics, files } = await typeCheckSamples(join(app, 'doc-samples'), samples, 'packed')
      expect({ failing, diagnostics }).toEqual({ failing: [], diagnostics: '' })
      // Every sample compiled (the README's and the public @examples, counted apart), the package's types from dist/ only.
      const { readme, publicTags } = sampleCounts()
      expect(readme * publicTags).toBeGreaterThan(0)
      expect(files.filter((file) => /\/doc-samples\/sample-\d+\.ts$/.test(file))).toHaveLength(readme + publicTags)
      const installed = files.flatMap((file) => file.split(`/node_modules/${pkg.name}/`).slice(1))
      expect(installed).toContain('dist/index.d.ts')
      expect(installed.filter((file) => !file.startsWith('dist/'))).toEqual([])
    },
    SLOW,
  )

  it(
    'publint (strict) finds nothing in the tarball',
    async () => {
      const bytes = readFileSync(tarball)
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
      const { messages, pkg: linted } = await publint({ pack: { tarball: buffer }, strict: true })
      expect(messages.map((message) => formatMessage(message, linted) ?? message.code)).toEqual([])
    },
    SLOW,
  )

  it(
    '@arethetypeswrong finds no problem under its profile for ESM-only packages',
    async () => {
      // The package is ESM-only by design (README, "CommonJS"): attw's `esm-only` profile leaves out the node10 and
      // node16-CommonJS resolutions, where TypeScript before 5.8 cannot type require() of ESM; CommonJS TypeScript
      // projects on `module: node20`/`nodenext` (and `commonjs`) are compiled and run above.
      const attw = join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js')
      // The configuration schema is a JSON file, not a module.
      const args = [attw, tarball, '--profile', 'esm-only', '--exclude-entrypoints', 'config.schema.json', '--format', 'ascii']
      // attw exits non-zero on any problem its profile does not ignore (sh rejects then).
      const { stdout } = await sh(process.execPath, args, app)
      expect(stdout).toContain("(ignoring resolutions: 'node10', 'node16-cjs')")
      // Every entry point (and package.json) resolves, with types, for ESM under node16 and for bundlers.
      const rows = stdout.split('\n').filter((line) => /^(node16 \(from ESM\)|bundler): /.test(line))
      expect(rows.length).toBeGreaterThanOrEqual(2 * subpaths.length)
      for (const row of rows) expect(row).toMatch(/: 🟢 ?(\((ESM|JSON)\))?$/)
      expect(existsSync(tarball)).toBe(true)
    },
    SLOW,
  )
})

const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split('.').map(Number)
/** node:sqlite without a flag: Node 22.13 and later. */
const hasNodeSqlite = nodeMajor > 22 || (nodeMajor === 22 && nodeMinor >= 13)
const DEMO_REDIRECT = 'http://localhost/callback'

describe(`oauth2-stack serve in the empty project, on Node ${process.versions.node} (no better-sqlite3 installed)`, () => {
  // The installed binary, run by this Node (as npx would on this PATH), in the project's directory: the default store.
  const cli = (): RunOptions => ({ cwd: app, bin: join(app, 'node_modules/.bin/oauth2-stack') })

  if (hasNodeSqlite) {
    it(
      'serves from ./.data through node:sqlite: sign-in, consent and token exchange; a restart keeps clients and tokens',
      async () => {
        let server = await startServe(['--port', '0', '--log', 'json'], cli())
        const tokens: Record<string, string> = {}
        let service = ''
        try {
          expect(server.output().stderr).toContain('Store:    sqlite:./.data/oauth2-stack.db\n')
          expect(server.output().stderr).not.toContain('oauth2-stack: warning')
          // A client registered by a second process on the same file, while the server runs.
          const added = await runCli(['client', 'add', '--json', '--id', 'packed-service', '--grant', 'client_credentials'], cli())
          expect(added.code, added.stderr).toBe(0)
          service = (JSON.parse(added.stdout) as { client_secret: string }).client_secret

          const pkce = pkcePair()
          const page = await openLoginPage(
            authorizeUrl(server.issuer, {
              response_type: 'code',
              client_id: 'abc',
              redirect_uri: DEMO_REDIRECT,
              state: 'packed',
              code_challenge: pkce.challenge,
              code_challenge_method: 'S256',
            }),
          )
          const decided = await submitForm(page, { action: 'approve', username: 'demo', password: 'demo' })
          expect(decided.status).toBe(303)
          const code = responseParams(decided.location, DEMO_REDIRECT).get('code') ?? ''
          const exchanged = await postForm(
            `${server.issuer}/token`,
            { grant_type: 'authorization_code', code, redirect_uri: DEMO_REDIRECT, code_verifier: pkce.verifier },
            basic('abc', 'xyz'),
          )
          expect(exchanged.status, JSON.stringify(exchanged.json)).toBe(200)
          tokens.access = String(exchanged.json.access_token)
          tokens.refresh = String(exchanged.json.refresh_token)
          const credentials = await postForm(
            `${server.issuer}/token`,
            { grant_type: 'client_credentials' },
            basic('packed-service', service),
          )
          expect(credentials.status).toBe(200)
        } finally {
          expect((await server.stop()).code).toBe(0)
        }
        expect(existsSync(join(app, '.data/oauth2-stack.db'))).toBe(true)

        server = await startServe(['--port', '0', '--log', 'json'], cli())
        try {
          const introspected = await postForm(`${server.issuer}/introspect`, { token: tokens.access ?? '' }, basic('abc', 'xyz'))
          expect(introspected.json).toMatchObject({ active: true, client_id: 'abc' })
          const refreshed = await postForm(
            `${server.issuer}/token`,
            { grant_type: 'refresh_token', refresh_token: tokens.refresh ?? '' },
            basic('abc', 'xyz'),
          )
          expect(refreshed.status, JSON.stringify(refreshed.json)).toBe(200)
          const credentials = await postForm(
            `${server.issuer}/token`,
            { grant_type: 'client_credentials' },
            basic('packed-service', service),
          )
          expect(credentials.status).toBe(200)
        } finally {
          expect((await server.stop()).code).toBe(0)
        }
      },
      SLOW,
    )
  } else {
    it(
      'exits 1 with the one line saying what to install, and creates no .data/',
      async () => {
        const result = await runCli(['serve', '--port', '0'], cli())
        expect(result.code).toBe(1)
        expect(result.stdout).toBe('')
        expect(result.stderr).toBe(
          `oauth2-stack: the sqlite: store needs better-sqlite3 on Node ${process.versions.node} (node:sqlite comes with Node 22.13 and later): ` +
            'run npm install better-sqlite3@12 (or use --store memory: to try things out)\n',
        )
        expect(existsSync(join(app, '.data'))).toBe(false)
      },
      SLOW,
    )
  }
})

/** The better-sqlite3 major this Node can run: 13 needs Node 22, 12 is the one for Node 20 (peer range `^12 || ^13`). */
const betterSqlite = nodeMajor >= 22 ? 13 : 12

describe(`better-sqlite3 ${betterSqlite} installed beside the package, on Node ${process.versions.node}`, () => {
  it(
    'installs within the peer range (no conflict), approved in allowScripts, and the SQLite store uses it by default; a reopened file keeps its client',
    async () => {
      // After the serve tests above, which need better-sqlite3 absent.
      const manifestPath = join(app, 'package.json')
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>
      writeFileSync(manifestPath, JSON.stringify({ ...manifest, allowScripts: { 'better-sqlite3': true } }))
      // 13 ships its binaries in the tarball. 12 downloads one at install, or compiles it (two minutes): on Node 20 the
      // suite's own build of 12 (the devDependency) is installed from its folder, its install script not run again.
      const source = betterSqlite === 13 ? 'better-sqlite3@13' : join(root, 'node_modules/better-sqlite3')
      const scripts = betterSqlite === 13 ? [] : ['--ignore-scripts']
      await sh(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', ...scripts, source], app)
      const script = `
      import { createRequire } from 'node:module'
      import { SqliteStore } from '${pkg.name}/store/sqlite'
      const { version } = createRequire(import.meta.url)('better-sqlite3/package.json')
      let store = new SqliteStore({ path: './better.db' })
      await store.migrate()
      await store.addClient({ clientId: 'better', redirectUris: ['https://client.example/cb'] })
      const driver = store.driver
      await store.close()
      store = new SqliteStore({ path: './better.db' })
      const client = await store.fetchByClientId('better')
      await store.close()
      console.log(JSON.stringify({ major: Number(version.split('.')[0]), driver, client: client?.clientId }))`
      const { stdout, stderr } = await sh(process.execPath, ['--input-type=module', '-e', script], app)
      expect(stderr).toBe('')
      expect(JSON.parse(stdout)).toEqual({ major: betterSqlite, driver: 'better-sqlite3', client: 'better' })
    },
    SLOW,
  )
})
