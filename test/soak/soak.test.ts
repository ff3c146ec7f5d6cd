/**
 * A bounded soak: sustained mixed load (client credentials, password + rotating refresh, revocation,
 * introspection) against a real node:http server, with the clock moving on with every request so tokens
 * expire and get purged. Invariants: no errors, no 5xx, and the in-memory store stays bounded by its purge
 * (the live-token count does not grow with the number issued).
 *
 * By default every worker runs a fixed number of rounds, so the test does the same work on any machine.
 * With SOAK_SECONDS set it runs for that long instead, and then also asserts that load really happened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONFIDENTIAL, startTestServer, USER, type TestServer } from '../helpers/test-server.ts'

const SECONDS = process.env.SOAK_SECONDS === undefined ? undefined : Number(process.env.SOAK_SECONDS)
const CONCURRENCY = 16
/** Rounds per worker when the soak is not timed. */
const ROUNDS = 100
/**
 * How far the clock moves per request: access tokens (120 s) and refresh families (300 s) expire within a
 * few hundred requests, so the purge must keep up.
 */
const SECONDS_PER_REQUEST = 0.5
const BASIC = `Basic ${Buffer.from(`${CONFIDENTIAL.clientId}:${CONFIDENTIAL.clientSecret}`).toString('base64')}`

describe(SECONDS === undefined ? `soak: ${CONCURRENCY} × ${ROUNDS} rounds of mixed load` : `soak: ${SECONDS} s of mixed load`, () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ controller: { accessTokenLifetime: 120 }, refresh: { expiresIn: 300 } })
  })
  afterAll(() => server.close())

  const post = async (path: string, form: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> => {
    server.clock.advance(SECONDS_PER_REQUEST)
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    })
    const text = await response.text()
    return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }
  }

  it(
    'serves thousands of mixed requests without an error and keeps the store bounded',
    async () => {
      const deadline = SECONDS === undefined ? undefined : Date.now() + SECONDS * 1000
      const more = (round: number): boolean => (deadline === undefined ? round < ROUNDS : Date.now() < deadline)
      let issued = 0
      let failures = 0
      let peakLive = 0
      const statuses = new Map<number, number>()
      const record = (status: number): void => {
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
        if (status >= 500) failures++
      }
      const rssStart = process.memoryUsage().rss
      const worker = async (id: number): Promise<void> => {
        let refreshToken: string | undefined
        for (let round = 0; more(round); round++) {
          const cc = await post('/token', { grant_type: 'client_credentials', scope: 'read' })
          record(cc.status)
          if (cc.status !== 200) failures++
          else issued++
          if (refreshToken === undefined || round % 5 === 0) {
            const password = await post('/token', {
              grant_type: 'password',
              username: USER.username,
              password: USER.password,
              scope: 'read write',
            })
            record(password.status)
            if (password.status !== 200) failures++
            refreshToken = password.json.refresh_token as string | undefined
            issued++
          } else {
            const rotated = await post('/token', { grant_type: 'refresh_token', refresh_token: refreshToken })
            record(rotated.status)
            // A family may have expired under the fast clock: that is invalid_grant, not a failure.
            if (rotated.status === 200) {
              refreshToken = rotated.json.refresh_token as string
              issued++
            } else if (rotated.json.error === 'invalid_grant') refreshToken = undefined
            else failures++
          }
          if (round % 7 === id % 7 && typeof cc.json.access_token === 'string') {
            const introspected = await post('/introspect', { token: cc.json.access_token })
            record(introspected.status)
            const revoked = await post('/revoke', { token: cc.json.access_token })
            record(revoked.status)
            if (introspected.status !== 200 || revoked.status !== 200) failures++
          }
          peakLive = Math.max(peakLive, server.tokenStore.size.accessTokens)
        }
      }
      await Promise.all(Array.from({ length: CONCURRENCY }, (_, id) => worker(id)))
      const rssEnd = process.memoryUsage().rss
      const summary = {
        issued,
        failures,
        peakLive,
        live: server.tokenStore.size,
        statuses: Object.fromEntries(statuses),
        rssMiB: [Math.round(rssStart / 2 ** 20), Math.round(rssEnd / 2 ** 20)],
      }
      console.log(`soak: ${JSON.stringify(summary)}`)
      expect(failures).toBe(0)
      // Every round issued at least its client-credentials token; timed, load really happened (throughput
      // itself is the benchmark's business, not a test's).
      if (SECONDS === undefined) expect(issued).toBeGreaterThanOrEqual(CONCURRENCY * ROUNDS)
      else expect(issued).toBeGreaterThan(200)
      // Bounded by the purge: 120 s of tokens (plus the purge's one-minute granularity) is 360 requests'
      // worth at this clock, a small fraction of everything issued.
      expect(peakLive).toBeLessThan(issued / 4)
    },
    ((SECONDS ?? 60) + 30) * 1000,
  )
})
