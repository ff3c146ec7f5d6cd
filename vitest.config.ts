import { defineConfig } from 'vitest/config'

/** The flow suites run once per adapter (OAUTH2_ADAPTER), as node-oidc-provider re-runs its suite per mount. */
const adapters = ['node', 'express', 'express-parsed', 'fastify', 'koa', 'hono'] as const

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
      {
        extends: true as const,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/flows/**'] },
      },
      ...adapters.map((adapter) => ({
        extends: true as const,
        test: { name: `flows:${adapter}`, include: ['test/flows/**/*.test.ts'], env: { OAUTH2_ADAPTER: adapter } },
      })),
    ],
  },
})
