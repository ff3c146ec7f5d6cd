/**
 * Readiness with the database cut: PostgreSQL is reached through a TCP proxy the test controls. While it
 * answers, `controller.readiness()` is ready and `GET /readyz` of the server `serve` runs (the demo
 * server) answers 200; with the proxy cut, both say not ready within the store timeout (503, the store
 * named, no driver text in the body), `GET /healthz` still answers 200, a token request is a 503 with a
 * `store.unavailable` audit event; restored, the server is ready again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer, type DemoServer } from '../../src/cli/demo-server.ts'
import { RequestLogger } from '../../src/cli/request-log.ts'
import { openStore, type OpenedStore } from '../../src/stores/from-url.ts'
import { POSTGRES_URL, probeService, whenReachable } from '../contract/services.ts'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts'

const suffix = `${process.pid}_${Date.now().toString(36)}`
const SECRET = 'readiness-secret-0123456789-abcdefghijklmnopqrstuv'
const postgres = await probeService('PostgreSQL', POSTGRES_URL, 5432)

whenReachable(postgres, () => {
  describe('readiness with PostgreSQL cut through the TCP proxy', () => {
    let proxy: TcpProxy
    let opened: OpenedStore
    let demo: DemoServer
    const lines: string[] = []

    beforeAll(async () => {
      proxy = await startTcpProxy(postgres.host, postgres.port)
      opened = await openStore(`postgres://postgres@127.0.0.1:${proxy.port}/test`, { tablePrefix: `ready_${suffix}_`, migrate: true })
      await opened.clientStore.addClient({ clientId: 'ready-client', clientSecret: SECRET, grantTypes: ['client_credentials'] })
      demo = await startDemoServer({
        port: 0,
        demo: false,
        clientStore: opened.clientStore,
        tokenStore: opened.tokenStore,
        logger: new RequestLogger({ format: 'json', write: (line) => lines.push(line) }),
      })
    })

    afterAll(async () => {
      await proxy.restore()
      await demo.close()
      const { default: pg } = await import('pg')
      const pool = new pg.Pool({ connectionString: POSTGRES_URL })
      const tables = await pool.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'ready_${suffix}_%'`)
      for (const { tablename } of tables.rows) await pool.query(`DROP TABLE IF EXISTS "${tablename}" CASCADE`)
      await pool.end()
      await opened.close().catch(() => {})
      await proxy.close()
    })

    const get = async (path: string): Promise<{ status: number; body: Record<string, unknown>; cacheControl: string | null }> => {
      const response = await fetch(`${demo.issuer}${path}`, { signal: AbortSignal.timeout(10_000) })
      return {
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
        cacheControl: response.headers.get('cache-control'),
      }
    }

    it('is ready while the database answers', async () => {
      const report = await demo.controller.readiness()
      expect(report).toEqual({
        ready: true,
        stores: [
          { name: 'clientStore', ready: true },
          { name: 'accessTokenStore', ready: true },
        ],
      })
      expect(await get('/readyz')).toEqual({
        status: 200,
        body: { status: 'ready', stores: { clientStore: 'ready', accessTokenStore: 'ready' } },
        cacheControl: 'no-store',
      })
      expect(await get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } })
    })

    it('is not ready while the database is cut, alive all the same, and ready again once it is back', async () => {
      await proxy.cut()
      const report = await demo.controller.readiness()
      expect(report.ready).toBe(false)
      for (const store of report.stores) {
        expect(store.ready).toBe(false)
        expect(store.error).toMatch(/\w/)
      }
      const readyz = await get('/readyz')
      expect(readyz).toEqual({
        status: 503,
        body: { status: 'unavailable', stores: { clientStore: 'unavailable', accessTokenStore: 'unavailable' } },
        cacheControl: 'no-store',
      })
      expect(await get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } })
      expect(lines.some((line) => /"msg":"not ready"/.test(line))).toBe(true)

      // A token request meanwhile: 503, and a store.unavailable event naming the call that failed.
      const token = await fetch(`${demo.issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`ready-client:${SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      })
      expect(token.status).toBe(503)
      await expect.poll(() => lines.find((line) => line.includes('"type":"store.unavailable"')), { timeout: 5000 }).toBeDefined()
      const event = JSON.parse(lines.find((line) => line.includes('"type":"store.unavailable"')) ?? '{}') as Record<string, unknown>
      expect(event).toMatchObject({
        level: 'warn',
        msg: 'event',
        type: 'store.unavailable',
        operation: 'clientStore.fetchByClientId',
        address: '127.0.0.1',
      })
      expect(event.reason === 'failure' || event.reason === 'timeout').toBe(true)
      expect(event.request_id).toMatch(/^[\w-]+$/)
      expect(JSON.stringify(event)).not.toContain(SECRET)

      await proxy.restore()
      await expect.poll(async () => (await get('/readyz')).status, { timeout: 15_000, interval: 200 }).toBe(200)
      expect((await demo.controller.readiness()).ready).toBe(true)
    }, 30_000)
  })
})
