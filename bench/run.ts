/**
 * `npm run bench` (quick: client_credentials against the peers and the ceiling, under 2 minutes),
 * `npm run bench -- --adapters` (each framework adapter against that framework's trivial route),
 * `npm run bench -- --stores` (the token endpoint per store: memory, SQLite, PostgreSQL, MySQL, Redis),
 * `npm run bench -- --resource` (introspection and the bearer guard, opaque and JWT, against the peers that
 * have each: oidc-provider and @jmondi/oauth2-server introspect, @node-oauth/oauth2-server guards opaque
 * tokens, @jmondi/oauth2-server JWTs; each peer's header says why not the rest),
 * `npm run bench -- --code` (authorization_code exchange of pre-issued codes, PKCE S256, against the peers
 * that have the grant and the ceiling) and
 * `npm run bench -- --oidc` (OpenID Connect: the code exchange with `openid`, which returns an RS256 ID token,
 * and `GET /userinfo` with a bearer token, against oidc-provider set up alike — opaque access tokens on both
 * sides — plus the RS256 signing-bound ceiling, measured in this process: see bench/oidc.ts) and
 * `npm run bench -- --full` (everything, longer runs, more repeats).
 * `npm run bench -- --registration` (client_credentials on a server with dynamic registration on, alone
 * and with 100 registrations a second beside it: issue 14 wants the second within 10% of the first).
 * `--baseline <dir>` (with `--stores`) adds every oauth2-stack store entry once more, run from another
 * built checkout (e.g. a worktree of the previous release), so before and after are measured in one run.
 * `--only <names>` (comma-separated, e.g. `memory,Redis`) keeps just those stores (and the ceiling);
 * `--repeats N` sets the interleaved runs; `--no-write` prints the table without writing RESULTS files.
 *
 * Every server runs as its own process on 127.0.0.1, measured in interleaved repeats; results are medians,
 * reported as ratios to the bare node:http ceiling measured in the same run (the machine is shared and
 * noisy: the ratios are the result). Writes bench/RESULTS.md and bench/results.svg (RESULTS-<mode>.md and
 * results-<mode>.svg for the single-topic modes).
 */
import { existsSync, writeFileSync } from 'node:fs'
import { renderChart } from './chart.ts'
import { measure, type LoadOptions, type Measurement, type Scenario, type ServerSpec } from './harness.ts'
import {
  authorizationCode,
  bearer,
  clientCredentials,
  clientCredentialsWithRegistrations,
  introspection,
  oidcCodeExchange,
  password,
  rotatingRefresh,
  userinfo,
} from './scenarios.ts'
import { measureSigning, OIDC_OURS, OIDC_PEER, oidcSection } from './oidc.ts'

const full = process.argv.includes('--full')
const adaptersOnly = process.argv.includes('--adapters')
const storesOnly = process.argv.includes('--stores')
const resourceOnly = process.argv.includes('--resource')
const codeOnly = process.argv.includes('--code')
const oidcOnly = process.argv.includes('--oidc')
/** `--registration`: client_credentials on a server with registration on, alone and with 100 registrations/s beside it. */
const registrationOnly = process.argv.includes('--registration')
/** `--baseline <dir>`: a checkout of an earlier commit, built; its store entries run beside ours in the same run. */
const baselineIndex = process.argv.indexOf('--baseline')
const baseline = baselineIndex === -1 ? undefined : process.argv[baselineIndex + 1]
/** `--no-limits` (with `--stores`): our store servers run with the rate limits off, to compare the store core alone. */
/** `--events` (with `--stores`): our store servers run with audit events on (a handler that drops them). */
const storeArgs = ['--no-limits', '--events'].filter((flag) => process.argv.includes(flag))
const options: LoadOptions = full ? { connections: 10, seconds: 8, warmupSeconds: 2 } : { connections: 10, seconds: 4, warmupSeconds: 1 }
const repeatsIndex = process.argv.indexOf('--repeats')
const repeats = repeatsIndex === -1 ? (full ? 3 : 2) : Number(process.argv[repeatsIndex + 1])
const onlyIndex = process.argv.indexOf('--only')
/** `--only memory,Redis`: the store entries kept (by the name after `oauth2-stack · `). */
const only = onlyIndex === -1 ? undefined : new Set((process.argv[onlyIndex + 1] ?? '').split(','))
const write = !process.argv.includes('--no-write')

const CEILING = 'node:http ceiling'
const OURS = 'oauth2-stack (node:http)'

interface Entry {
  readonly spec: ServerSpec
  /** Scenario names this server supports. */
  readonly scenarios: readonly string[]
}

const refresh = rotatingRefresh()
const code = authorizationCode()
const introspect = introspection()
const bearerOpaque = bearer('bearer (opaque)')
const bearerJwt = bearer('bearer (JWT)')
const resourceScenarios = [introspect, bearerOpaque, bearerJwt]
const peer = (name: string, script: string, scenarios: readonly string[], args?: readonly string[]): Entry[] =>
  existsSync(new URL(`servers/${script}`, import.meta.url))
    ? [{ spec: args === undefined ? { name, script } : { name, script, args }, scenarios }]
    : []

const core: Entry[] = [
  { spec: { name: CEILING, script: 'ceiling.ts' }, scenarios: [clientCredentials.name] },
  { spec: { name: 'node:http + 32 random bytes', script: 'ceiling.ts', args: ['--random'] }, scenarios: [clientCredentials.name] },
  {
    spec: { name: OURS, script: 'oauth2-stack.ts' },
    scenarios: [clientCredentials.name, password.name, refresh.name, code.name, introspect.name, bearerOpaque.name],
  },
  {
    spec: { name: 'oauth2-stack (node:http, JWT access tokens)', script: 'oauth2-stack.ts', args: ['--jwt'] },
    scenarios: [bearerJwt.name],
  },
  // No bearer guard in the library (see its header).
  ...peer('oidc-provider', 'oidc-provider.ts', [clientCredentials.name, introspect.name]),
  // Its default in-memory adapter keeps only 1 000 records: the code scenario needs one that keeps them all.
  ...peer('oidc-provider (Map adapter)', 'oidc-provider.ts', [code.name], ['--map-adapter']),
  // No introspection endpoint; opaque access tokens only.
  ...peer('@node-oauth/oauth2-server (Express)', 'node-oauth.ts', [
    clientCredentials.name,
    password.name,
    refresh.name,
    code.name,
    bearerOpaque.name,
  ]),
  // JWT access tokens only.
  ...peer('@jmondi/oauth2-server (Express, JWT access tokens)', 'jmondi.ts', [
    clientCredentials.name,
    password.name,
    refresh.name,
    code.name,
    introspect.name,
    bearerJwt.name,
  ]),
]

// The code scenario alone: the ceiling (measured with client_credentials, as its server answers any token
// request alike) and every server that has the grant.
const codeEntries: Entry[] = [
  { spec: { name: CEILING, script: 'ceiling.ts' }, scenarios: [clientCredentials.name] },
  ...core.filter((entry) => entry.scenarios.includes(code.name)).map((entry) => ({ ...entry, scenarios: [code.name] })),
]

// OpenID Connect: the code exchange with an ID token and UserInfo, ours and oidc-provider's, and the ceiling.
const oidcCode = oidcCodeExchange()
const oidcUserinfo = userinfo()
const oidcEntries: Entry[] = [
  { spec: { name: CEILING, script: 'ceiling.ts' }, scenarios: [clientCredentials.name] },
  { spec: OIDC_OURS, scenarios: [oidcCode.name, oidcUserinfo.name] },
  ...peer(OIDC_PEER.name, OIDC_PEER.script, [oidcCode.name, oidcUserinfo.name], OIDC_PEER.args),
]

const frameworks = ['node', 'express', 'fastify', 'koa', 'hono'] as const
const adapters: Entry[] = frameworks.flatMap((framework) => [
  {
    spec: { name: `${framework} trivial route`, script: 'framework.ts', args: [framework, 'trivial'] },
    scenarios: [clientCredentials.name],
  },
  {
    spec: { name: `${framework} + oauth2-stack`, script: 'framework.ts', args: [framework, 'oauth2'] },
    scenarios: [clientCredentials.name],
  },
])

const storeUrls: Record<string, string> = {
  SQLite: 'sqlite:bench.db',
  PostgreSQL: 'postgres://postgres@127.0.0.1:5432/test',
  MySQL: 'mysql://root@127.0.0.1:3306/test',
  Redis: 'redis://127.0.0.1:6379',
}
const stores: Entry[] = [
  { spec: { name: CEILING, script: 'ceiling.ts' }, scenarios: [clientCredentials.name] },
  {
    spec: { name: 'oauth2-stack · memory', script: 'oauth2-stack.ts', args: storeArgs },
    scenarios: [clientCredentials.name, password.name, refresh.name],
  },
  ...Object.entries(storeUrls).map(([name, url]) => ({
    spec: { name: `oauth2-stack · ${name}`, script: 'oauth2-stack.ts', args: ['--store', url, ...storeArgs] },
    scenarios: [clientCredentials.name, password.name, refresh.name],
  })),
]
if (only !== undefined) {
  const kept = stores.filter((entry) => entry.spec.name === CEILING || only.has(entry.spec.name.replace('oauth2-stack · ', '')))
  stores.splice(0, stores.length, ...kept)
}
if (baseline !== undefined) {
  for (const entry of [...stores]) {
    if (entry.spec.script !== 'oauth2-stack.ts') continue
    stores.push({ ...entry, spec: { ...entry.spec, name: `${entry.spec.name} (baseline)`, root: baseline } })
  }
}

// The resource scenarios alone: the ceiling (measured with client_credentials) and every server that has one.
const resource: Entry[] = [
  { spec: { name: CEILING, script: 'ceiling.ts' }, scenarios: [clientCredentials.name] },
  ...core.flatMap((entry) => {
    const scenarios = entry.scenarios.filter((name) => resourceScenarios.some((scenario) => scenario.name === name))
    return scenarios.length === 0 ? [] : [{ ...entry, scenarios }]
  }),
]

const withRegistrations = clientCredentialsWithRegistrations()
const registrationEntries: Entry[] = [
  {
    spec: { name: 'oauth2-stack (node:http, registration on)', script: 'oauth2-stack.ts', args: ['--registration'] },
    scenarios: [clientCredentials.name, withRegistrations.name],
  },
]

const plan: { scenario: Scenario; entries: Entry[] }[] = registrationOnly
  ? [clientCredentials, withRegistrations].map((scenario) => ({ scenario, entries: registrationEntries }))
  : oidcOnly
    ? [clientCredentials, oidcCode, oidcUserinfo].map((scenario) => ({ scenario, entries: oidcEntries }))
    : resourceOnly
      ? [clientCredentials, ...resourceScenarios].map((scenario) => ({ scenario, entries: resource }))
      : codeOnly
        ? [clientCredentials, code].map((scenario) => ({ scenario, entries: codeEntries }))
        : adaptersOnly
          ? [{ scenario: clientCredentials, entries: adapters }]
          : storesOnly
            ? [clientCredentials, password].map((scenario) => ({ scenario, entries: stores }))
            : [
                {
                  scenario: clientCredentials,
                  entries: full ? [...core, ...adapters.filter((entry) => entry.spec.args?.[0] !== 'node')] : core,
                },
                ...(full ? [password, refresh, code, ...resourceScenarios].map((scenario) => ({ scenario, entries: core })) : []),
              ]

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

const results: Measurement[] = []
const started = Date.now()
// Before any server starts, so nothing else of the benchmark runs beside it.
const signing = oidcOnly ? await measureSigning() : undefined
if (signing !== undefined) {
  process.stdout.write(`RS256 signing: ${signing.nodeCrypto.toFixed(0)}/s node:crypto, ${signing.jose.toFixed(0)}/s jose\n`)
}
// Scenarios one after the other, each with its servers interleaved run by run; `--registration` compares two
// scenarios of one server, so there the scenarios take turns run by run (a slower minute of the machine
// then falls on both alike).
const groups = registrationOnly ? [plan] : plan.map((item) => [item])
for (const group of groups) {
  const runs = new Map<Scenario, Map<string, Measurement[]>>(group.map(({ scenario }) => [scenario, new Map()]))
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const { scenario, entries } of group) {
      const scenarioRuns = runs.get(scenario) as Map<string, Measurement[]>
      for (const spec of entries.filter((entry) => entry.scenarios.includes(scenario.name)).map((entry) => entry.spec)) {
        const measurement = await measure(spec, scenario, options)
        process.stdout.write(
          `${scenario.name} · ${spec.name} · run ${repeat + 1}: ${measurement.requestsPerSecond.toFixed(0)} req/s, ${measurement.cpuMicrosPerRequest.toFixed(0)} µs CPU/req, errors ${measurement.errors}\n`,
        )
        scenarioRuns.set(spec.name, [...(scenarioRuns.get(spec.name) ?? []), measurement])
      }
    }
  }
  for (const [scenario, scenarioRuns] of runs) {
    for (const [server, measurements] of scenarioRuns) {
      const pick = (key: 'requestsPerSecond' | 'p50' | 'p99' | 'cpuMicrosPerRequest'): number => median(measurements.map((m) => m[key]))
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
}

const find = (scenario: string, server: string): Measurement | undefined =>
  results.find((result) => result.scenario === scenario && result.server === server)
const ceiling = (scenario: string): Measurement | undefined =>
  find(scenario, CEILING) ?? find(clientCredentials.name, CEILING) ?? find(clientCredentials.name, 'node trivial route')
const fastestPeer = (scenario: string): Measurement | undefined =>
  results
    .filter(
      (result) =>
        result.scenario === scenario &&
        !result.server.startsWith('oauth2-stack') &&
        !result.server.startsWith('node') &&
        !/trivial|\+ oauth2-stack/.test(result.server),
    )
    .sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0]

const lines = [
  '# Benchmark results',
  '',
  `Mode: ${registrationOnly ? 'registration' : full ? 'full' : adaptersOnly ? 'adapters' : storesOnly ? 'stores' : resourceOnly ? 'resource' : codeOnly ? 'code' : oidcOnly ? 'oidc' : 'quick'} · ${options.connections} connections · ${options.seconds} s per run after ${options.warmupSeconds} s warm-up · median of ${repeats} interleaved runs · ${new Date().toISOString().slice(0, 10)} · Node ${process.version} · ${Math.round((Date.now() - started) / 1000)} s in all.`,
  '',
  'Ratios are to the bare node:http ceiling (or, for adapters only, the node:http trivial route) measured in the same run, and to the fastest peer of the same scenario; absolute figures depend on the machine.',
  '',
  '| scenario | server | req/s | × ceiling | × fastest peer | p50 ms | p99 ms | CPU µs/req | peak RSS MiB | errors |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.map((result) => {
    const base = ceiling(result.scenario)
    const peerBest = fastestPeer(result.scenario)
    const ratio = base === undefined ? '' : (result.requestsPerSecond / base.requestsPerSecond).toFixed(2)
    const peerRatio = peerBest === undefined ? '' : (result.requestsPerSecond / peerBest.requestsPerSecond).toFixed(2)
    return `| ${result.scenario} | ${result.server} | ${result.requestsPerSecond.toFixed(0)} | ${ratio} | ${peerRatio} | ${result.p50} | ${result.p99} | ${result.cpuMicrosPerRequest.toFixed(0)} | ${result.peakRssMiB.toFixed(0)} | ${result.errors} |`
  }),
  '',
]

// Adapter overhead: what each adapter adds to the controller (CPU per request beyond nodeHandler), next to
// what the framework itself adds to a trivial route (beyond the bare node:http trivial route).
const adapterRows = frameworks
  .filter((framework) => framework !== 'node')
  .flatMap((framework) => {
    const trivial = find(clientCredentials.name, `${framework} trivial route`)
    const nodeTrivial = find(clientCredentials.name, 'node trivial route')
    const withOurs = find(clientCredentials.name, `${framework} + oauth2-stack`)
    const nodeOurs = find(clientCredentials.name, 'node + oauth2-stack')
    if (trivial === undefined || nodeTrivial === undefined || withOurs === undefined || nodeOurs === undefined) return []
    const frameworkCost = trivial.cpuMicrosPerRequest - nodeTrivial.cpuMicrosPerRequest
    const adapterCost = withOurs.cpuMicrosPerRequest - nodeOurs.cpuMicrosPerRequest
    const throughput = withOurs.requestsPerSecond / nodeOurs.requestsPerSecond
    const baseline = trivial.requestsPerSecond / nodeTrivial.requestsPerSecond
    return [
      `| ${framework} | ${frameworkCost.toFixed(0)} | ${adapterCost.toFixed(0)} | ${baseline.toFixed(2)} | ${throughput.toFixed(2)} |`,
    ]
  })
if (adapterRows.length > 0) {
  lines.push(
    '## Adapter overhead',
    '',
    'CPU µs per request that the framework adds to a trivial route (vs bare node:http), next to what the framework plus the adapter add to the same controller (vs nodeHandler); and throughput as a fraction of the node:http equivalent.',
    '',
    '| framework | framework µs/req | framework + adapter µs/req | trivial route × node | oauth2-stack × nodeHandler |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...adapterRows,
    '',
  )
}
// With --baseline: each store entry against its baseline twin, measured in the same run.
const beforeAfter = results.flatMap((result) => {
  const before = find(result.scenario, `${result.server} (baseline)`)
  if (before === undefined) return []
  const change = (after: number, was: number): string => `${after >= was ? '+' : ''}${((100 * (after - was)) / was).toFixed(1)}%`
  return [
    `| ${result.scenario} | ${result.server} | ${before.requestsPerSecond.toFixed(0)} | ${result.requestsPerSecond.toFixed(0)} | ${change(result.requestsPerSecond, before.requestsPerSecond)} | ${before.cpuMicrosPerRequest.toFixed(0)} | ${result.cpuMicrosPerRequest.toFixed(0)} |`,
  ]
})
if (beforeAfter.length > 0) {
  lines.push(
    '## Before and after',
    '',
    `Each store against the same store run from \`${baseline}\` (medians of the same interleaved runs).`,
    '',
    '| scenario | server | baseline req/s | req/s | change | baseline CPU µs/req | CPU µs/req |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...beforeAfter,
    '',
  )
}
if (registrationOnly) {
  // Issue 14: the token endpoint with 100 registrations a second beside it within 10% of without.
  const server = registrationEntries[0]?.spec.name ?? ''
  const alone = find(clientCredentials.name, server)
  const beside = find(withRegistrations.name, server)
  if (alone !== undefined && beside !== undefined) {
    const change = (beside.requestsPerSecond / alone.requestsPerSecond - 1) * 100
    lines.push(`With registrations beside it: ${change.toFixed(1)}% req/s against client_credentials alone (target: within 10%).`, '')
  }
}
if (signing !== undefined) lines.push(...oidcSection(signing, results, oidcCode.name, oidcUserinfo.name))
lines.push('![throughput as a ratio of the ceiling](results.svg)', '')
const suffix = registrationOnly
  ? '-registration'
  : adaptersOnly
    ? '-adapters'
    : storesOnly
      ? '-stores'
      : resourceOnly
        ? '-resource'
        : codeOnly
          ? '-code'
          : oidcOnly
            ? '-oidc'
            : ''
const chart = `results${suffix}.svg`
lines[lines.length - 2] = `![throughput as a ratio of the ceiling](${chart})`
if (write) {
  writeFileSync(new URL(`RESULTS${suffix}.md`, import.meta.url), lines.join('\n'))
  writeFileSync(
    new URL(chart, import.meta.url),
    renderChart(results, (scenario) => ceiling(scenario)?.requestsPerSecond),
  )
}
process.stdout.write(`\n${lines.join('\n')}\n`)
