import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { ADAPTERS } from './test/helpers/adapters.ts'

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

/**
 * The test tiers (README, "Tests"); `npm test` runs them all.
 * - `unit`: test/unit only: no service, no child process, no network beyond an in-process loopback server.
 * - `flows:<adapter>`: the RFC flows over real HTTP, once per adapter (OAUTH2_ADAPTER), as
 *   node-oidc-provider re-runs its suite per mount.
 * - `stores`: the store contract and each backend's extras against the real services.
 * - `system`, `system:browser`, `system:soak`: whole programs (CLI, demo, examples, packaging, other
 *   runtimes, two processes, faults), Chromium, and the soak: `--project 'system*'` runs all three, and a
 *   Node-version matrix can leave out the browser and the soak.
 */
const SYSTEM = ['cli', 'demo', 'faults', 'package', 'runtimes', 'scale']

export default defineConfig({
  resolve: {
    alias: [
      { find: /^oauth2-stack$/, replacement: src('index.ts') },
      { find: /^oauth2-stack\/grant$/, replacement: src('grants/index.ts') },
      { find: /^oauth2-stack\/store$/, replacement: src('stores/index.ts') },
      { find: /^oauth2-stack\/tokengenerator$/, replacement: src('tokens/index.ts') },
      { find: /^oauth2-stack\/web$/, replacement: src('web/index.ts') },
      { find: /^oauth2-stack\/error$/, replacement: src('errors.ts') },
      { find: /^oauth2-stack\/resource$/, replacement: src('resource/index.ts') },
      { find: /^oauth2-stack\/(express|fastify|koa|fetch)$/, replacement: src('adapters/$1.ts') },
      { find: /^oauth2-stack\/store\/(sqlite|postgres|mysql|redis|memcache)$/, replacement: src('stores/$1.ts') },
    ],
  },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      {
        extends: true as const,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      ...ADAPTERS.map((adapter) => ({
        extends: true as const,
        test: { name: `flows:${adapter}`, include: ['test/flows/**/*.test.ts'], env: { OAUTH2_ADAPTER: adapter } },
      })),
      {
        extends: true as const,
        test: { name: 'stores', include: ['test/contract/**/*.test.ts'] },
      },
      { extends: true as const, test: { name: 'system', include: SYSTEM.map((folder) => `test/${folder}/**/*.test.ts`) } },
      { extends: true as const, test: { name: 'system:browser', include: ['test/browser/**/*.test.ts'] } },
      { extends: true as const, test: { name: 'system:soak', include: ['test/soak/**/*.test.ts'] } },
    ],
  },
})
