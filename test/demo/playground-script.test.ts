/**
 * The playground's browser script (src/cli/playground/browser, typed with the DOM library) is built into
 * the page two ways: `npm run build` compiles it into dist (what `npm start` and the package serve), and a
 * run from the sources transpiles it at first use. Both must give the same script, and it must parse.
 * Its behaviour in Chromium is test/browser/demo.test.ts's.
 */
import { Script } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { playgroundScript } from '../../src/cli/playground/script.ts'

const built = new URL('../../dist/cli/playground/script.js', import.meta.url)

describe('the playground script', () => {
  it('built (npm run build) is the same as transpiled from the sources, one strict function that parses', async () => {
    const { playgroundScript: fromDist } = (await import(built.href)) as { playgroundScript: () => string }
    const script = playgroundScript()
    expect(fromDist()).toBe(script)
    expect(script).toMatch(/^\(function \(\) \{\n'use strict';\n/)
    expect(() => new Script(script)).not.toThrow()
    // Once, not per request.
    expect(playgroundScript()).toBe(script)
  })
})
