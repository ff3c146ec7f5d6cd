/**
 * Finding 5 of the security review (issue 17): the seed ports that add the implicit grant register the
 * seed's client `abc` for `response_type=token` explicitly (clients get only `code` by default); the
 * others do not offer it.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)

/** Where each example mounts the authorization endpoint, and whether it adds the implicit grant. */
const examples: [string, string, boolean][] = [
  ['authorization-server', '/authorize', true],
  ['minimal', '/authorize', true],
  ['koa', '/authorize', true],
  ['fastify', '/authorize', true],
  ['express', '/oauth/authorize', false],
]

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const address = probe.address()
  await new Promise((resolve) => probe.close(resolve))
  return typeof address === 'object' && address !== null ? address.port : 0
}

describe('examples: the implicit grant only where the seed port enables it, for a client registered for it', () => {
  it.each(examples)(
    '%s',
    async (name, authorizePath, implicit) => {
      const port = await freePort()
      const child = spawn(process.execPath, ['--import', 'tsx', 'examples/run.ts', name], {
        cwd: root,
        env: { ...process.env, PORT: String(port), TSX_TSCONFIG_PATH: 'tsconfig.json' },
      })
      let output = ''
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      try {
        const params = new URLSearchParams({
          response_type: 'token',
          client_id: 'abc',
          redirect_uri: 'http://localhost/callback',
          state: 's',
        })
        let page: Response | undefined
        const deadline = Date.now() + 20_000
        while (page === undefined && Date.now() < deadline) {
          page = await fetch(`http://localhost:${port}${authorizePath}?${params.toString()}`, { redirect: 'manual' }).catch(async () => {
            await new Promise((resolve) => setTimeout(resolve, 100))
            return undefined
          })
        }
        expect(page, output).toBeDefined()
        if (implicit) {
          expect(page!.status).toBe(200)
          expect(await page!.text()).toContain('name="confirmation_form"')
        } else {
          expect(page!.status).toBe(302)
          // No handler for token: the error goes in the query (RFC 6749 section 4.1.2.1).
          expect(new URL(page!.headers.get('location') ?? '').searchParams.get('error')).toBe('unsupported_response_type')
        }
      } finally {
        child.kill('SIGTERM')
      }
    },
    30_000,
  )
})
