import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { ADAPTERS } from './test/helpers/adapters.ts'
import { tierInclude, type TierName } from './test/helpers/tiers.ts'

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

/**
 * The test tiers (README, "Tests"; folders in test/helpers/tiers.ts); `npm test` runs them all. The flows run
 * once per adapter (OAUTH2_ADAPTER), as node-oidc-provider re-runs its suite per mount. `--project 'system*'`
 * runs the system tiers; a Node-version matrix can leave out `system:browser` and `system:soak`.
 */
const project = (tier: TierName, name: string = tier, env: Record<string, string> = {}) => ({
  extends: true as const,
  test: { name, include: tierInclude(tier), env },
})

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
      project('unit'),
      ...ADAPTERS.map((adapter) => project('flows', `flows:${adapter}`, { OAUTH2_ADAPTER: adapter })),
      project('stores'),
      project('system'),
      project('system:browser'),
      project('system:soak'),
    ],
  },
})
