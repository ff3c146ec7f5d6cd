/**
 * `oauth2-stack` as a script sees it: help for every command, and wrong command lines refused with a
 * message that names the option and the fix, exit code 2, and nothing done.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT, runCli, tempDir } from './run-cli.ts'

const SLOW = 60_000
const dir = tempDir()
const store = `sqlite:${join(dir.path, 'usage.db')}`
afterAll(() => dir.remove())

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

describe.concurrent('help and version (exit 0, on stdout)', () => {
  it(
    '--help lists every command and the exit codes',
    async () => {
      const result = await runCli(['--help'])
      expect(result.code).toBe(0)
      for (const command of [
        'serve',
        'client add',
        'client list',
        'client show <id>',
        'client rm <id>',
        'token revoke <token>',
        'migrate',
      ]) {
        expect(result.stdout).toContain(command)
      }
      expect(result.stdout).toContain('Exit codes: 0 ok, 1 the command failed, 2 wrong usage or configuration')
      expect(result.stderr).toBe('')
    },
    SLOW,
  )

  it(
    '--version prints the package version',
    async () => {
      const result = await runCli(['--version'])
      expect(result).toMatchObject({ code: 0, stdout: `${version}\n` })
    },
    SLOW,
  )

  const commands = ['serve', 'client', 'client add', 'client list', 'client show', 'client rm', 'token', 'token revoke', 'migrate']
  it.each(commands)(
    '%s --help shows its usage',
    async (command) => {
      const result = await runCli([...command.split(' '), '--help'])
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(new RegExp(`^Usage: oauth2-stack ${command.split(' ')[0]}`))
      expect(result.stdout).toContain('--help')
      expect(result.stderr).toBe('')
    },
    SLOW,
  )

  it(
    'help <command> is the same as <command> --help',
    async () => {
      const [viaHelp, viaFlag] = await Promise.all([runCli(['help', 'client', 'add']), runCli(['client', 'add', '-h'])])
      expect(viaHelp.code).toBe(0)
      expect(viaHelp.stdout).toBe(viaFlag.stdout)
    },
    SLOW,
  )
})

/** Runs a command that must be refused as wrong usage: exit 2, the message on stderr, nothing on stdout. */
async function refused(args: readonly string[], message: string | RegExp, options: Parameters<typeof runCli>[1] = {}): Promise<string> {
  const result = await runCli(args, options)
  expect(result.code, result.stderr).toBe(2)
  expect(result.stdout).toBe('')
  if (typeof message === 'string') expect(result.stderr).toContain(message)
  else expect(result.stderr).toMatch(message)
  return result.stderr
}

describe.concurrent('wrong command lines: exit 2 and a message naming the problem', () => {
  it(
    'no command at all shows the help on stderr',
    async () => {
      const result = await runCli([])
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toContain('Usage: oauth2-stack <command>')
    },
    SLOW,
  )

  it(
    'an unknown command suggests the closest one',
    async () => {
      const stderr = await refused(['serv'], 'unknown command "serv" (did you mean serve?)')
      expect(stderr).toContain("Run 'oauth2-stack --help' for usage.")
    },
    SLOW,
  )

  it(
    'an unknown sub-command suggests the closest one',
    async () => {
      await refused(['client', 'lst'], 'unknown command client lst (did you mean client list?)')
    },
    SLOW,
  )

  it(
    'a group without a sub-command shows that group’s help',
    async () => {
      const result = await runCli(['client'])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('Usage: oauth2-stack client <add|list|show|rm>')
    },
    SLOW,
  )

  it(
    'an unknown option suggests the closest one and points to the command’s help',
    async () => {
      const stderr = await refused(['serve', '--prot', '9000'], 'unknown option --prot (did you mean --port?)')
      expect(stderr).toContain("Run 'oauth2-stack serve --help' for usage.")
    },
    SLOW,
  )

  it(
    'an option without its value',
    async () => {
      await refused(['client', 'add', '--store', store, '--name'], 'option --name needs a value: --name <value>')
    },
    SLOW,
  )

  it(
    'a value for a flag that takes none',
    async () => {
      await refused(['client', 'add', '--store', store, '--public=yes'], 'option --public takes no value')
    },
    SLOW,
  )

  it(
    'a port that is not a port',
    async () => {
      await refused(
        ['serve', '--store', 'memory:', '--port', '80000'],
        '--port must be a whole number from 0 to 65535 (0 picks a free port); got "80000"',
      )
    },
    SLOW,
  )

  it(
    'the demo credentials on a non-loopback host are refused before anything is bound',
    async () => {
      await refused(
        ['serve', '--store', 'memory:', '--host', '0.0.0.0', '--port', '0'],
        /refusing to serve the demo credentials .* on 0\.0\.0\.0: they are public.*add --no-demo/,
      )
    },
    SLOW,
  )

  it(
    'a non-loopback host without the demo still needs an https issuer',
    async () => {
      await refused(
        ['serve', '--store', 'memory:', '--host', '0.0.0.0', '--no-demo', '--port', '0'],
        '--issuer is required with a non-loopback --host',
      )
      await refused(
        ['serve', '--store', 'memory:', '--host', '0.0.0.0', '--no-demo', '--port', '0', '--issuer', 'http://auth.example.com'],
        '--issuer: issuer "http://auth.example.com" must use https',
      )
    },
    SLOW,
  )

  it(
    'an unknown log format',
    async () => {
      await refused(['serve', '--store', 'memory:', '--log', 'yaml'], '--log must be pretty or json; got "yaml"')
    },
    SLOW,
  )

  it(
    'an unsupported store URL names the supported ones',
    async () => {
      await refused(
        ['client', 'list', '--store', 'mongodb://localhost/x'],
        /unsupported store URL scheme "mongodb:": use sqlite:<path>.*memory: works too/,
      )
    },
    SLOW,
  )

  it(
    'client add: an unknown grant type suggests the right spelling',
    async () => {
      await refused(
        ['client', 'add', '--store', store, '--grant', 'client_credential'],
        '--grant "client_credential" is not a grant type (did you mean client_credentials?)',
      )
    },
    SLOW,
  )

  it(
    'client add: a public client cannot use client credentials',
    async () => {
      await refused(
        ['client', 'add', '--store', store, '--public', '--grant', 'client_credentials'],
        'a public client cannot use client_credentials',
      )
    },
    SLOW,
  )

  it(
    'client add: the code grant needs a redirect URI',
    async () => {
      await refused(
        ['client', 'add', '--store', store, '--grant', 'authorization_code'],
        '--grant authorization_code needs at least one --redirect-uri',
      )
    },
    SLOW,
  )

  it(
    'client add: a redirect URI that may not be registered',
    async () => {
      await refused(
        ['client', 'add', '--store', store, '--redirect-uri', 'http://app.example/cb'],
        '--redirect-uri: redirect URI "http://app.example/cb" uses http on a host that is not loopback; use https',
      )
      await refused(['client', 'add', '--store', store, '--redirect-uri', 'https://app.example/cb#x'], 'must not have a fragment')
    },
    SLOW,
  )

  it(
    'client add: a scope that is not a scope token',
    async () => {
      await refused(['client', 'add', '--store', store, '--scope', 'read"write'], '--scope "read\\"write" is not a scope token')
    },
    SLOW,
  )

  it(
    'client show and client rm need a client_id; extra arguments are refused',
    async () => {
      await refused(['client', 'show', '--store', store], 'client show needs <client_id>: oauth2-stack client show <client_id>')
      await refused(['client', 'rm', '--store', store], 'client rm needs <client_id>')
      await refused(['client', 'show', 'a', 'b', '--store', store], 'unexpected argument "b"')
    },
    SLOW,
  )

  it(
    'token revoke needs a token',
    async () => {
      await refused(['token', 'revoke', '--store', store], 'token revoke needs <token> (or - to read it from standard input)')
      await refused(['token', 'revoke', '-', '--store', store], 'the token is empty', { input: '\n' })
    },
    SLOW,
  )
})

describe('after the refused commands', () => {
  it('none of them created the store file: nothing was done', () => {
    expect(existsSync(join(dir.path, 'usage.db'))).toBe(false)
  })
})

describe.concurrent('the configuration file: errors name the field and the fix (exit 2)', () => {
  const write = (name: string, text: string): string => {
    const file = join(dir.path, name)
    writeFileSync(file, text)
    return file
  }

  it(
    'a missing file',
    async () => {
      await refused(
        ['serve', '--config', join(dir.path, 'nope.json')],
        /cannot read config file .*nope\.json: no such file; check the --config path/,
      )
    },
    SLOW,
  )

  it(
    'a file that is not JSON says where',
    async () => {
      const file = write('broken.json', '{\n  "port": 8080,\n}\n')
      await refused(['serve', '--config', file], /config file .*broken\.json is not valid JSON \(.*at line 3, column 1\); fix the syntax/)
    },
    SLOW,
  )

  it(
    'a JSON value that is not an object',
    async () => {
      await refused(['migrate', '--config', write('array.json', '[1]')], 'must hold a JSON object, e.g. {"port": 8080}')
    },
    SLOW,
  )

  it(
    'an unknown field suggests the known one',
    async () => {
      await refused(['serve', '--config', write('typo.json', '{"prot": 8080}')], 'prot: unknown field; did you mean "port"?')
    },
    SLOW,
  )

  it(
    'every wrong field is reported at once, each with its fix',
    async () => {
      const file = write(
        'wrong.json',
        JSON.stringify({
          port: '8080',
          log: 'yaml',
          issuer: 'http://auth.example.com',
          scopes: { 'has space': 'x', profile: 'See your name' },
          users: [{ username: 'alice' }, { username: 'bob', passwrd: 'pw' }],
          authorizationCodeLifetime: 3600,
        }),
      )
      const stderr = await refused(['serve', '--config', file], /config file .*wrong\.json is invalid:/)
      expect(stderr).toContain('port: Invalid input: expected number, received string; use a whole number from 0 to 65535')
      expect(stderr).toContain('log: Invalid option: expected one of "json"|"pretty"; use "json" or "pretty"')
      expect(stderr).toContain(
        'issuer: issuer "http://auth.example.com" must use https (http is allowed on loopback hosts only); use an https URL',
      )
      expect(stderr).toContain('scopes["has space"]: scope name "has space" is not a valid scope token; map each scope')
      expect(stderr).toContain('users[0].password: missing; give a list of {"username"')
      expect(stderr).toContain('users[1].passwrd: unknown field; did you mean "password"?')
      expect(stderr).toContain(
        'authorizationCodeLifetime: Too big: expected number to be <=600; use a whole number of seconds from 1 to 600',
      )
    },
    SLOW,
  )

  it(
    'cross-field rules: default scopes among the scopes, usernames distinct',
    async () => {
      const file = write(
        'cross.json',
        JSON.stringify({
          scopes: { profile: 'See your name' },
          defaultScopes: ['profile', 'email'],
          users: [
            { username: 'alice', password: 'a' },
            { username: 'alice', password: 'b' },
          ],
        }),
      )
      const stderr = await refused(['serve', '--config', file], 'users[1].username: "alice" appears twice; give a list')
      expect(stderr).toContain('defaultScopes[1]: "email" is not one of the scopes; list scopes that appear in "scopes"')
      expect(stderr).not.toContain('users[0]')
      expect(stderr).not.toContain('defaultScopes[0]')
    },
    SLOW,
  )

  it(
    'the config file is read by the admin commands too',
    async () => {
      await refused(
        ['client', 'list', '--config', write('bad-store.json', '{"store": 5}')],
        'store: Invalid input: expected string, received number; give a store URL',
      )
    },
    SLOW,
  )
})
