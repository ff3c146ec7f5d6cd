/**
 * The security review (issue 17), findings 7 and 8 on the command line: `client list` and `client show`
 * print names from the store with control characters escaped (never raw terminal escapes), and mark
 * stored redirect URIs that today's registration rule refuses; `client add` refuses such names.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, tempDir } from './run-cli.ts'
import { sqliteOpener } from '../../src/stores/sql/sqlite-driver.ts'

const SLOW = 60_000
const dir = tempDir()
const store = `sqlite:${join(dir.path, 'clients.db')}`
afterAll(() => dir.remove())

const EVIL_NAME = '\u001b[2J\u001b]0;pwned\u0007Evil\u009b31m\u202e'
const BAD_URI = 'http://127.0.0.1\\@evil.example/cb'
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/

beforeAll(async () => {
  expect((await runCli(['migrate', '--store', store])).code).toBe(0)
  // A row as an older version (or another tool) stored it: a name with terminal escapes, a URI today's rule refuses.
  const db = openSqlite(join(dir.path, 'clients.db'))
  try {
    db.prepare(
      `INSERT INTO oauth2_clients (client_id, client_secret_hash, redirect_uris, grant_types, response_types, token_endpoint_auth_methods, scopes, require_pkce, name)
       VALUES (?, NULL, ?, ?, ?, ?, NULL, 0, ?)`,
    ).run('legacy', JSON.stringify(['https://ok.example/cb', BAD_URI]), '["authorization_code"]', '["code"]', '["none"]', EVIL_NAME)
  } finally {
    db.close()
  }
}, SLOW)

describe('client list and client show: escaped output, stored URIs marked', () => {
  it(
    'client list escapes the name and marks the client',
    async () => {
      const result = await runCli(['client', 'list', '--store', store])
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).not.toMatch(RAW_CONTROL)
      expect(result.stdout).toContain('\\x1b[2J\\x1b]0;pwned\\x07Evil\\x9b31m\\u202e')
      expect(result.stdout).toMatch(/^CLIENT_ID +TYPE +GRANTS +NAME +WARNING$/m)
      expect(result.stdout).toContain("1 redirect URI(s) refused by today's rule")
      expect(result.stderr).toContain('warning: 1 client(s) have stored redirect URIs that registration refuses today')
    },
    SLOW,
  )

  it(
    'client list --json is the same JSON value, with nothing a terminal acts on',
    async () => {
      const result = await runCli(['client', 'list', '--store', store, '--json'])
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).not.toMatch(RAW_CONTROL)
      const [client] = JSON.parse(result.stdout) as { client_name: string; redirect_uri_problems: { uri: string; code: string }[] }[]
      expect(client?.client_name).toBe(EVIL_NAME)
      expect(client?.redirect_uri_problems).toEqual([expect.objectContaining({ uri: BAD_URI, code: 'forbidden_character' })])
    },
    SLOW,
  )

  it(
    'client show escapes the name and marks the URI that fails the rule, keeping the others',
    async () => {
      const result = await runCli(['client', 'show', 'legacy', '--store', store])
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).not.toMatch(RAW_CONTROL)
      expect(result.stdout).toMatch(/^name +\\x1b\[2J/m)
      expect(result.stdout).toContain(`${BAD_URI}  [refused by today's rule: forbidden_character; register the client again]`)
      expect(result.stdout).toMatch(/^redirect URIs +https:\/\/ok\.example\/cb$/m)
    },
    SLOW,
  )
})

describe('client add: refused before the store', () => {
  it(
    'a --name with a control character is a usage error',
    async () => {
      const result = await runCli(['client', 'add', '--store', store, '--name', 'Evil\u001b[2J', '--grant', 'client_credentials'])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('--name must not contain control characters')
    },
    SLOW,
  )

  it(
    'a --redirect-uri with a backslash is a usage error naming the reason',
    async () => {
      const result = await runCli(['client', 'add', '--store', store, '--name', 'x', '--redirect-uri', BAD_URI])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('has a character a URI may not contain')
    },
    SLOW,
  )
})

/** The file through whichever SQLite driver this Node loads (node:sqlite where better-sqlite3 is built for another Node). */
function openSqlite(path: string) {
  return sqliteOpener(undefined).open(path)
}
