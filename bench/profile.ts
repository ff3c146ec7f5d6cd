/**
 * `npx tsx --tsconfig tsconfig.json bench/profile.ts [--root <checkout>] [--scenario name] [--seconds N]
 * [--top N] [-- <server args>]`: runs the oauth2-stack bench server under `node --cpu-prof`, loads it
 * with autocannon (10 connections) and prints the functions with the largest self time, as a share of
 * all samples. Shares (unlike req/s) hold on a busy machine, so two checkouts compare by where their
 * time goes. The profile is written to a temporary directory and removed.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import autocannon from 'autocannon'
import { clientCredentials, password } from './scenarios.ts'
import type { Scenario } from './harness.ts'

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(name)
  return index === -1 ? undefined : process.argv[index + 1]
}
const root = resolve(argument('--root') ?? new URL('..', import.meta.url).pathname)
const seconds = Number(argument('--seconds') ?? 5)
const top = Number(argument('--top') ?? 40)
const scenarios: Record<string, Scenario> = { client_credentials: clientCredentials, password }
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
const load = (duration: number): Promise<autocannon.Result> =>
  autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 10,
    duration,
    requests: [{ method: scenario.method, path: scenario.path, headers: { ...scenario.headers }, body: scenario.body() ?? '' }],
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
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: Node[]; samples: number[] }
rmSync(dir, { recursive: true, force: true })
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const self = new Map<string, number>()
let counted = 0
for (const id of profile.samples) {
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
