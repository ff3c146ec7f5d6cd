/**
 * The README's quick start, as a newcomer does it: start the demo server (`node dist/cli/demo.js`, what
 * `npm start` runs after building), open the printed URL, sign in as demo/demo, approve, and run the
 * printed curl command with the code.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
    const deadline = Date.now() + 10_000
    while (!output.includes('Press Ctrl+C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    if (!output.includes('Press Ctrl+C')) throw new Error(`demo did not start:\n${output}`)
  })
  afterAll(() => {
    child.kill('SIGTERM')
  })

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

describe('the seed example: npm run example -- authorization-server', () => {
  it('serves the confirmation form and issues a code on confirm', async () => {
    const port = 18000 + Math.floor(Math.random() * 1000)
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/run.ts', 'authorization-server'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), TSX_TSCONFIG_PATH: 'tsconfig.json' },
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      const deadline = Date.now() + 15_000
      while (!output.includes('listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect(output).toContain(`listening on http://localhost:${port}`)
      const authorize = `http://localhost:${port}/authorize?response_type=code&client_id=abc&redirect_uri=${encodeURIComponent('http://localhost/callback')}&state=xyz1`
      const page = await fetch(authorize)
      const body = await page.text()
      expect(body).toContain('name="confirmation_form"')
      const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!
      const csrf = /name="csrf_token" value="([^"]+)"/.exec(body)![1]!
      const confirmed = await fetch(authorize, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf_token: csrf, confirm: '1' }),
      })
      expect(confirmed.status).toBe(303)
      const location = new URL(confirmed.headers.get('location')!)
      expect(location.origin + location.pathname).toBe('http://localhost/callback')
      expect(location.searchParams.get('state')).toBe('xyz1')
      // The seed's Uuid4 token generator makes the code.
      expect(location.searchParams.get('code')).toMatch(/^[0-9a-f-]{36}$/)
    } finally {
      child.kill('SIGTERM')
    }
  })
})
