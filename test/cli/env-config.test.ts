/**
 * `oauth2-stack serve` reads every option from `OAUTH2_STACK_*` too: command line > environment > config
 * file > defaults; a bad value from the environment is exit code 2 with the variable's name; a store
 * URL's password from the environment never shows.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, startServe, tempDir } from './run-cli.ts'

const SLOW = 60_000
const dir = tempDir()
afterAll(() => dir.remove())

describe('serve: configuration from the environment', () => {
  it(
    'takes the environment over the config file, and the command line over the environment',
    async () => {
      const config = join(dir.path, 'env.json')
      // Port 1 needs privileges: if the file won over OAUTH2_STACK_PORT=0 the server would not start.
      writeFileSync(config, JSON.stringify({ port: 1, log: 'pretty', demo: true, store: 'memory:' }))
      const server = await startServe(['--log', 'json'], {
        env: { OAUTH2_STACK_CONFIG: config, OAUTH2_STACK_PORT: '0', OAUTH2_STACK_LOG: 'pretty', OAUTH2_STACK_DEMO: 'false' },
      })
      try {
        const metadata = await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)
        expect(metadata.status).toBe(200)
        const { stdout, stderr } = server.output()
        // --log json beat OAUTH2_STACK_LOG=pretty: every stdout line is JSON.
        for (const line of stdout.trim().split('\n')) expect(() => JSON.parse(line) as unknown, line).not.toThrow()
        // OAUTH2_STACK_DEMO=false beat the file's "demo": true.
        expect(stderr).toMatch(/^oauth2-stack authorization server listening on/)
        expect(stderr).not.toContain('abc / xyz')
        // The file's store (memory:) applies: nothing set it elsewhere.
        expect(stderr).toContain('memory:')
      } finally {
        await server.stop()
      }
    },
    SLOW,
  )

  it.each([
    ['OAUTH2_STACK_PORT', 'eighty', /^oauth2-stack: OAUTH2_STACK_PORT must be a whole number from 0 to 65535/m],
    ['OAUTH2_STACK_LOG', 'xml', /^oauth2-stack: OAUTH2_STACK_LOG must be pretty or json; got "xml"/m],
    ['OAUTH2_STACK_DRAIN_TIMEOUT', '-1', /^oauth2-stack: OAUTH2_STACK_DRAIN_TIMEOUT must be a number of seconds/m],
    ['OAUTH2_STACK_DEMO', 'perhaps', /^oauth2-stack: OAUTH2_STACK_DEMO must be true or false/m],
    [
      'OAUTH2_STACK_ISSUER',
      'http://auth.example.com',
      /^oauth2-stack: OAUTH2_STACK_ISSUER: issuer "http:\/\/auth\.example\.com" must use https/m,
    ],
  ])(
    '%s=%j is a usage error naming the variable',
    async (variable, value, message) => {
      const result = await runCli(['serve', '--store', 'memory:'], { env: { [variable]: value } })
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(message)
    },
    SLOW,
  )

  it(
    'never prints the password of a store URL from the environment',
    async () => {
      const result = await runCli(['serve', '--port', '0'], { env: { OAUTH2_STACK_STORE: 'nosuchdb://admin:env-pa55word@127.0.0.1:1/x' } })
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('nosuchdb:')
      expect(`${result.stdout}${result.stderr}`).not.toContain('env-pa55word')
    },
    SLOW,
  )
})
