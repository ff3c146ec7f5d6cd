/**
 * `npx tsx --tsconfig tsconfig.json bench/instructions.ts [--root <checkout>] [--requests N] [--scenario name]
 * [-- <server args>]`: the CPU instructions the oauth2-stack bench server spends per request, counted by
 * valgrind (callgrind). Unlike req/s and CPU seconds, an instruction count does not depend on what else
 * the machine runs, so two checkouts (e.g. before and after a change) compare on a busy machine too.
 *
 * The server (bench/servers/oauth2-stack.ts of `--root`, this checkout by default, built) starts under
 * callgrind with instrumentation off; `--warmup` requests (sequential, keep-alive) let V8 compile the hot
 * paths; then instrumentation is switched on, the counters zeroed, and `--requests` requests counted and the total is divided by them.
 * Counts include the server's node:http and event-loop work, not the load generator's (another process).
 * Needs valgrind; writes nothing but a temporary callgrind file, removed afterwards.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { clientCredentials, password } from './scenarios.ts'
import type { Scenario } from './harness.ts'

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(name)
  return index === -1 ? undefined : process.argv[index + 1]
}
const root = resolve(argument('--root') ?? new URL('..', import.meta.url).pathname)
const requests = Number(argument('--requests') ?? 2000)
const warmup = Number(argument('--warmup') ?? 4000)
const scenarios: Record<string, Scenario> = { client_credentials: clientCredentials, password }
const scenario = scenarios[argument('--scenario') ?? 'client_credentials']
if (scenario === undefined) throw new Error(`--scenario: one of ${Object.keys(scenarios).join(', ')}`)
const separator = process.argv.indexOf('--')
const serverArgs = separator === -1 ? [] : process.argv.slice(separator + 1)

const dir = mkdtempSync(join(tmpdir(), 'oauth2-stack-callgrind-'))
const child = spawn(
  'valgrind',
  [
    '--tool=callgrind',
    '--instr-atstart=no',
    '--smc-check=all-non-file',
    `--callgrind-out-file=${join(dir, 'out.%p')}`,
    process.execPath,
    // No background compiler or GC threads: their work would land in the count at random moments.
    '--single-threaded',
    '--import',
    'tsx',
    'bench/servers/oauth2-stack.ts',
    ...serverArgs,
  ],
  {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', TSX_TSCONFIG_PATH: 'tsconfig.bench.json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  },
)
let stderr = ''
child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
const port = await new Promise<number>((done, fail) => {
  let output = ''
  const timer = setTimeout(() => fail(new Error(`no READY within 300 s: ${output}${stderr}`)), 300_000)
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
    const match = /READY (\d+)/.exec(output)
    if (match?.[1] !== undefined) {
      clearTimeout(timer)
      done(Number(match[1]))
    }
  })
  child.once('exit', (code) => fail(new Error(`server exited with ${code}: ${output}${stderr}`)))
})

const agent = new Agent({ keepAlive: true, maxSockets: 1 })
const body = scenario.body() ?? ''
const send = (): Promise<void> =>
  new Promise((done, fail) => {
    const outgoing = request(
      { host: '127.0.0.1', port, path: scenario.path, method: scenario.method, headers: scenario.headers, agent },
      (response) => {
        response.resume()
        response.on('end', () => (response.statusCode === 200 ? done() : fail(new Error(`status ${response.statusCode}`))))
      },
    )
    outgoing.on('error', fail)
    outgoing.end(body)
  })
const run = async (count: number): Promise<void> => {
  for (let index = 0; index < count; index++) await send()
}

const control = (option: string): void => {
  execFileSync('callgrind_control', [option, String(child.pid)], { stdio: 'ignore' })
}
await run(warmup)
control('--instr=on')
await run(Math.min(warmup, 200))
control('--zero')
await run(requests)
control('--dump')
agent.destroy()
child.kill('SIGTERM')
await new Promise((done) => child.once('exit', done))
// The dump of the collected part: the summary line of each file written after collection was switched on.
let total = 0
for (const file of readdirSync(dir)) {
  const match = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, file), 'utf8'))
  if (match?.[1] !== undefined) total = Math.max(total, Number(match[1]))
}
if (process.env.KEEP === undefined) rmSync(dir, { recursive: true, force: true })
else process.stdout.write(`${dir}\n`)
process.stdout.write(
  `${root} ${scenario.name} ${serverArgs.join(' ')}: ${(total / requests / 1000).toFixed(1)} k instructions/request (${requests} requests after ${warmup} warm-up)\n`,
)
