/**
 * Every example runs as documented (`npm run example -- <name>`, honouring PORT) and serves the seed's
 * client `abc` and its confirmation form all the way to a code.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { stopChild, waitForOutput } from '../helpers/child-output.ts'

const root = new URL('../../', import.meta.url)

/** Where each example mounts the authorization endpoint. */
const examples: Record<string, string> = {
  'authorization-server': '/authorize',
  minimal: '/authorize',
  express: '/oauth/authorize',
  koa: '/authorize',
  fastify: '/authorize',
  hono: '/oauth/authorize',
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

/**
 * Runs `examples/<name>.ts` as `npm run example` does, on `port`, with announce-listening.ts preloaded: it
 * prints `LISTENING <port>` once the example's server is up (the examples' own banners differ; minimal.ts,
 * quoted by the README, prints none).
 */
function example(name: string, port: number): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=oauth2-stack:source', '--import', 'tsx', '--import', './test/helpers/announce-listening.ts', 'examples/run.ts', name],
    {
      cwd: root,
      env: { ...process.env, PORT: String(port), TSX_TSCONFIG_PATH: 'tsconfig.json' },
    },
  )
}

describe('examples: npm run example -- resource-server', () => {
  it('issues a JWT with client credentials and the guarded API accepts it, refusing anything else', async () => {
    const port = await freePort()
    const child = example('resource-server', port)
    try {
      await waitForOutput(child, /^LISTENING \d+$/m)
      const base = `http://localhost:${port}`
      const response = await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('abc:xyz').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&scope=read',
      })
      const token = ((await response.json()) as { access_token: string }).access_token
      expect(token.split('.')).toHaveLength(3)
      const ok = await fetch(`${base}/api/hello`, { headers: { authorization: `Bearer ${token}` } })
      expect(ok.status).toBe(200)
      expect(await ok.json()).toEqual({ hello: 'abc', subjectType: 'client', scopes: ['read'] })
      const refused = await fetch(`${base}/api/hello`, { headers: { authorization: 'Bearer forged.token.value' } })
      expect(refused.status).toBe(401)
      expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"')
    } finally {
      await stopChild(child)
    }
  })
})

describe('examples: npm run example -- <name>', () => {
  it("the README's example is examples/minimal.ts, word for word", () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8')
    const snippet = /## The seed's example, in TypeScript\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(snippet).toBeDefined()
    expect(readFileSync(new URL('examples/minimal.ts', root), 'utf8')).toContain(snippet!)
  })

  it.each(Object.entries(examples))('%s serves the confirmation form and issues a code on confirm', async (name, authorizePath) => {
    const port = await freePort()
    const child = example(name, port)
    try {
      await waitForOutput(child, /^LISTENING \d+$/m)
      const authorize = `http://localhost:${port}${authorizePath}?response_type=code&client_id=abc&redirect_uri=${encodeURIComponent('http://localhost/callback')}&state=xyz1`
      const page = await fetch(authorize)
      const body = await page.text()
      expect(body).toContain('name="confirmation_form"')
      const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!
      const csrf = /name="csrf_token" value="([^"]+)"/.exec(body)![1]!
      const action = /action="([^"]+)"/.exec(body)![1]!.replaceAll('&amp;', '&')
      const confirmed = await fetch(new URL(action, `http://localhost:${port}`), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf_token: csrf, confirm: '1' }),
      })
      expect(confirmed.status).toBe(303)
      const location = new URL(confirmed.headers.get('location')!)
      expect(location.origin + location.pathname).toBe('http://localhost/callback')
      expect(location.searchParams.get('state')).toBe('xyz1')
      expect(location.searchParams.get('code')).toBeTruthy()
    } finally {
      await stopChild(child)
    }
  })
})
