/**
 * The Node the suite runs on is one `engines` in package.json admits, and, when CI says which major it
 * meant (`OAUTH2_STACK_NODE`, set by `.ci/run` for its Node 22 and 24 runs), that one: so a run that
 * silently fell back to another Node fails instead of passing.
 */
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'

const engines = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }).engines
  .node

/** Whether `version` (`24.1.0`) satisfies a range of `^x.y.z` and `>=x` alternatives joined by `||`. */
function admits(range: string, version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return range.split('||').some((part) => {
    const caret = /^\^(\d+)\.(\d+)\.\d+$/.exec(part.trim())
    if (caret !== null) return major === Number(caret[1]) && minor >= Number(caret[2])
    const atLeast = /^>=(\d+)$/.exec(part.trim())
    if (atLeast !== null) return major >= Number(atLeast[1])
    throw new Error(`engines.node part ${JSON.stringify(part)} is not ^x.y.z or >=x`)
  })
}

it(`Node ${process.versions.node} is admitted by engines (${engines}) and is the one CI asked for`, () => {
  expect(admits(engines, process.versions.node)).toBe(true)
  expect(admits(engines, '20.18.0')).toBe(false)
  expect(admits(engines, '22.12.0')).toBe(false)
  const expected = process.env.OAUTH2_STACK_NODE
  if (expected !== undefined && expected !== '') expect(process.versions.node.split('.')[0]).toBe(expected)
})
