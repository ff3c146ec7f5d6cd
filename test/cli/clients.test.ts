/**
 * `client add|list|show|rm` and `migrate` against a temporary SQLite file, as subprocesses: the secret
 * is printed once and stored hashed, the records are what was asked for, and failures are exit code 1.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, startServe, tempDir } from './run-cli.ts'
import { sqliteOpener } from '../../src/stores/sql/sqlite-driver.ts'
import { SCHEMA_VERSION } from '../../src/stores/sql/schema.ts'

const SLOW = 60_000
const dir = tempDir()
const file = join(dir.path, 'data', 'clients.db')
const store = `sqlite:${file}`
afterAll(() => dir.remove())

describe('client commands on a SQLite file', () => {
  let secret = ''

  it(
    'client list on a new file creates it (in a new directory) and says there are no clients',
    async () => {
      const result = await runCli(['client', 'list', '--store', store])
      expect(result).toMatchObject({ code: 0, stderr: '' })
      expect(result.stdout).toContain('No clients registered.')
    },
    SLOW,
  )

  it(
    'migrate is idempotent',
    async () => {
      for (let round = 0; round < 2; round++) {
        const result = await runCli(['migrate', '--store', store])
        expect(result).toMatchObject({ code: 0, stdout: `Store ${store} is up to date.\n`, stderr: '' })
      }
    },
    SLOW,
  )

  it(
    'client add prints a generated 256-bit secret once, and stores only its hash',
    async () => {
      const result = await runCli([
        'client',
        'add',
        '--store',
        store,
        '--id',
        'billing',
        '--name',
        'Billing service',
        '--grant',
        'client_credentials',
        '--scope',
        'invoices',
        '--scope',
        'reports',
      ])
      expect(result.code, result.stderr).toBe(0)
      secret = /client_secret {2}(\S+)/.exec(result.stdout)?.[1] ?? ''
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(result.stdout).toContain('Registered confidential client billing.')
      expect(result.stdout).toContain('cannot be shown again')
      expect(result.stdout).toMatch(/grant types\s+client_credentials\n/)
      expect(result.stdout).toMatch(/scopes\s+invoices, reports\n/)

      const db = openSqlite(file)
      try {
        const dump = JSON.stringify(db.prepare('SELECT * FROM oauth2_clients').all())
        expect(dump).toContain('"client_id":"billing"')
        expect(dump).not.toContain(secret)
        expect(dump).toMatch(/"client_secret_hash":"sha256\$/)
      } finally {
        db.close()
      }
    },
    SLOW,
  )

  it(
    'client show and client list never print the secret',
    async () => {
      const show = await runCli(['client', 'show', 'billing', '--store', store])
      expect(show.code).toBe(0)
      expect(show.stdout).toMatch(/^client_id\s+billing\nname\s+Billing service\ntype\s+confidential\nsecret\s+stored hashed \(sha256\)\n/)
      const list = await runCli(['client', 'list', '--store', store])
      expect(list.code).toBe(0)
      expect(list.stdout).toMatch(/^CLIENT_ID\s+TYPE\s+GRANTS\s+NAME\nbilling\s+confidential\s+client_credentials\s+Billing service\n$/)
      for (const output of [show.stdout, show.stderr, list.stdout, list.stderr]) expect(output).not.toContain(secret)
    },
    SLOW,
  )

  it(
    'client add --public --json: a public code-flow client with PKCE, no secret',
    async () => {
      const result = await runCli([
        'client',
        'add',
        '--store',
        store,
        '--public',
        '--json',
        '--name',
        'Mobile app',
        '--redirect-uri',
        'com.example.app:/oauth',
        '--redirect-uri',
        'http://127.0.0.1/cb',
      ])
      expect(result.code, result.stderr).toBe(0)
      const client = JSON.parse(result.stdout) as Record<string, unknown>
      expect(client).toEqual({
        client_id: expect.stringMatching(/^mobile-app-[A-Za-z0-9]{8}$/) as unknown,
        client_name: 'Mobile app',
        type: 'public',
        redirect_uris: ['com.example.app:/oauth', 'http://127.0.0.1/cb'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        scopes: null,
        token_endpoint_auth_methods: ['none'],
        require_pkce: true,
      })
      expect(result.stdout).not.toContain('client_secret')
    },
    SLOW,
  )

  it(
    'client list --json lists both, ordered by client_id',
    async () => {
      const result = await runCli(['client', 'list', '--json', '--store', store])
      expect(result.code).toBe(0)
      const clients = JSON.parse(result.stdout) as { client_id: string; type: string }[]
      expect(clients.map((client) => client.type)).toEqual(['confidential', 'public'])
      expect(clients[0]?.client_id).toBe('billing')
    },
    SLOW,
  )

  it(
    'adding an existing client_id fails (exit 1) and keeps the old secret',
    async () => {
      const hashOf = (): unknown => {
        const db = openSqlite(file)
        try {
          return db.prepare("SELECT client_secret_hash FROM oauth2_clients WHERE client_id = 'billing'").all()[0]
        } finally {
          db.close()
        }
      }
      const before = hashOf()
      const result = await runCli(['client', 'add', '--store', store, '--id', 'billing', '--grant', 'client_credentials'])
      expect(hashOf()).toEqual(before)
      expect(result.code).toBe(1)
      expect(result.stdout).toBe('')
      expect(result.stderr).toBe(
        'oauth2-stack: client billing already exists; remove it first (oauth2-stack client rm billing) or pick another --id\n',
      )
    },
    SLOW,
  )

  it(
    'client rm removes it; showing or removing it again is exit 1',
    async () => {
      const removed = await runCli(['client', 'rm', 'billing', '--store', store])
      expect(removed).toMatchObject({ code: 0, stderr: '' })
      expect(removed.stdout).toContain('Removed client billing.')
      const show = await runCli(['client', 'show', 'billing', '--store', store])
      expect(show).toMatchObject({ code: 1, stdout: '', stderr: 'oauth2-stack: no client billing; see oauth2-stack client list\n' })
      const again = await runCli(['client', 'rm', 'billing', '--store', store])
      expect(again.code).toBe(1)
    },
    SLOW,
  )

  it(
    'the store can come from OAUTH2_STACK_STORE or the config file; --store wins',
    async () => {
      const config = join(dir.path, 'config.json')
      writeFileSync(config, JSON.stringify({ store: 'sqlite::memory:' }))
      const fromEnv = await runCli(['client', 'list', '--json'], { env: { OAUTH2_STACK_STORE: store } })
      expect((JSON.parse(fromEnv.stdout) as unknown[]).length).toBe(1)
      const fromConfig = await runCli(['client', 'list', '--json', '--config', config])
      expect(JSON.parse(fromConfig.stdout)).toEqual([])
      const flagWins = await runCli(['client', 'list', '--json', '--config', config, '--store', store])
      expect((JSON.parse(flagWins.stdout) as unknown[]).length).toBe(1)
    },
    SLOW,
  )
})

describe('client add: the OpenID Connect options', () => {
  const oidcStore = `sqlite:${join(dir.path, 'oidc.db')}`

  it(
    'registers post-logout redirect URIs, a back-channel logout URI, the ID token alg and CORS origins; the store keeps them',
    async () => {
      const result = await runCli([
        'client',
        'add',
        '--store',
        oidcStore,
        '--json',
        '--public',
        '--id',
        'spa',
        '--redirect-uri',
        'https://spa.example/cb',
        '--post-logout-redirect-uri',
        'https://spa.example/bye',
        '--post-logout-redirect-uri',
        'http://127.0.0.1:5173/bye',
        '--backchannel-logout-uri',
        'https://spa.example/backchannel',
        '--id-token-alg',
        'ES256',
        '--cors-origin',
        'https://spa.example',
        '--cors-origin',
        'http://localhost:5173',
      ])
      expect(result.code, result.stderr).toBe(0)
      const expected = {
        post_logout_redirect_uris: ['https://spa.example/bye', 'http://127.0.0.1:5173/bye'],
        backchannel_logout_uri: 'https://spa.example/backchannel',
        id_token_signed_response_alg: 'ES256',
        allowed_cors_origins: ['https://spa.example', 'http://localhost:5173'],
      }
      expect(JSON.parse(result.stdout)).toMatchObject({ client_id: 'spa', ...expected })
      // Read back from the file by a new process: the fields were stored, not only echoed.
      const shown = await runCli(['client', 'show', 'spa', '--json', '--store', oidcStore])
      expect(JSON.parse(shown.stdout)).toMatchObject(expected)
      const text = await runCli(['client', 'show', 'spa', '--store', oidcStore])
      expect(text.stdout).toMatch(/\npost-logout\s+https:\/\/spa\.example\/bye\n\s+http:\/\/127\.0\.0\.1:5173\/bye\n/)
      expect(text.stdout).toMatch(/\nback-channel\s+https:\/\/spa\.example\/backchannel\n/)
      expect(text.stdout).toMatch(/\nID token alg\s+ES256\n/)
      expect(text.stdout).toMatch(/\nCORS origins\s+https:\/\/spa\.example\n\s+http:\/\/localhost:5173\n/)
    },
    SLOW,
  )

  it.each([
    [
      ['--post-logout-redirect-uri', 'http://spa.example/bye'],
      '--post-logout-redirect-uri: post-logout redirect URI "http://spa.example/bye" uses http',
    ],
    [
      ['--backchannel-logout-uri', 'com.example.app:/bc'],
      '--backchannel-logout-uri: back-channel logout URI "com.example.app:/bc" must use https',
    ],
    [['--id-token-alg', 'HS256'], '--id-token-alg "HS256" is not one of RS256, ES256, EdDSA'],
    [['--cors-origin', 'https://spa.example/'], '--cors-origin: "https://spa.example/" is not an origin: scheme://host[:port] only'],
    [
      ['--cors-origin', 'https://SPA.example'],
      '--cors-origin: "https://SPA.example" is not an origin: URI "https://SPA.example" has a host that is not in canonical form',
    ],
  ])(
    'refuses %j as wrong usage (exit 2) and registers nothing',
    async (option, message) => {
      const result = await runCli([
        'client',
        'add',
        '--store',
        oidcStore,
        '--id',
        'bad',
        '--redirect-uri',
        'https://spa.example/cb',
        ...option,
      ])
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toContain(`oauth2-stack: ${message}`)
      const show = await runCli(['client', 'show', 'bad', '--store', oidcStore])
      expect(show.code).toBe(1)
    },
    SLOW,
  )

  it(
    'migrate --print-sql shows the clients.metadata column that keeps them (schema version 4)',
    async () => {
      const result = await runCli(['migrate', '--print-sql', '--store', 'postgres'])
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/CREATE TABLE IF NOT EXISTS "public"\."oauth2_clients" \([^;]*\n {2}metadata TEXT NULL,\n/)
      expect(result.stdout).toContain(`VALUES (${SCHEMA_VERSION}, 0);`)
    },
    SLOW,
  )

  it(
    'documents the options in client add --help',
    async () => {
      const result = await runCli(['client', 'add', '--help'])
      expect(result.code).toBe(0)
      for (const option of [
        '--post-logout-redirect-uri <uri>',
        '--backchannel-logout-uri <uri>',
        '--id-token-alg <alg>',
        '--cors-origin <origin>',
      ])
        expect(result.stdout).toContain(option)
    },
    SLOW,
  )
})

describe('serve on SQLite: the demo client keeps its post-logout redirect URI in the store', () => {
  it(
    'abc is stored with http://localhost/logged-out, and /end_session redirects there (RP-Initiated Logout 1.0 section 3)',
    async () => {
      const demoStore = `sqlite:${join(dir.path, 'demo.db')}`
      const server = await startServe(['--store', demoStore, '--port', '0'])
      try {
        const query = new URLSearchParams({ client_id: 'abc', post_logout_redirect_uri: 'http://localhost/logged-out', state: 'bye' })
        const response = await fetch(`${server.issuer}/end_session?${query.toString()}`, { redirect: 'manual' })
        expect(response.status).toBe(302)
        expect(response.headers.get('location')).toBe('http://localhost/logged-out?state=bye')
      } finally {
        await server.stop()
      }
      const shown = await runCli(['client', 'show', 'abc', '--json', '--store', demoStore])
      expect(JSON.parse(shown.stdout)).toMatchObject({ client_id: 'abc', post_logout_redirect_uris: ['http://localhost/logged-out'] })
    },
    SLOW,
  )
})

describe('store failures: exit 1, a message that says what to do, no password', () => {
  it(
    'an existing database without tables asks for migrate',
    async () => {
      const empty = join(dir.path, 'empty.db')
      writeFileSync(empty, '')
      const result = await runCli(['client', 'list', '--store', `sqlite:${empty}`])
      expect(result).toMatchObject({ code: 1, stdout: '' })
      expect(result.stderr).toBe(`oauth2-stack: the store sqlite:${empty} has no tables yet: run oauth2-stack migrate first\n`)
    },
    SLOW,
  )

  it(
    'an unreachable database names it without the password',
    async () => {
      const result = await runCli(['migrate', '--store', 'postgres://admin:s3cret-pw@127.0.0.1:9/oauth'])
      expect(result.code).toBe(1)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(/^oauth2-stack: cannot open the store postgres:\/\/127\.0\.0\.1:9\/oauth: /)
      expect(result.stderr).not.toContain('s3cret-pw')
      expect(result.stderr).not.toContain('admin')
    },
    SLOW,
  )

  it(
    'a memory: store warns that nothing is kept',
    async () => {
      const result = await runCli(['client', 'add', '--store', 'memory:', '--grant', 'client_credentials'])
      expect(result.code).toBe(0)
      expect(result.stderr).toContain('warning: this store keeps nothing after the command exits')
    },
    SLOW,
  )
})

/** The file through whichever SQLite driver this Node loads (node:sqlite where better-sqlite3 is built for another Node). */
function openSqlite(path: string) {
  return sqliteOpener(undefined).open(path)
}
