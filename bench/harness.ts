/**
 * The load harness: starts a benchmark server as its own process on 127.0.0.1, checks one real request
 * succeeds, warms up, loads it with autocannon for a fixed time and connection count, reads the server's
 * CPU time and peak RSS from /proc, and stops it by PID.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import autocannon from 'autocannon'

/** A server to measure: a script under bench/servers and its arguments. */
export interface ServerSpec {
  readonly name: string
  readonly script: string
  readonly args?: readonly string[]
  /**
   * Another checkout to run the script from (its own bench/servers and built dist), for a before/after
   * comparison measured in one run (`--baseline <dir>`); this checkout by default.
   */
  readonly root?: string
}

/** One request shape to send. `body` may differ per request (e.g. a fresh code each time). */
export interface Scenario {
  readonly name: string
  readonly path: string
  readonly method: 'GET' | 'POST'
  readonly headers: Readonly<Record<string, string>>
  /** The body of the next request. */
  readonly body: () => string | undefined
  /**
   * Set when every request carries a different body (e.g. a fresh code each time). Otherwise the body is
   * taken once after `prepare` and sent as it is, which keeps the load generator's own cost per request
   * low, so that it is the fast servers (the ceiling) that are measured, not the load generator.
   */
  readonly varies?: boolean
  /**
   * Sees every response during the load (e.g. to collect the refresh token it returns for a later request);
   * its requests then take their body from `body` one by one, like a scenario that `varies`.
   */
  readonly onResponse?: (status: number, body: string) => void
  /** Prepares per-run state against a started server (e.g. pre-issues codes); optional. */
  readonly prepare?: (baseUrl: string, count: number) => Promise<void>
}

/** What one measured run gives. */
export interface Measurement {
  readonly server: string
  readonly scenario: string
  readonly requestsPerSecond: number
  readonly p50: number
  readonly p99: number
  /** Server CPU (user + system) per request, microseconds. */
  readonly cpuMicrosPerRequest: number
  /** Server peak resident set size, MiB. */
  readonly peakRssMiB: number
  readonly errors: number
}

export interface LoadOptions {
  readonly connections: number
  readonly seconds: number
  readonly warmupSeconds: number
}

const root = new URL('../', import.meta.url)
const CLOCK_TICKS = 100

/**
 * With two or more CPUs and `taskset` available, the server under test runs on CPU 1 and the load
 * generator (this process) on CPU 0, so the two never compete for a core and runs vary less.
 */
const pinning = ((): boolean => {
  if (availableParallelism() < 2) return false
  try {
    execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/** Starts a server script and resolves with its process and port once it prints `READY <port>`. */
export async function startServer(spec: ServerSpec): Promise<{ child: ChildProcess; port: number }> {
  const node = [process.execPath, '--import', 'tsx', `bench/servers/${spec.script}`, ...(spec.args ?? [])]
  const [command, ...args] = pinning ? ['taskset', '-c', '1', ...node] : node
  // tsconfig.bench.json has no `paths`: `oauth2-stack` resolves to the built package (dist), as for users.
  const child = spawn(command as string, args, {
    cwd: spec.root ?? root,
    env: { ...process.env, NODE_ENV: 'production', TSX_TSCONFIG_PATH: 'tsconfig.bench.json' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`${spec.name} did not start: ${output}`)), 20_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /READY (\d+)/.exec(output)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    })
    child.once('exit', (code) => reject(new Error(`${spec.name} exited with ${code}: ${output}`)))
  })
  return { child, port }
}

/** Stops a server we started, by its PID, and waits for it to exit. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  process.kill(child.pid, 'SIGTERM')
  const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  // Fields 14 and 15 of /proc/PID/stat (utime, stime) are the 12th and 13th after the command name.
  return Number(fields[11]) + Number(fields[12])
}

function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmHWM:'))
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024
}

function load(url: string, scenario: Scenario, connections: number, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration: seconds,
        requests: [
          {
            method: scenario.method,
            path: scenario.path,
            headers: { ...scenario.headers },
            ...(scenario.varies === true || scenario.onResponse !== undefined
              ? {
                  setupRequest: (request: autocannon.Request) => {
                    const body = scenario.body()
                    return body === undefined ? request : { ...request, body }
                  },
                  ...(scenario.onResponse === undefined ? {} : { onResponse: scenario.onResponse }),
                }
              : fixedBody(scenario.body())),
          },
        ],
      },
      (error: unknown, result) => (error ? reject(error instanceof Error ? error : new Error('autocannon failed')) : resolve(result)),
    )
  })
}

function fixedBody(body: string | undefined): { body?: string } {
  return body === undefined ? {} : { body }
}

/** Checks that one request of the scenario succeeds, so a broken setup never produces a number. */
export async function checkOnce(baseUrl: string, scenario: Scenario): Promise<void> {
  const body = scenario.body()
  const response = await fetch(`${baseUrl}${scenario.path}`, {
    method: scenario.method,
    headers: scenario.headers,
    ...(body === undefined ? {} : { body }),
  })
  const text = await response.text()
  if (response.status !== 200) throw new Error(`${scenario.name} at ${baseUrl}: ${response.status} ${text}`)
}

/** Measures one server under one scenario. */
export async function measure(spec: ServerSpec, scenario: Scenario, options: LoadOptions): Promise<Measurement> {
  const { child, port } = await startServer(spec)
  const pid = child.pid as number
  const baseUrl = `http://127.0.0.1:${port}`
  try {
    // Rates rarely pass 40k/s on this machine; prepare enough per-request state for warm-up and run.
    await scenario.prepare?.(baseUrl, 40_000 * (options.seconds + options.warmupSeconds))
    await checkOnce(baseUrl, scenario)
    await load(baseUrl, scenario, options.connections, options.warmupSeconds)
    const before = cpuTicks(pid)
    const result = await load(baseUrl, scenario, options.connections, options.seconds)
    const ticks = cpuTicks(pid) - before
    const requests = result.requests.total
    return {
      server: spec.name,
      scenario: scenario.name,
      requestsPerSecond: requests / options.seconds,
      p50: result.latency.p50,
      p99: result.latency.p99,
      cpuMicrosPerRequest: requests === 0 ? 0 : ((ticks / CLOCK_TICKS) * 1e6) / requests,
      peakRssMiB: peakRssMiB(pid),
      errors: result.errors + result.non2xx + result.timeouts,
    }
  } finally {
    await stopServer(child)
  }
}
