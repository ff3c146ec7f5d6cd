/**
 * Fault injection through real HTTP: the controller's backend (PostgreSQL, Redis) is reached through a TCP
 * proxy the test controls; the proxy is cut under load and restored. Requests fail cleanly (503
 * temporarily_unavailable, RFC-shaped JSON, never a hang or a crash), no token is handed out that was not
 * stored, and the server recovers when the backend returns.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuthorizationController } from '../../src/index.ts'
import { ClientCredentialsGrant, Scope } from '../../src/grants/index.ts'
import { openStore, type OpenedStore } from '../../src/stores/from-url.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import { nodeHandler } from '../../src/web/index.ts'
import { POSTGRES_URL, probeService, whenReachable } from '../contract/services.ts'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts'

const SECRET = 'fault-injection-secret-0123456789-abcdefghijklmnop'
const BASIC = `Basic ${Buffer.from(`fault-client:${SECRET}`).toString('base64')}`
const suffix = `${process.pid}_${Date.now().toString(36)}`

const backends = [
  {
    name: 'PostgreSQL',
    service: await probeService('PostgreSQL', POSTGRES_URL, 5432),
    url: (port: number) => `postgres://postgres@127.0.0.1:${port}/test`,
  },
  {
    name: 'Redis',
    service: await probeService('Redis', 'redis://127.0.0.1:6379', 6379),
    url: (port: number) => `redis://127.0.0.1:${port}`,
  },
]

for (const backend of backends) {
  whenReachable(backend.service, () => {
    describe(`${backend.name} lost and restored mid-load`, () => {
      let proxy: TcpProxy
      let opened: OpenedStore
      let server: Server
      let url = ''
      beforeAll(async () => {
        proxy = await startTcpProxy(backend.service.host, backend.service.port)
        opened = await openStore(backend.url(proxy.port), { tablePrefix: `fault_${suffix}_`, keyPrefix: `fault:${suffix}:`, migrate: true })
        await opened.clientStore.addClient({ clientId: 'fault-client', clientSecret: SECRET })
        const controller = new AuthorizationController({
          issuer: 'http://127.0.0.1',
          accessTokenStore: opened.tokenStore,
          authCodeStore: opened.tokenStore,
          clientStore: opened.clientStore,
          scope: new Scope({ available: ['read'], default: ['read'] }),
          storeTimeoutMs: 1000,
          onError: () => {},
        })
        controller.addGrant(new ClientCredentialsGrant())
        server = createServer(nodeHandler(controller))
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`
      })
      afterAll(async () => {
        await proxy.restore()
        server.closeAllConnections()
        server.close()
        if (backend.name === 'PostgreSQL') {
          const { default: pg } = await import('pg')
          const pool = new pg.Pool({ connectionString: POSTGRES_URL })
          const tables = await pool.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'fault_${suffix}_%'`)
          for (const { tablename } of tables.rows) await pool.query(`DROP TABLE IF EXISTS "${tablename}" CASCADE`)
          await pool.end()
        } else {
          const { Redis } = await import('ioredis')
          const redis = new Redis()
          const keys = await redis.keys(`fault:${suffix}:*`)
          if (keys.length > 0) await redis.del(...keys)
          redis.disconnect()
        }
        await opened.close().catch(() => {})
        await proxy.close()
      })

      const token = async (): Promise<{ status: number; body: Record<string, unknown>; ms: number }> => {
        const started = Date.now()
        const response = await fetch(url, {
          method: 'POST',
          headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
          signal: AbortSignal.timeout(10_000),
        })
        return { status: response.status, body: (await response.json()) as Record<string, unknown>, ms: Date.now() - started }
      }

      it('answers 503 temporarily_unavailable while the backend is gone, and recovers after', async () => {
        const issued: string[] = []
        const before = await Promise.all(Array.from({ length: 20 }, token))
        for (const answer of before) {
          expect(answer.status).toBe(200)
          issued.push(answer.body.access_token as string)
        }
        await proxy.cut()
        const during = await Promise.all(Array.from({ length: 20 }, token))
        for (const answer of during) {
          if (answer.status === 200) issued.push(answer.body.access_token as string)
          else {
            expect(answer.status).toBe(503)
            expect(answer.body).toMatchObject({ error: 'temporarily_unavailable' })
            expect(answer.body.error_description).not.toMatch(/ECONN|at \w|127\.0\.0\.1/)
            // Bounded by the store timeout, never a hang.
            expect(answer.ms).toBeLessThan(5000)
          }
        }
        expect(during.filter((answer) => answer.status === 503).length).toBeGreaterThan(0)
        await proxy.restore()
        // The server recovers: answers go from 503 to 200 (nothing else in between) once the store reconnects.
        const statuses: number[] = []
        const deadline = Date.now() + 10_000
        while (statuses.at(-1) !== 200 && Date.now() < deadline) {
          const answer = await token()
          statuses.push(answer.status)
          if (answer.status === 200) issued.push(answer.body.access_token as string)
          else await setTimeout(50)
        }
        expect(statuses.at(-1), statuses.join(' ')).toBe(200)
        expect(
          statuses.slice(0, -1).every((status) => status === 503),
          statuses.join(' '),
        ).toBe(true)
        // Nothing was handed out that the store does not hold.
        for (const access of issued) expect(await opened.tokenStore.fetchByToken(hashToken(access))).toBeDefined()
      }, 60_000)
    })
  })
}
