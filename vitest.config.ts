import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

/** The flow suites run once per adapter (OAUTH2_ADAPTER), as node-oidc-provider re-runs its suite per mount. */
const adapters = ['node', 'express', 'express-parsed', 'fastify', 'koa', 'hono'] as const

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
      { find: /^oauth2-stack\/node$/, replacement: src('adapters/node-http.ts') },
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
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/flows/**'] },
      },
      ...adapters.map((adapter) => ({
        extends: true as const,
        test: { name: `flows:${adapter}`, include: ['test/flows/**/*.test.ts'], env: { OAUTH2_ADAPTER: adapter } },
      })),
    ],
  },
})
