/**
 * `oauth2-stack keys list|rotate` and `serve --access-token-format jwt` as subprocesses on a temporary SQLite
 * file: the key set is created once and kept sealed under a secret the CLI keeps beside the database (mode
 * 0600), rotation moves the states, a wrong or missing secret is refused with the reason, and — the bug this
 * fixes — a JWT access token issued before a restart still verifies at the JWKS after it.
 */
import { statSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { basic, postForm, runCli, startServe, tempDir } from './run-cli.ts'

const SLOW = 90_000
const dir = tempDir()
const store = `sqlite:${join(dir.path, 'keys.db')}`

afterAll(() => dir.remove())

interface ListedKey {
  readonly kid: string
  readonly alg: string
  readonly state: string
  readonly retireAt: number | null
}

const listed = async (args: readonly string[] = [], env?: Record<string, string>): Promise<ListedKey[]> => {
  const result = await runCli(['keys', 'list', '--json', '--store', store, ...args], env === undefined ? {} : { env })
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as ListedKey[]
}

const freePort = async (): Promise<number> => {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

describe('oauth2-stack keys', () => {
  it(
    'list creates the set once (RS256 current and next), with its secret in key-secret beside the database, mode 0600',
    async () => {
      const [first, again] = [await listed(), await listed()]
      expect(first.map((key) => `${key.alg} ${key.state}`)).toEqual(['RS256 current', 'RS256 next'])
      expect(again).toEqual(first)
      const mode = statSync(join(dir.path, 'key-secret')).mode & 0o777
      expect(mode).toBe(0o600)
      const table = await runCli(['keys', 'list', '--store', store])
      expect(table.stdout).toMatch(/^KID\s+ALG\s+STATE\s+CREATED\s+SIGNS FROM\s+RETIRES\n/)
      expect(table.stdout).toContain(first[0]?.kid)
      // Never key material.
      expect(table.stdout).not.toMatch(/"d"|"n"|BEGIN/)
    },
    SLOW,
  )

  it(
    'rotate retires the current key, promotes the next and makes a new next one',
    async () => {
      const before = await listed()
      const rotated = await runCli(['keys', 'rotate', '--json', '--store', store])
      expect(rotated.code, rotated.stderr).toBe(0)
      const after = JSON.parse(rotated.stdout) as ListedKey[]
      const state = (kid: string | undefined): string | undefined => after.find((key) => key.kid === kid)?.state
      expect(state(before.find((key) => key.state === 'current')?.kid)).toBe('retiring')
      expect(state(before.find((key) => key.state === 'next')?.kid)).toBe('current')
      expect(after.filter((key) => key.state === 'next')).toHaveLength(1)
      expect(after.find((key) => key.state === 'retiring')?.retireAt).toBeGreaterThan(Date.now() / 1000 + 86_400)
      expect(await listed()).toEqual(after)
      const unknown = await runCli(['keys', 'rotate', '--alg', 'HS256', '--store', store])
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toContain('--alg must be one of RS256, ES256, EdDSA')
    },
    SLOW,
  )

  it(
    'refuses a wrong or short secret, and a shared store without OAUTH2_STACK_KEY_SECRET (exit 2, nothing opened)',
    async () => {
      const wrong = await runCli(['keys', 'list', '--store', store], { env: { OAUTH2_STACK_KEY_SECRET: 'w'.repeat(43) } })
      expect(wrong.code).toBe(2)
      expect(wrong.stderr).toMatch(/does not open with this keySecret: every process sharing a store needs the same secret/)
      const short = await runCli(['keys', 'list', '--store', store], { env: { OAUTH2_STACK_KEY_SECRET: 'short' } })
      expect(short.code).toBe(2)
      expect(short.stderr).toContain('OAUTH2_STACK_KEY_SECRET must be at least 32 bytes')
      // Port 9 (discard): nothing is contacted, the missing secret is refused first.
      const shared = await runCli(['keys', 'list', '--store', 'redis://127.0.0.1:9'])
      expect(shared.code).toBe(2)
      expect(shared.stderr).toContain('signing keys in a shared store need OAUTH2_STACK_KEY_SECRET')
    },
    SLOW,
  )

  it('help lists the key commands', async () => {
    const help = await runCli(['--help'])
    expect(help.stdout).toMatch(/keys list .*\n\s+keys rotate /)
    const rotate = await runCli(['keys', 'rotate', '--help'])
    expect(rotate.code).toBe(0)
    expect(rotate.stdout).toContain('Usage: oauth2-stack keys rotate [options]')
  })
})

describe('serve --access-token-format jwt', () => {
  it(
    'a JWT access token issued before a restart verifies at the JWKS and introspects active after it',
    async () => {
      const port = await freePort()
      const args = ['--store', store, '--port', String(port), '--log', 'json', '--access-token-format', 'jwt']
      const first = await startServe(args)
      expect(first.output().stderr).toContain(
        `Keys:     ID tokens and JWT access tokens; signing keys in the store, sealed under ${join(dir.path, 'key-secret')}`,
      )
      let token: string
      let kid: string | undefined
      try {
        const issued = await postForm(`${first.issuer}/token`, { grant_type: 'client_credentials', scope: 'profile' }, basic('abc', 'xyz'))
        expect(issued.status, JSON.stringify(issued.json)).toBe(200)
        token = String(issued.json.access_token)
        kid = decodeProtectedHeader(token).kid
        expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' })
      } finally {
        await first.stop()
      }
      const second = await startServe(args)
      try {
        const jwks = (await (await fetch(`${second.issuer}/jwks`)).json()) as { keys: object[] }
        const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
          issuer: second.issuer,
          typ: 'at+jwt',
        })
        expect(payload.client_id).toBe('abc')
        const introspected = await postForm(`${second.issuer}/introspect`, { token }, basic('abc', 'xyz'))
        expect(introspected.json.active).toBe(true)
        // The restarted process signs with the same stored key.
        const again = await postForm(`${second.issuer}/token`, { grant_type: 'client_credentials', scope: 'profile' }, basic('abc', 'xyz'))
        expect(decodeProtectedHeader(String(again.json.access_token)).kid).toBe(kid)
      } finally {
        await second.stop()
      }
      // A wrong secret stops the start, with the reason.
      const wrong = await runCli(['serve', ...args], { env: { OAUTH2_STACK_KEY_SECRET: 'w'.repeat(43) } })
      expect(wrong.code).toBe(2)
      expect(wrong.stderr).toContain('does not open with this keySecret')
      const bad = await runCli(['serve', '--store', 'memory:', '--access-token-format', 'xml'])
      expect(bad.code).toBe(2)
      expect(bad.stderr).toContain('--access-token-format must be opaque or jwt')
    },
    SLOW,
  )
})
