/**
 * `npx tsx --tsconfig tsconfig.json bench/dispatch.ts --baseline <checkout> [--scenario client_credentials|password]
 * [--store <url>] [--no-limits] [--events | --events-ours] [--rounds N] [--batch N]`: the controller of this checkout and
 * of `--baseline` (both built: their `dist/` is imported) answer the same token requests in process, through
 * `controller.dispatch` (no HTTP), in alternating batches; prints the median CPU time per request of each and
 * their ratio. Alternating short batches in one process see the same machine load, so the ratio holds on a
 * busy machine where req/s do not. The baseline gets the same options it knows (`limits` and `onEvent` are
 * ignored by a checkout without them).
 *
 * The stores are the in-memory ones, or with `--store` (`sqlite:`, `postgres://…`, `mysql://…`, `redis://…`)
 * each checkout's own store opened by that URL on fresh tables or keys, removed at the end; the wall time per
 * request (the database's share included: requests run one at a time) is printed too.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { openBenchStore, type BenchStore, type OpenStore } from './servers/bench-store.ts'
import { BENCH_CLIENT } from './servers/shared.ts'

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(name)
  return index === -1 ? undefined : process.argv[index + 1]
}
const baselineDir = argument('--baseline')
if (baselineDir === undefined) throw new Error('--baseline <checkout> is required')
const ours = resolve(new URL('..', import.meta.url).pathname)
const scenario = argument('--scenario') ?? 'client_credentials'
const rounds = Number(argument('--rounds') ?? 15)
// A database round trip per request: smaller batches, so the alternation stays quick.
const batch = Number(argument('--batch') ?? (argument('--store') === undefined ? 4000 : 500))
const noLimits = process.argv.includes('--no-limits')
const events = process.argv.includes('--events')
/** `--events-ours`: audit events on for this checkout only (with `--baseline .`: what events cost). */
const eventsOurs = process.argv.includes('--events-ours')
/** `--store <url>`: each checkout's own store for that URL instead of the in-memory ones. */
const storeUrl = argument('--store')

interface Built {
  readonly dispatch: () => Promise<number>
  /** Closes a store opened by `--store` and removes its tables or keys. */
  readonly close: () => Promise<void>
}

/** A controller from a checkout's dist, set up as bench/servers/oauth2-stack.ts sets it up. */
async function build(root: string, events: boolean): Promise<Built> {
  const load = async (path: string): Promise<Record<string, never>> =>
    (await import(pathToFileURL(resolve(root, 'dist', path)).href)) as Record<string, never>
  const { AuthorizationController } = (await load('controller.js')) as unknown as {
    AuthorizationController: new (options: object) => never
  }
  const grants = (await load('grants/index.js')) as unknown as Record<string, new (options?: object) => never>
  const stores = (await load('stores/index.js')) as unknown as Record<string, new () => never>
  const web = (await load('web/request.js')) as unknown as { Request: new (init: object) => never }
  const opened: Pick<BenchStore, 'clientStore' | 'tokenStore'> & { close?: () => Promise<void> } =
    storeUrl === undefined
      ? {
          clientStore: new (stores['LocalClientStore'] as new () => BenchStore['clientStore'])(),
          tokenStore: new (stores['LocalTokenStore'] as new () => BenchStore['tokenStore'])(),
        }
      : await openBenchStore(((await load('stores/from-url.js')) as unknown as { openStore: OpenStore }).openStore, storeUrl)
  const { clientStore, tokenStore } = opened
  await clientStore.addClient({
    clientId: BENCH_CLIENT.clientId,
    clientSecret: BENCH_CLIENT.clientSecret,
    redirectUris: [BENCH_CLIENT.redirectUri],
  })
  const controller = new AuthorizationController({
    issuer: 'http://127.0.0.1',
    accessTokenStore: tokenStore,
    authCodeStore: tokenStore,
    clientStore,
    siteAdapter: {
      authenticate: async (request: { postParam(name: string): string | undefined }) =>
        request.postParam('username') === 'bench' && request.postParam('password') === 'bench'
          ? { type: 'granted', userId: 'bench' }
          : { type: 'denied' },
      renderAuthPage: async (_request: unknown, response: unknown) => response,
      userHasDeniedAccess: async () => false,
    },
    scope: new (grants['Scope'] as new (options: object) => never)({ available: ['read', 'write'], default: ['read'] }),
    ...(noLimits ? { limits: { clientAuthentication: false, signIn: false, signInPerUser: false } } : {}),
    ...(events ? { onEvent: () => {} } : {}),
  }) as unknown as { addGrant(grant: unknown): void; dispatch(request: unknown, environ: unknown): Promise<{ statusCode: number }> }
  controller.addGrant(new (grants['ClientCredentialsGrant'] as new () => never)())
  controller.addGrant(new (grants['ResourceOwnerGrant'] as new () => never)())
  controller.addGrant(new (grants['RefreshToken'] as new (options: object) => never)({ expiresIn: 86400 }))
  const headers = {
    authorization: `Basic ${Buffer.from(`${BENCH_CLIENT.clientId}:${BENCH_CLIENT.clientSecret}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  }
  const body =
    scenario === 'password' ? 'grant_type=password&username=bench&password=bench&scope=read' : 'grant_type=client_credentials&scope=read'
  // What nodeHandler passes: the socket's address is where the limits find the client.
  const environ = { req: { socket: { remoteAddress: '127.0.0.1' } }, res: {} }
  return {
    dispatch: async () =>
      (await controller.dispatch(new web.Request({ method: 'POST', path: '/token', headers, body }), environ)).statusCode,
    close: opened.close ?? (async () => {}),
  }
}

const sides = [
  { name: 'baseline', built: await build(resolve(baselineDir), events), perRequest: [] as number[], wall: [] as number[] },
  { name: 'ours', built: await build(ours, events || eventsOurs), perRequest: [] as number[], wall: [] as number[] },
]
const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage()
  return user + system
}
for (let round = 0; round < rounds; round++) {
  for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
    const started = cpuMicros()
    const startedAt = performance.now()
    for (let index = 0; index < batch; index++) {
      const status = await side.built.dispatch()
      if (status !== 200) throw new Error(`${side.name}: status ${status}`)
      // A turn of the event loop now and then, as a server under load has (timers, e.g. event delivery, run).
      if (index % 16 === 15) await new Promise((done) => setImmediate(done))
    }
    // The first rounds warm the JIT up; they are not counted.
    if (round >= 2) {
      side.perRequest.push((cpuMicros() - started) / batch)
      side.wall.push((1000 * (performance.now() - startedAt)) / batch)
    }
  }
}
for (const side of sides) await side.built.close()
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
const [before, after] = sides.map((side) => median(side.perRequest)) as [number, number]
const change = (from: number, to: number): string => `${to >= from ? '+' : ''}${((100 * (to - from)) / from).toFixed(1)}%`
const [wallBefore, wallAfter] = sides.map((side) => median(side.wall)) as [number, number]
const wall = storeUrl === undefined ? '' : `; wall ${wallBefore.toFixed(1)} → ${wallAfter.toFixed(1)} µs (${change(wallBefore, wallAfter)})`
process.stdout.write(
  `${scenario}${storeUrl === undefined ? '' : ` ${storeUrl.split(':')[0]}`}${noLimits ? ' --no-limits' : ''}${events ? ' --events' : eventsOurs ? ' --events-ours' : ''}: baseline ${before.toFixed(2)} µs CPU/request, ours ${after.toFixed(2)} µs (${change(before, after)})${wall}, median of ${rounds - 2} alternating batches of ${batch}\n`,
)
