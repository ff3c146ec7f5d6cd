import { defineConfig } from 'vitest/config'
import { ADAPTERS } from './test/helpers/adapters.ts'
import { tierInclude, type TierName } from './test/helpers/tiers.ts'

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
  // Every `oauth2-stack/*` import resolves through package.json `exports`: the private source condition points
  // each subpath at its TypeScript file, as tsconfig.json's `customConditions` does for the type checker (tests
  // run in Vite's `ssr` environment, whose conditions vitest also hands to its workers).
  ssr: { resolve: { conditions: ['oauth2-stack:source'] } },
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
