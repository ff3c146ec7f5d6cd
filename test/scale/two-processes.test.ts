/**
 * Scale-out: two server processes sharing one PostgreSQL or Redis behave as one server — a code issued by
 * one is redeemed at the other, a code raced at both is redeemed once, refresh rotation and reuse detection
 * hold across them, and the device flow (RFC 8628) is asked for at one, approved and redeemed at the other.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVICE_CODE_GRANT_TYPE } from '../../src/grants/index.ts'
import { openStore } from '../../src/stores/from-url.ts'
import { POSTGRES_URL, probeService, whenReachable } from '../contract/services.ts'
import { stopChild, waitForOutput } from '../helpers/child-output.ts'
import { enterCode, formOf, openLoginPage, submitForm } from '../helpers/browser.ts'
import { authorizeInBrowser } from '../helpers/test-server.ts'

const root = new URL('../../', import.meta.url)
const SECRET = 'scale-out-secret-0123456789-abcdefghijklmnopqrstu'
const REDIRECT = 'https://client.example/callback'
const BASIC = `Basic ${Buffer.from(`scale-client:${SECRET}`).toString('base64')}`

const backends = [
  { name: 'PostgreSQL', service: await probeService('PostgreSQL', POSTGRES_URL, 5432), url: POSTGRES_URL },
  { name: 'Redis', service: await probeService('Redis', 'redis://127.0.0.1:6379', 6379), url: 'redis://127.0.0.1:6379' },
]

async function start(url: string, prefix: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--conditions=oauth2-stack:source', '--import', 'tsx', 'test/scale/server.ts', url, prefix], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const port = Number((await waitForOutput(child, /READY (\d+)/))[1])
  return { child, base: `http://127.0.0.1:${port}` }
}

for (const backend of backends) {
  whenReachable(backend.service, () => {
    describe(`two processes sharing ${backend.name}`, () => {
      const prefix = backend.name === 'Redis' ? `scale:${process.pid}:` : `scale_${process.pid}_`
      let a: { child: ChildProcess; base: string }
      let b: { child: ChildProcess; base: string }
      let cleanup: () => Promise<void>
      beforeAll(async () => {
        const opened = await openStore(backend.url, { tablePrefix: prefix, keyPrefix: prefix, migrate: true })
        await opened.clientStore.addClient({ clientId: 'scale-client', clientSecret: SECRET, redirectUris: [REDIRECT] })
        await opened.clientStore.addClient({
          clientId: 'scale-device',
          redirectUris: [],
          grantTypes: [DEVICE_CODE_GRANT_TYPE, 'refresh_token'],
        })
        ;[a, b] = await Promise.all([start(backend.url, prefix), start(backend.url, prefix)])
        cleanup = async () => {
          if (backend.name === 'Redis') {
            const { Redis } = await import('ioredis')
            const redis = new Redis(backend.url)
            const keys = await redis.keys(`${prefix}*`)
            if (keys.length > 0) await redis.del(...keys)
            redis.disconnect()
          } else {
            const { default: pg } = await import('pg')
            const pool = new pg.Pool({ connectionString: backend.url })
            const tables = await pool.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE tablename LIKE '${prefix}%'`)
            for (const { tablename } of tables.rows) await pool.query(`DROP TABLE IF EXISTS "${tablename}" CASCADE`)
            await pool.end()
          }
          await opened.close()
        }
      }, 60_000)
      afterAll(async () => {
        // Both children have exited (their stores closed) before the tables and keys go.
        await Promise.all([stopChild(a?.child), stopChild(b?.child)])
        await cleanup?.()
      })

      const code = async (at: string): Promise<string> => {
        const url = `${at}/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'scale-client', redirect_uri: REDIRECT, state: 's' }).toString()}`
        const result = await authorizeInBrowser(url, { action: 'approve', username: 'alice', password: 'wonderland' })
        return result.params?.get('code') ?? ''
      }
      const token = async (at: string, form: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> => {
        const response = await fetch(`${at}/token`, {
          method: 'POST',
          headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form),
        })
        return { status: response.status, json: (await response.json()) as Record<string, unknown> }
      }

      it('a code issued by one process is redeemed at the other, once', async () => {
        const issued = await code(a.base)
        const redeemed = await token(b.base, { grant_type: 'authorization_code', code: issued, redirect_uri: REDIRECT })
        expect(redeemed.status).toBe(200)
        const again = await token(a.base, { grant_type: 'authorization_code', code: issued, redirect_uri: REDIRECT })
        expect(again.json.error).toBe('invalid_grant')
      })

      it('a code raced at both processes (50 requests) is consumed once, and nothing handed out stays valid', async () => {
        const issued = await code(b.base)
        const answers = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            token(i % 2 === 0 ? a.base : b.base, { grant_type: 'authorization_code', code: issued, redirect_uri: REDIRECT }),
          ),
        )
        const summary = JSON.stringify(answers.map((answer) => [answer.status, answer.json.error]))
        const winners = answers.filter((answer) => answer.status === 200)
        // The store lets exactly one redemption consume the code; the other 49 are reuse, which RFC 6749
        // section 4.1.2 answers with invalid_grant and the revocation of the code's tokens — so the one
        // token handed out (if the winner saved it before the revocation) must be dead afterwards.
        expect(winners.length, summary).toBeLessThanOrEqual(1)
        expect(
          answers.filter((answer) => answer.status !== 200).every((answer) => answer.json.error === 'invalid_grant'),
          summary,
        ).toBe(true)
        for (const winner of winners) {
          for (const at of [a.base, b.base]) {
            const response = await fetch(`${at}/introspect`, {
              method: 'POST',
              headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ token: winner.json.access_token as string }),
            })
            expect(await response.json()).toEqual({ active: false })
          }
        }
      })

      it('a code redeemed once at one process is refused at the other, which revokes its tokens everywhere', async () => {
        const issued = await code(a.base)
        const first = await token(a.base, { grant_type: 'authorization_code', code: issued, redirect_uri: REDIRECT })
        expect(first.status).toBe(200)
        const replay = await token(b.base, { grant_type: 'authorization_code', code: issued, redirect_uri: REDIRECT })
        expect(replay.json.error).toBe('invalid_grant')
        const refreshed = await token(a.base, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token as string })
        expect(refreshed.json.error).toBe('invalid_grant')
      })

      it('refresh rotation and reuse detection hold across processes', async () => {
        const first = await token(a.base, { grant_type: 'authorization_code', code: await code(a.base), redirect_uri: REDIRECT })
        const rotated = await token(b.base, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token as string })
        expect(rotated.status).toBe(200)
        const reuse = await token(a.base, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token as string })
        expect(reuse.json.error).toBe('invalid_grant')
        // The family is revoked everywhere: the newest refresh token fails at the other process too.
        const newest = await token(b.base, { grant_type: 'refresh_token', refresh_token: rotated.json.refresh_token as string })
        expect(newest.json.error).toBe('invalid_grant')
      })

      it('the device flow spans both processes: asked for at one, approved and redeemed at the other, once', async () => {
        const form = { 'content-type': 'application/x-www-form-urlencoded' }
        const started = await fetch(`${a.base}/device_authorization`, {
          method: 'POST',
          headers: form,
          body: new URLSearchParams({ client_id: 'scale-device', scope: 'read' }),
        })
        expect(started.status).toBe(200)
        const device = (await started.json()) as { device_code: string; user_code: string }
        // The person types the code at the other process, which finds it in the shared store.
        const entry = await openLoginPage(`${b.base}/device`)
        const consent = await enterCode(entry, device.user_code)
        expect(consent.status, consent.body.slice(0, 300)).toBe(200)
        const done = await submitForm(formOf(consent, entry), { action: 'approve', username: 'alice', password: 'wonderland' })
        expect(done.status).toBe(200)
        const poll = async (at: string): Promise<{ status: number; json: Record<string, unknown> }> => {
          const response = await fetch(`${at}/token`, {
            method: 'POST',
            headers: form,
            body: new URLSearchParams({ grant_type: DEVICE_CODE_GRANT_TYPE, device_code: device.device_code, client_id: 'scale-device' }),
          })
          return { status: response.status, json: (await response.json()) as Record<string, unknown> }
        }
        const [first, second] = await Promise.all([poll(a.base), poll(b.base)])
        const answers = JSON.stringify([first, second])
        expect(
          [first, second].filter((answer) => answer.status === 200),
          answers,
        ).toHaveLength(1)
        expect([first, second].find((answer) => answer.status !== 200)?.json.error, answers).toMatch(/^(invalid_grant|slow_down)$/)
      })
    })
  })
}
