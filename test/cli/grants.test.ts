/**
 * `oauth2-stack grant list|revoke`: remembered consent per user and per client, in a SQLite store the
 * test fills through the library API (`RememberedConsents`), read and revoked by the real binary.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RememberedConsents } from '../../src/sessions/consent-store.ts'
import { openStore } from '../../src/stores/from-url.ts'
import type { Client } from '../../src/types.ts'
import { runCli, tempDir } from './run-cli.ts'

const SLOW = 60_000
const dir = tempDir()
const store = `sqlite:${join(dir.path, 'grants.db')}`

function client(clientId: string): Client {
  return {
    clientId,
    clientSecretHash: undefined,
    redirectUris: [`https://${clientId}.example/cb`],
    grantTypes: ['authorization_code'],
    responseTypes: ['code'],
    tokenEndpointAuthMethods: ['none'],
    scopes: undefined,
    requirePkce: true,
    name: undefined,
  }
}

beforeAll(async () => {
  const opened = await openStore(store, { migrate: true })
  const consents = new RememberedConsents(opened.recordStore, { now: () => Math.floor(Date.now() / 1000) })
  await consents.remember('alice', client('mail'), '', ['openid', 'email'])
  await consents.remember('alice', client('calendar'), '', ['openid'])
  await consents.remember('bob', client('mail'), '', ['openid', 'offline_access'])
  await opened.close()
})
afterAll(() => dir.remove())

describe('oauth2-stack grant', () => {
  it(
    'list --user, list --client (JSON), revoke one, revoke a client’s, and the usage error without either',
    async () => {
      const byUser = await runCli(['grant', 'list', '--user', 'alice', '--store', store])
      expect(byUser.code, byUser.stderr).toBe(0)
      expect(byUser.stdout.split('\n').filter((line) => line !== '')).toEqual([
        expect.stringMatching(/^alice → mail: openid email \(grant [A-Za-z0-9_-]{22}, given \d{4}-/),
        expect.stringMatching(/^alice → calendar: openid \(grant /),
      ])
      const byClient = await runCli(['grant', 'list', '--client', 'mail', '--json', '--store', store])
      const listed = JSON.parse(byClient.stdout) as { userId: string; offlineAccess: boolean }[]
      expect(listed.map((consent) => [consent.userId, consent.offlineAccess])).toEqual([
        ['alice', false],
        ['bob', true],
      ])

      const one = await runCli(['grant', 'revoke', '--user', 'alice', '--client', 'mail', '--store', store])
      expect(one.code, one.stderr).toBe(0)
      expect(one.stdout).toMatch(/^Revoked 1 remembered consent/)
      expect((await runCli(['grant', 'list', '--user', 'alice', '--store', store])).stdout).not.toContain('→ mail')

      const all = await runCli(['grant', 'revoke', '--client', 'mail', '--store', store])
      expect(all.stdout).toMatch(/^Revoked 1 remembered consent/)
      expect((await runCli(['grant', 'list', '--client', 'mail', '--store', store])).stdout).toBe('No remembered consent.\n')
      const none = await runCli(['grant', 'revoke', '--client', 'mail', '--store', store])
      expect(none).toMatchObject({ code: 0, stdout: 'No remembered consent matched; nothing was changed.\n' })

      const usage = await runCli(['grant', 'list', '--store', store])
      expect(usage.code).toBe(2)
      expect(usage.stderr).toContain('needs --user <id>, --client <id> or both')
      expect((await runCli(['grant', '--help'])).stdout).toContain('grant revoke')
    },
    SLOW,
  )
})
