/**
 * A bounded soak: sustained mixed load (client credentials, password + rotating refresh, revocation,
 * introspection) against a real node:http server for SOAK_SECONDS (default 10; CI keeps it short), with
 * the clock moving fast so tokens expire and get purged. Invariants: no errors, no 5xx, and the in-memory
 * store stays bounded by its purge (the live-token count does not grow with the number issued).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONFIDENTIAL, startTestServer, USER, type TestServer } from '../helpers/test-server.ts'

const SECONDS = Number(process.env.SOAK_SECONDS ?? 10)
const CONCURRENCY = 16
const BASIC = `Basic ${Buffer.from(`${CONFIDENTIAL.clientId}:${CONFIDENTIAL.clientSecret}`).toString('base64')}`

describe(`soak: ${SECONDS} s of mixed load`, () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ controller: { accessTokenLifetime: 120 }, refresh: { expiresIn: 300 } })
  })
  afterAll(() => server.close())

  const post = async (path: string, form: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    })
    const text = await response.text()
    return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }
  }

  it('serves thousands of mixed requests without an error and keeps the store bounded', async () => {
    const deadline = Date.now() + SECONDS * 1000
    let issued = 0
    let failures = 0
    let peakLive = 0
    const statuses = new Map<number, number>()
    const record = (status: number): void => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
      if (status >= 500) failures++
    }
    // The clock runs 300× faster than real time, so access tokens (120 s) and refresh families (300 s)
    // expire during the soak and the purge must keep up.
    const ticker = setInterval(() => server.clock.advance(30), 100)
    const rssStart = process.memoryUsage().rss
    const worker = async (id: number): Promise<void> => {
      let refreshToken: string | undefined
      for (let round = 0; Date.now() < deadline; round++) {
        const cc = await post('/token', { grant_type: 'client_credentials', scope: 'read' })
        record(cc.status)
        if (cc.status !== 200) failures++
        else issued++
        if (refreshToken === undefined || round % 5 === 0) {
          const password = await post('/token', { grant_type: 'password', username: USER.username, password: USER.password, scope: 'read write' })
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
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, (_, id) => worker(id)))
    } finally {
      clearInterval(ticker)
    }
    const rssEnd = process.memoryUsage().rss
    const summary = { issued, failures, peakLive, live: server.tokenStore.size, statuses: Object.fromEntries(statuses), rssMiB: [Math.round(rssStart / 2 ** 20), Math.round(rssEnd / 2 ** 20)] }
    console.log(`soak: ${JSON.stringify(summary)}`)
    expect(failures).toBe(0)
    // Load really happened (throughput itself is the benchmark's business, not a test's).
    expect(issued).toBeGreaterThan(200)
    // Bounded by the purge: 120 s of tokens at the fast clock is under half a real second's worth (plus the
    // purge's one-minute granularity), a small fraction of everything issued.
    expect(peakLive).toBeLessThan(issued / 4)
  }, (SECONDS + 30) * 1000)
})
