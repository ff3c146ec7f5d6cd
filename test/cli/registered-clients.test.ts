/**
 * `oauth2-stack client list` shows the dynamically registered clients (RFC 7591) of the store next to
 * the configured ones, marked as self-registered, in the table and in `--json`.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { RegisteredClients } from '../../src/registration/registered-clients.ts'
import { openStore } from '../../src/stores/from-url.ts'
import { runCli, tempDir } from './run-cli.ts'

const SLOW = 60_000
const dir = tempDir()
const store = `sqlite:${join(dir.path, 'registered.db')}`
afterAll(() => dir.remove())

describe('client list with self-registered clients', () => {
  it(
    'lists a registered client as self-registered and a configured one as configured; expired registrations are left out',
    async () => {
      expect((await runCli(['client', 'add', '--store', store, '--id', 'billing', '--grant', 'client_credentials'])).code).toBe(0)
      const opened = await openStore(store, { migrate: true })
      let registeredId = ''
      try {
        const clients = new RegisteredClients({ records: opened.recordStore, now: () => Math.floor(Date.now() / 1000) })
        const issued = await clients.create({
          redirect_uris: ['http://127.0.0.1:33418/callback'],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          application_type: 'native',
          client_name: 'Claude Code',
        })
        registeredId = issued.client.clientId
        // One registered an hour ago, unused since, with the shortest idle time: expired now.
        const old = new RegisteredClients({
          records: opened.recordStore,
          now: () => Math.floor(Date.now() / 1000) - 7200,
          idleExpirySeconds: 3600,
        })
        await old.create({ ...issued.client.metadata, client_name: 'Expired' })
      } finally {
        await opened.close()
      }
      const table = await runCli(['client', 'list', '--store', store])
      expect(table.code, table.stderr).toBe(0)
      const lines = table.stdout.trim().split('\n')
      expect(lines[0]).toMatch(/^CLIENT_ID\s+TYPE\s+GRANTS\s+NAME\s+SOURCE$/)
      expect(lines.find((line) => line.startsWith('billing'))).toMatch(/\sconfigured$/)
      expect(lines.find((line) => line.startsWith(registeredId))).toMatch(
        /public\s+authorization_code, refresh_token\s+Claude Code\s+self-registered$/,
      )
      expect(table.stdout).not.toContain('Expired')

      const json = await runCli(['client', 'list', '--store', store, '--json'])
      const listed = JSON.parse(json.stdout) as { client_id: string; self_registered: boolean }[]
      expect(listed.map(({ client_id, self_registered }) => [client_id, self_registered])).toEqual([
        ['billing', false],
        [registeredId, true],
      ])
    },
    SLOW,
  )
})
