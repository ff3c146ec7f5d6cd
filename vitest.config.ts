import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

export default defineConfig({
  resolve: {
    alias: [
      { find: /^oauth2-stack$/, replacement: src('index.ts') },
      { find: /^oauth2-stack\/grant$/, replacement: src('grants/index.ts') },
      { find: /^oauth2-stack\/store$/, replacement: src('stores/index.ts') },
      { find: /^oauth2-stack\/tokengenerator$/, replacement: src('tokens/index.ts') },
      { find: /^oauth2-stack\/web$/, replacement: src('web/index.ts') },
      { find: /^oauth2-stack\/error$/, replacement: src('errors.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
