/**
 * `npm run bench` (quick: client_credentials, under 2 minutes) and `npm run bench -- --full`.
 *
 * Every server runs as its own process on 127.0.0.1, measured in interleaved repeats; results are medians,
 * reported as ratios to the bare node:http ceiling measured in the same run (the machine is shared and
 * noisy: the ratios are the result). Writes bench/RESULTS.md and bench/results.svg.
 */
import { writeFileSync } from 'node:fs'
import { measure, type LoadOptions, type Measurement, type Scenario, type ServerSpec } from './harness.ts'
import { clientCredentials, password, rotatingRefresh } from './scenarios.ts'
import { renderChart } from './chart.ts'

const full = process.argv.includes('--full')
const options: LoadOptions = full
  ? { connections: 10, seconds: 10, warmupSeconds: 3 }
  : { connections: 10, seconds: 4, warmupSeconds: 1 }
const repeats = full ? 3 : 2

const CEILING = 'node:http ceiling'
const servers: ServerSpec[] = [
  { name: CEILING, script: 'ceiling.ts' },
  { name: 'node:http + 32 random bytes', script: 'ceiling.ts', args: ['--random'] },
  { name: 'oauth2-stack (node:http)', script: 'oauth2-stack.ts' },
]

/** Which servers run which scenarios (ceilings only where they are a fair bound). */
const plan: { scenario: Scenario; servers: readonly string[] }[] = [
  { scenario: clientCredentials, servers: servers.map((server) => server.name) },
  ...(full
    ? [
        { scenario: password, servers: ['oauth2-stack (node:http)'] },
        { scenario: rotatingRefresh(), servers: ['oauth2-stack (node:http)'] },
      ]
    : []),
]

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

const results: Measurement[] = []
const started = Date.now()
for (const { scenario, servers: names } of plan) {
  const runs = new Map<string, Measurement[]>()
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const spec of servers.filter((server) => names.includes(server.name))) {
      const measurement = await measure(spec, scenario, options)
      process.stdout.write(
        `${scenario.name} · ${spec.name} · run ${repeat + 1}: ${measurement.requestsPerSecond.toFixed(0)} req/s, ${measurement.cpuMicrosPerRequest.toFixed(0)} µs CPU/req, errors ${measurement.errors}\n`,
      )
      runs.set(spec.name, [...(runs.get(spec.name) ?? []), measurement])
    }
  }
  for (const [server, measurements] of runs) {
    const pick = (key: keyof Measurement): number => median(measurements.map((m) => m[key] as number))
    results.push({
      server,
      scenario: scenario.name,
      requestsPerSecond: pick('requestsPerSecond'),
      p50: pick('p50'),
      p99: pick('p99'),
      cpuMicrosPerRequest: pick('cpuMicrosPerRequest'),
      peakRssMiB: Math.max(...measurements.map((m) => m.peakRssMiB)),
      errors: measurements.reduce((sum, m) => sum + m.errors, 0),
    })
  }
}

const ceilingOf = (scenario: string): Measurement | undefined =>
  results.find((result) => result.scenario === scenario && result.server === CEILING) ??
  results.find((result) => result.scenario === clientCredentials.name && result.server === CEILING)

const lines = [
  '# Benchmark results',
  '',
  `Mode: ${full ? 'full' : 'quick'} · ${options.connections} connections · ${options.seconds} s per run after ${options.warmupSeconds} s warm-up · median of ${repeats} interleaved runs · ${new Date().toISOString().slice(0, 10)} · Node ${process.version} · ${Math.round((Date.now() - started) / 1000)} s in all.`,
  '',
  'Ratios are to the bare node:http ceiling measured in the same run; absolute figures depend on the machine.',
  '',
  '| scenario | server | req/s | × ceiling | p50 ms | p99 ms | CPU µs/req | peak RSS MiB | errors |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.map((result) => {
    const ceiling = ceilingOf(result.scenario)
    const ratio = ceiling === undefined ? '' : (result.requestsPerSecond / ceiling.requestsPerSecond).toFixed(2)
    return `| ${result.scenario} | ${result.server} | ${result.requestsPerSecond.toFixed(0)} | ${ratio} | ${result.p50} | ${result.p99} | ${result.cpuMicrosPerRequest.toFixed(0)} | ${result.peakRssMiB.toFixed(0)} | ${result.errors} |`
  }),
  '',
  '![throughput as a ratio of the ceiling](results.svg)',
  '',
]
writeFileSync(new URL('RESULTS.md', import.meta.url), lines.join('\n'))
writeFileSync(new URL('results.svg', import.meta.url), renderChart(results, (scenario) => ceilingOf(scenario)?.requestsPerSecond))
process.stdout.write(`\n${lines.join('\n')}\n`)
