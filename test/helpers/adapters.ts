/**
 * The adapters the flow suites run through, once each: `vitest.config.ts` makes one `flows:<adapter>`
 * project per entry (setting `OAUTH2_ADAPTER`), and `test-server.ts` mounts the controller accordingly.
 * Every adapter but `node` is mounted under `/oauth`; `express-parsed` puts a body parser in front;
 * `express4` mounts the Express adapter on Express 4 (the `express4` npm alias) instead of 5.
 */
export const ADAPTERS = ['node', 'express', 'express-parsed', 'express4', 'fastify', 'koa', 'hono'] as const

/** One of {@link ADAPTERS}. */
export type AdapterName = (typeof ADAPTERS)[number]

/** Whether `name` is one of {@link ADAPTERS}. */
export function isAdapterName(name: string): name is AdapterName {
  return (ADAPTERS as readonly string[]).includes(name)
}
