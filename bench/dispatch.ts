/**
 * `npx tsx --tsconfig tsconfig.json bench/dispatch.ts --baseline <checkout> [--scenario client_credentials|password]
 * [--no-limits] [--events | --events-ours] [--rounds N] [--batch N]`: the controller of this checkout and of `--baseline`
 * (both built: their `dist/` is imported) answer the same token requests in process, through
 * `controller.dispatch` with the memory stores (no HTTP), in alternating batches; prints the median CPU
 * time per request of each and their ratio. Alternating short batches in one process see the same
 * machine load, so the ratio holds on a busy machine where req/s do not. The baseline gets the same
 * options it knows (`limits` and `onEvent` are ignored by a checkout without them).
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
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
const batch = Number(argument('--batch') ?? 4000)
const noLimits = process.argv.includes('--no-limits')
const events = process.argv.includes('--events')
/** `--events-ours`: audit events on for this checkout only (with `--baseline .`: what events cost). */
const eventsOurs = process.argv.includes('--events-ours')

interface Built {
  readonly dispatch: () => Promise<number>
}

/** A controller from a checkout's dist, set up as bench/servers/oauth2-stack.ts sets it up (memory stores). */
async function build(root: string, events: boolean): Promise<Built> {
  const load = async (path: string): Promise<Record<string, never>> =>
    (await import(pathToFileURL(resolve(root, 'dist', path)).href)) as Record<string, never>
  const { AuthorizationController } = (await load('controller.js')) as unknown as {
    AuthorizationController: new (options: object) => never
  }
  const grants = (await load('grants/index.js')) as unknown as Record<string, new (options?: object) => never>
  const stores = (await load('stores/index.js')) as unknown as Record<string, new () => never>
  const web = (await load('web/request.js')) as unknown as { Request: new (init: object) => never }
  const clientStore = new (stores['LocalClientStore'] as new () => { addClient(registration: object): Promise<unknown> })()
  await clientStore.addClient({
    clientId: BENCH_CLIENT.clientId,
    clientSecret: BENCH_CLIENT.clientSecret,
    redirectUris: [BENCH_CLIENT.redirectUri],
  })
  const tokenStore = new (stores['LocalTokenStore'] as new () => object)()
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
  }
}

const sides = [
  { name: 'baseline', built: await build(resolve(baselineDir), events), perRequest: [] as number[] },
  { name: 'ours', built: await build(ours, events || eventsOurs), perRequest: [] as number[] },
]
const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage()
  return user + system
}
for (let round = 0; round < rounds; round++) {
  for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
    const started = cpuMicros()
    for (let index = 0; index < batch; index++) {
      const status = await side.built.dispatch()
      if (status !== 200) throw new Error(`${side.name}: status ${status}`)
      // A turn of the event loop now and then, as a server under load has (timers, e.g. event delivery, run).
      if (index % 16 === 15) await new Promise((done) => setImmediate(done))
    }
    // The first rounds warm the JIT up; they are not counted.
    if (round >= 2) side.perRequest.push((cpuMicros() - started) / batch)
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
const [before, after] = sides.map((side) => median(side.perRequest)) as [number, number]
process.stdout.write(
  `${scenario}${noLimits ? ' --no-limits' : ''}${events ? ' --events' : eventsOurs ? ' --events-ours' : ''}: baseline ${before.toFixed(2)} µs CPU/request, ours ${after.toFixed(2)} µs (${after >= before ? '+' : ''}${((100 * (after - before)) / before).toFixed(1)}%), median of ${rounds - 2} alternating batches of ${batch}\n`,
)
