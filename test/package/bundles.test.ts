/**
 * Every entry point bundles with esbuild (so Next.js, Wrangler and other bundlers too) with no unresolved
 * import, from dist as published (`npm test` builds first). Bare imports are resolved as in a consumer's
 * project that installed the package alone: node builtins stay external, the package's dependencies (`jose`,
 * `fastify-plugin`) are bundled, an optional peer (a framework or driver) is left external and recorded,
 * and anything else is an error. So the core subpaths must reach no peer at all, and each peer only from
 * its own subpath: `oauth2-stack/store` has no driver, `oauth2-stack/store/open` reaches them all.
 */
import { readFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { build, type BuildOptions, type Plugin } from 'esbuild'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  exports: Record<string, string | { default: string }>
  dependencies: Record<string, string>
  peerDependencies: Record<string, string>
}
const PEERS = new Set(Object.keys(manifest.peerDependencies))
const DEPENDENCIES = new Set(Object.keys(manifest.dependencies))

/**
 * The optional peers each subpath may reach (some take the client from the caller and import none);
 * every other subpath reaches none.
 */
const PEERS_OF: Readonly<Record<string, readonly string[]>> = {
  './store/open': ['better-sqlite3', 'ioredis', 'memjs', 'mysql2', 'pg', 'redis'],
  './store/sqlite': ['better-sqlite3'],
  './store/postgres': ['pg'],
  './store/mysql': ['mysql2'],
  './store/redis': ['ioredis', 'redis'],
  './store/memcache': ['memjs'],
  './express': ['express'],
  './fastify': ['fastify'],
}

/** The package name of a bare specifier (`@scope/name/x` → `@scope/name`). */
const packageOf = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/')

/** Resolves as a consumer's install would, recording the peers reached and refusing what is not installed. */
function consumerInstall(peers: Set<string>, strays: Set<string>): Plugin {
  return {
    name: 'consumer-install',
    setup(bundle) {
      bundle.onResolve({ filter: /^[^./]/ }, (args) => {
        if (isBuiltin(args.path)) return { path: args.path, external: true }
        const name = packageOf(args.path)
        if (name === 'oauth2-stack' || DEPENDENCIES.has(name)) return undefined
        if (PEERS.has(name)) {
          peers.add(name)
          return { path: args.path, external: true }
        }
        strays.add(`${args.path} (from ${args.importer})`)
        return { path: args.path, external: true }
      })
    },
  }
}

/** What every build here shares: bundle for Node as ESM, in memory. */
const NODE_ESM = {
  absWorkingDir: root.pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'silent',
} as const satisfies BuildOptions

const entries = Object.entries(manifest.exports)
  .filter(([subpath]) => subpath !== './package.json')
  .map(([subpath, target]) => [subpath, typeof target === 'string' ? target : target.default] as const)

describe('every entry point bundles with esbuild (dist, platform node, ESM)', () => {
  it('covers every subpath export', () => {
    expect(entries.length).toBeGreaterThanOrEqual(18)
    for (const subpath of Object.keys(PEERS_OF)) expect(manifest.exports).toHaveProperty([subpath])
  })

  it.each(entries)('%s: bundles with no unresolved import and reaches no optional peer but its own', async (subpath, target) => {
    const peers = new Set<string>()
    const strays = new Set<string>()
    const result = await build({
      ...NODE_ESM,
      entryPoints: [new URL(target, root).pathname],
      plugins: [consumerInstall(peers, strays)],
    })
    expect(result.errors).toEqual([])
    expect([...strays]).toEqual([])
    const allowed = PEERS_OF[subpath] ?? []
    expect([...peers].filter((peer) => !allowed.includes(peer))).toEqual([])
  })

  it.each(['.', './store', './grant', './web', './fetch', './resource', './error', './tokengenerator'])(
    '%s: bundles with nothing external but node builtins (no driver, no framework)',
    async (subpath) => {
      const target = entries.find(([name]) => name === subpath)?.[1]
      expect(target).toBeDefined()
      // No `external`: a peer installed here for the tests would be bundled, so the inputs are checked too.
      const result = await build({ ...NODE_ESM, entryPoints: [new URL(target ?? '', root).pathname], metafile: true })
      expect(result.errors).toEqual([])
      const modules = Object.keys(result.metafile.inputs).filter((input) => input.includes('node_modules/'))
      const packages = new Set(modules.map((input) => packageOf(input.slice(input.lastIndexOf('node_modules/') + 'node_modules/'.length))))
      expect([...packages]).toEqual(['jose'].filter((name) => packages.has(name)))
    },
  )

  it('an import that is no builtin, dependency or peer is caught, a peer recorded (the check can fail)', async () => {
    const peers = new Set<string>()
    const strays = new Set<string>()
    const contents = "import 'left-pad-not-a-dependency'; import 'pg'; import 'node:crypto'"
    const result = await build({
      ...NODE_ESM,
      stdin: { contents, resolveDir: root.pathname },
      plugins: [consumerInstall(peers, strays)],
    })
    expect(result.errors).toEqual([])
    expect([...strays]).toEqual(['left-pad-not-a-dependency (from <stdin>)'])
    expect([...peers]).toEqual(['pg'])
  })
})
