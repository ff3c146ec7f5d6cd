/**
 * The README's quick start, as a newcomer does it: start the demo server (`node dist/cli/demo.js`, what
 * `npm start` runs after building), open the printed URL, sign in as demo/demo, approve, and run the
 * printed curl command with the code.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stopChild, waitForOutput } from '../helpers/child-output.ts'
import { authorizeInBrowser } from '../helpers/test-server.ts'

const run = promisify(execFile)
const root = new URL('../../', import.meta.url)

describe('quick start: npm start demo server', () => {
  let child: ChildProcess
  let output = ''

  beforeAll(async () => {
    child = spawn(process.execPath, ['dist/cli/demo.js'], { cwd: root, env: { ...process.env, PORT: '0' } })
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    await waitForOutput(child, /Press Ctrl\+C/, { timeoutMs: 10_000 })
  })
  afterAll(() => stopChild(child))

  it('prints an authorization URL that leads through login and consent to a code, and a curl command that exchanges it', async () => {
    const url = /^\s+(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)$/m.exec(output)?.[1]
    const curl = /^\s+(curl .+)$/m.exec(output)?.[1]
    expect(url).toBeDefined()
    expect(curl).toBeDefined()
    const result = await authorizeInBrowser(url!, { action: 'approve', username: 'demo', password: 'demo' })
    expect(result.status).toBe(303)
    expect(result.location?.startsWith('http://localhost/callback?code=')).toBe(true)
    const code = result.params?.get('code')
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const { stdout } = await run('sh', ['-c', curl!.replace('code=CODE', `code=${code}`)])
    const tokens = JSON.parse(stdout) as Record<string, unknown>
    expect(tokens.token_type).toBe('Bearer')
    expect(typeof tokens.access_token).toBe('string')
    expect(typeof tokens.refresh_token).toBe('string')
    expect(tokens.scope).toBe('profile email')
  })

  it('denying lands on the callback with access_denied', async () => {
    const url = /^\s+(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)$/m.exec(output)?.[1]
    const result = await authorizeInBrowser(url!, { action: 'deny' })
    expect(result.status).toBe(303)
    expect(result.params?.get('error')).toBe('access_denied')
  })

  it('a wrong password shows the form again with an error, not a redirect', async () => {
    const url = /^\s+(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)$/m.exec(output)?.[1]
    const result = await authorizeInBrowser(url!, { action: 'approve', username: 'demo', password: 'nope' })
    expect(result.status).toBe(401)
    expect(result.location).toBeUndefined()
    expect(result.body).toContain('Wrong username or password.')
  })
})
