/**
 * `npx tsx --tsconfig tsconfig.json bench/profile.ts [--root <checkout>] [--scenario name] [--seconds N]
 * [--top N] [-- <server args>]`: runs the oauth2-stack bench server under `node --cpu-prof`, loads it
 * with autocannon (10 connections) and prints the functions with the largest self time, as a share of
 * the samples taken during the measured load. Shares (unlike req/s) hold on a busy machine, so two checkouts compare by where their
 * time goes. The profile is written to a temporary directory and removed. `--scenario oidc_code` and
 * `--scenario userinfo` need the server's OpenID Connect: `-- --oidc`. The profile samples the main thread
 * only: jose signs through WebCrypto, whose RSA work runs on libuv's thread pool and is not in it.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import autocannon from 'autocannon'
import { clientCredentials, oidcCodeExchange, password, userinfo } from './scenarios.ts'
import type { Scenario } from './harness.ts'

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(name)
  return index === -1 ? undefined : process.argv[index + 1]
}
const root = resolve(argument('--root') ?? new URL('..', import.meta.url).pathname)
const seconds = Number(argument('--seconds') ?? 5)
const top = Number(argument('--top') ?? 40)
const scenarios: Record<string, Scenario> = {
  client_credentials: clientCredentials,
  password,
  oidc_code: oidcCodeExchange(),
  userinfo: userinfo(),
}
const scenario = scenarios[argument('--scenario') ?? 'client_credentials']
if (scenario === undefined) throw new Error(`--scenario: one of ${Object.keys(scenarios).join(', ')}`)
const separator = process.argv.indexOf('--')
const serverArgs = separator === -1 ? [] : process.argv.slice(separator + 1)

const dir = mkdtempSync(join(tmpdir(), 'oauth2-stack-cpuprof-'))
const child = spawn(
  process.execPath,
  ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', 'bench/servers/oauth2-stack.ts', ...serverArgs],
  {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', TSX_TSCONFIG_PATH: 'tsconfig.bench.json' },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
)
const port = await new Promise<number>((done, fail) => {
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
    const match = /READY (\d+)/.exec(output)
    if (match?.[1] !== undefined) done(Number(match[1]))
  })
  child.once('exit', (code) => fail(new Error(`server exited with ${code}: ${output}`)))
})
// Codes (or a token) for the warm-up and the run, as the harness prepares them.
await scenario.prepare?.(`http://127.0.0.1:${port}`, 40_000 * (seconds + 1))
const request = { method: scenario.method, path: scenario.path, headers: { ...scenario.headers } }
const load = (duration: number): Promise<autocannon.Result> =>
  autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 10,
    duration,
    requests: [
      scenario.varies === true
        ? { ...request, setupRequest: (next: autocannon.Request) => ({ ...next, body: scenario.body() ?? '' }) }
        : { ...request, body: scenario.body() ?? '' },
    ],
  })
await load(1)
const result = await load(seconds)
child.kill('SIGTERM')
await new Promise((done) => child.once('exit', done))

interface Node {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}
const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
if (file === undefined) throw new Error('no profile written')
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
  nodes: Node[]
  samples: number[]
  timeDeltas: number[]
  endTime: number
}
rmSync(dir, { recursive: true, force: true })
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const self = new Map<string, number>()
let counted = 0
// Only the samples of the measured load (its last `seconds` before the stop), not the start-up, the warm-up
// or the scenario's preparation (e.g. issuing the codes an exchange scenario redeems). Times are µs.
const from = profile.endTime - seconds * 1e6
let at = profile.endTime - profile.timeDeltas.reduce((sum, delta) => sum + delta, 0)
for (const [index, id] of profile.samples.entries()) {
  at += profile.timeDeltas[index] ?? 0
  if (at < from) continue
  const frame = byId.get(id)?.callFrame
  if (frame === undefined || frame.functionName === '(idle)') continue
  const where = frame.url
    .replace(/^file:\/\//, '')
    .replace(root, '')
    .replace(/.*node_modules\//, '~/')
  const name = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`
  self.set(name, (self.get(name) ?? 0) + 1)
  counted++
}
process.stdout.write(
  `${root} ${scenario.name} ${serverArgs.join(' ')}: ${result.requests.average.toFixed(0)} req/s, ${counted} busy samples\n`,
)
for (const [name, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`${((100 * count) / counted).toFixed(2).padStart(6)}%  ${name}\n`)
}
