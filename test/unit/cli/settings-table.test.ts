/**
 * `serve`'s options, their `OAUTH2_STACK_*` variables and the documented table all come from
 * `SERVE_SETTINGS`; the table in docs/configuration.md is checked against it (`-u` rewrites it).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../../src/cli/args.ts'
import { envVariableOf, optionLabel, SERVE_OPTIONS, SERVE_SETTINGS, settingsTable, withEnvironment } from '../../../src/cli/settings.ts'

const DOC = new URL('../../../docs/configuration.md', import.meta.url)
const START = '<!-- settings-table:start -->'
const END = '<!-- settings-table:end -->'

describe('the settings table of serve', () => {
  it('docs/configuration.md holds the current table', async () => {
    const doc = readFileSync(DOC, 'utf8')
    const start = doc.indexOf(START)
    const end = doc.indexOf(END)
    expect(start).toBeGreaterThan(0)
    expect(end).toBeGreaterThan(start)
    const current = `${doc.slice(0, start + START.length)}\n${settingsTable()}\n${doc.slice(end)}`
    await expect(current).toMatchFileSnapshot('../../../docs/configuration.md')
  })

  it('has one row and one variable per option of the parser', () => {
    expect(Object.keys(SERVE_OPTIONS)).toEqual(Object.keys(SERVE_SETTINGS))
    const table = settingsTable()
    for (const name of Object.keys(SERVE_OPTIONS)) expect(table).toContain(`\`${envVariableOf(name)}\``)
    expect(envVariableOf('drain-timeout')).toBe('OAUTH2_STACK_DRAIN_TIMEOUT')
  })
})

describe('withEnvironment', () => {
  const none = { values: {}, positionals: [] }

  it('fills what the command line leaves out, and the command line wins', () => {
    const merged = withEnvironment('serve', { values: { port: '9000' }, positionals: [] }, SERVE_OPTIONS, {
      OAUTH2_STACK_PORT: '7000',
      OAUTH2_STACK_HOST: '::1',
      OAUTH2_STACK_LOG: '',
    })
    expect(merged.values).toEqual({ port: '9000', host: '::1' })
    expect(optionLabel(merged, 'port')).toBe('--port')
    expect(optionLabel(merged, 'host')).toBe('OAUTH2_STACK_HOST')
  })

  it.each([
    ['false', false],
    ['0', false],
    ['NO', false],
    ['true', true],
    ['1', true],
    [' on ', true],
  ])('reads OAUTH2_STACK_DEMO=%j as %j', (text, value) => {
    expect(withEnvironment('serve', none, SERVE_OPTIONS, { OAUTH2_STACK_DEMO: text }).values.demo).toBe(value)
  })

  it('refuses a boolean it cannot read, naming the variable', () => {
    expect(() => withEnvironment('serve', none, SERVE_OPTIONS, { OAUTH2_STACK_DEMO: 'maybe' })).toThrow(UsageError)
    expect(() => withEnvironment('serve', none, SERVE_OPTIONS, { OAUTH2_STACK_DEMO: 'maybe' })).toThrow(
      /^OAUTH2_STACK_DEMO must be true or false/,
    )
  })

  it('ignores --no-demo from the environment when the command line gives --demo', () => {
    expect(
      withEnvironment('serve', { values: { demo: true }, positionals: [] }, SERVE_OPTIONS, { OAUTH2_STACK_DEMO: 'false' }).values.demo,
    ).toBe(true)
  })
})
