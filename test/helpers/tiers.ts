/**
 * The test tiers: which folders of test/ each runs. `vitest.config.ts` makes one project per tier (and
 * the flows one per adapter, see adapters.ts); `test/unit/test-tiers.test.ts` checks that every folder
 * holding tests is in exactly one tier, so no new suite is left out of `npm test`.
 */
export const TIERS = {
  /** No service, no child process: the inner loop. */
  unit: ['unit'],
  /** The RFC flows over real HTTP, once per adapter. */
  flows: ['flows'],
  /** The store contract and each backend's extras, against the real services. */
  stores: ['contract'],
  /** Whole programs: CLI, demo, examples, docs, package exports, other runtimes, two processes, faults, tracing. */
  system: ['cli', 'demo', 'docs', 'faults', 'package', 'runtimes', 'scale', 'tracing'],
  /** Chromium. */
  'system:browser': ['browser'],
  /** The soak. */
  'system:soak': ['soak'],
} as const satisfies Readonly<Record<string, readonly string[]>>

/** A tier's name. */
export type TierName = keyof typeof TIERS

/** The vitest `include` globs of a tier. */
export function tierInclude(tier: TierName): string[] {
  return TIERS[tier].map((folder) => `test/${folder}/**/*.test.ts`)
}
