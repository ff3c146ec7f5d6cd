/**
 * Graceful shutdown of `oauth2-stack serve` as a subprocess: a burst of 200 token requests (client `abc`,
 * whose short secret is scrypt-hashed, so requests are really in flight) and a chain of refresh
 * rotations run against 127.0.0.1; SIGTERM is sent mid-way. Every request sent before the signal gets a
 * complete answer (200 with tokens, or 503 `temporarily_unavailable` with `Connection: close`), answers
 * in flight at the signal still succeed, the process logs a full drain and exits 0 within the drain
 * bound, and — started again on the same SQLite file — the last refresh token it handed out still works:
 * no family was revoked by the shutdown.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { basic, postForm, startServe, tempDir } from './run-cli.ts'

const SLOW = 90_000
const TOTAL = 200
const WORKERS = 16
const DRAIN_SECONDS = 10
const dir = tempDir()
const store = `sqlite:${join(dir.path, 'shutdown.db')}`
const AUTH = basic('abc', 'xyz')

afterAll(() => dir.remove())

interface Outcome {
  readonly sentBeforeSignal: boolean
  readonly answeredAfterSignal: boolean
  /** Status and parsed body, or the transport error. */
  readonly status?: number
  readonly body?: Record<string, unknown>
  readonly connection?: string | null
  readonly error?: string
}

describe('serve: SIGTERM drains the requests in flight', () => {
  it(
    'answers every request sent before the signal, refuses later ones, exits 0 and revokes no family',
    async () => {
      const server = await startServe(['--store', store, '--port', '0', '--log', 'json', '--drain-timeout', String(DRAIN_SECONDS)])
      const tokenUrl = `${server.issuer}/token`
      const first = await postForm(tokenUrl, { grant_type: 'password', username: 'demo', password: 'demo', scope: 'profile' }, AUTH)
      expect(first.status).toBe(200)
      let refreshToken = String(first.json.refresh_token)

      let signalled = false
      let signalledAt = 0
      let stopped: ReturnType<typeof server.stop> | undefined
      const outcomes: Outcome[] = []
      const send = async (form: Record<string, string>): Promise<Outcome> => {
        const sentBeforeSignal = !signalled
        try {
          const response = await fetch(tokenUrl, {
            method: 'POST',
            headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(form),
            signal: AbortSignal.timeout(30_000),
          })
          const body = (await response.json()) as Record<string, unknown>
          return {
            sentBeforeSignal,
            answeredAfterSignal: signalled,
            status: response.status,
            body,
            connection: response.headers.get('connection'),
          }
        } catch (error) {
          return { sentBeforeSignal, answeredAfterSignal: signalled, error: String(error) }
        }
      }

      let sent = 0
      const burst = async (): Promise<void> => {
        while (sent < TOTAL) {
          sent += 1
          if (sent === TOTAL / 2 && !signalled) {
            signalled = true
            signalledAt = Date.now()
            stopped = server.stop()
          }
          outcomes.push(await send({ grant_type: 'client_credentials', scope: 'profile' }))
        }
      }
      // One client rotating its refresh token over and over, as a shutdown would catch it mid-way.
      const rotations = async (): Promise<void> => {
        while (sent < TOTAL) {
          const outcome = await send({ grant_type: 'refresh_token', refresh_token: refreshToken })
          if (outcome.status === 200) refreshToken = String(outcome.body?.refresh_token)
          else break
        }
      }
      await Promise.all([...Array.from({ length: WORKERS }, burst), rotations()])
      expect(stopped).toBeDefined()
      const result = await (stopped as ReturnType<typeof server.stop>)
      const exitedAfterMs = Date.now() - signalledAt

      const before = outcomes.filter((outcome) => outcome.sentBeforeSignal)
      expect(before.length).toBeGreaterThanOrEqual(TOTAL / 2 - 1)
      for (const outcome of before) {
        // A complete answer: never a cut connection.
        expect(outcome.error).toBeUndefined()
        if (outcome.status === 200) expect(outcome.body?.access_token).toEqual(expect.any(String))
        else {
          expect(outcome.status).toBe(503)
          expect(outcome.body).toMatchObject({ error: 'temporarily_unavailable' })
          expect(outcome.connection).toBe('close')
        }
      }
      // Requests in flight when the signal came were finished, not cut.
      expect(before.filter((outcome) => outcome.answeredAfterSignal && outcome.status === 200).length).toBeGreaterThan(0)
      // Later ones were refused (503) or found the port closed; none hung.
      for (const outcome of outcomes.filter((outcome) => !outcome.sentBeforeSignal)) {
        if (outcome.error === undefined) expect([200, 503]).toContain(outcome.status)
      }

      expect(result.code).toBe(0)
      expect(exitedAfterMs).toBeLessThan(DRAIN_SECONDS * 1000)
      const log = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
      expect(log.find((line) => line.msg === 'stopping')).toMatchObject({ signal: 'SIGTERM', drain_timeout_ms: DRAIN_SECONDS * 1000 })
      expect(log.at(-1)).toMatchObject({ msg: 'stopped', signal: 'SIGTERM' })
      // --log json prints the audit events beside the request lines, joined by request_id.
      const issued = log.find((line) => line.msg === 'event' && line.type === 'token.issued' && line.grant_type === 'client_credentials')
      expect(issued).toMatchObject({
        level: 'info',
        client_id: 'abc',
        address: '127.0.0.1',
        scopes: ['profile'],
        with_refresh_token: false,
      })
      // toContainEqual prints what the log holds when a line is missing.
      expect(log).toContainEqual(expect.objectContaining({ msg: 'request', request_id: issued?.request_id, status: 200 }))
      expect(log).toContainEqual(expect.objectContaining({ msg: 'event', type: 'token.refreshed', user_id: 'demo' }))

      // Started again on the same file: the last refresh token handed out still works.
      const again = await startServe(['--store', store, '--port', '0', '--log', 'json'])
      try {
        const refreshed = await postForm(`${again.issuer}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken }, AUTH)
        expect(refreshed.status).toBe(200)
        expect(refreshed.json.refresh_token).toEqual(expect.any(String))
      } finally {
        expect((await again.stop()).code).toBe(0)
      }
    },
    SLOW,
  )
})
