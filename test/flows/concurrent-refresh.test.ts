/**
 * Concurrent refresh (issue 14) through real HTTP with oauth4webapi: with `graceSeconds`, ten refreshes of
 * one token sent at once all succeed with sibling successors; the first sibling used wins, and any later
 * use of another sibling, or of the original, is reuse that revokes the family (RFC 9700 section 4.14.2).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { RefreshToken } from '../../src/grants/index.ts'
import {
  accessTokenLive,
  confidentialTokens,
  expectTokenError,
  refresh,
  refreshTokenLive,
  refreshTokenOf,
} from '../helpers/oauth-client.ts'
import { CONFIDENTIAL_BASIC } from '../helpers/oauth-client.ts'
import { postToken, startTestServer, type TestServer, type TestServerOptions } from '../helpers/test-server.ts'

let servers: TestServer[] = []
async function start(options: TestServerOptions): Promise<TestServer> {
  const server = await startTestServer(options)
  servers.push(server)
  return server
}
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()))
  servers = []
})

function rawRefresh(server: TestServer, refreshToken: string) {
  return postToken(server.url, { grant_type: 'refresh_token', refresh_token: refreshToken }, { basic: CONFIDENTIAL_BASIC })
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

describe('concurrent refresh: RefreshToken({ graceSeconds }) with sibling successors', () => {
  const concurrent: TestServerOptions = { refresh: { expiresIn: 86400, graceSeconds: 30 } }

  it('answers ten concurrent refreshes of one token, each with its own tokens; the first sibling used wins, reuse of another revokes the family', async () => {
    const server = await start(concurrent)
    const r0 = refreshTokenOf(await confidentialTokens(server))
    const answers = await Promise.all(range(10).map(() => refresh(server, r0)))
    const siblings = answers.map(refreshTokenOf)
    expect(new Set(siblings).size).toBe(10)
    expect(new Set(answers.map((answer) => answer.access_token)).size).toBe(10)
    for (const answer of answers) expect(await accessTokenLive(server, answer.access_token)).toBe(true)

    server.clock.advance(60)
    const [first, second] = siblings as [string, string, ...string[]]
    const next = await refresh(server, second)
    expect(await accessTokenLive(server, next.access_token)).toBe(true)
    // The other siblings lost: their access tokens are gone, and using one is reuse.
    expect(await accessTokenLive(server, answers[0]!.access_token)).toBe(false)
    expectTokenError(await rawRefresh(server, first), 400, 'invalid_grant')
    expect(await accessTokenLive(server, next.access_token)).toBe(false)
    expect(await refreshTokenLive(server, refreshTokenOf(next))).toBe(false)
    expectTokenError(await rawRefresh(server, refreshTokenOf(next)), 400, 'invalid_grant')
  })

  it('treats an eleventh presentation of the original (beyond concurrentRefreshes 10) as reuse', async () => {
    const server = await start(concurrent)
    const r0 = refreshTokenOf(await confidentialTokens(server))
    const answers = await Promise.all(range(10).map(() => refresh(server, r0)))
    expectTokenError(await rawRefresh(server, r0), 400, 'invalid_grant')
    for (const answer of answers) expect(await refreshTokenLive(server, refreshTokenOf(answer))).toBe(false)
  })

  it('honours a smaller cap: of five concurrent refreshes with concurrentRefreshes 3, at most three succeed and the family ends revoked', async () => {
    const server = await start({ refresh: { expiresIn: 86400, graceSeconds: 30, concurrentRefreshes: 3 } })
    const r0 = refreshTokenOf(await confidentialTokens(server))
    const answers = await Promise.all(range(5).map(() => rawRefresh(server, r0)))
    const ok = answers.filter((answer) => answer.status === 200)
    expect(ok.length).toBeLessThanOrEqual(3)
    for (const answer of answers.filter((a) => a.status !== 200)) expectTokenError(answer, 400, 'invalid_grant')
    for (const answer of ok) expect(await refreshTokenLive(server, String(answer.json?.refresh_token))).toBe(false)
  })

  it('keeps the family’s absolute expiry: a sibling expires when the original grant does', async () => {
    const server = await start({ refresh: { expiresIn: 3600, graceSeconds: 30 } })
    const r0 = refreshTokenOf(await confidentialTokens(server))
    server.clock.advance(1000)
    const siblings = (await Promise.all(range(3).map(() => refresh(server, r0)))).map(refreshTokenOf)
    server.clock.advance(2599)
    expect(await refreshTokenLive(server, siblings[2]!)).toBe(true)
    server.clock.advance(1)
    expect(await refreshTokenLive(server, siblings[2]!)).toBe(false)
    expectTokenError(await rawRefresh(server, siblings[1]!), 400, 'invalid_grant')
  })

  it('refuses concurrentRefreshes outside 1..100 at construction', async () => {
    await expect(start({ refresh: { expiresIn: 60, graceSeconds: 30, concurrentRefreshes: 0 } })).rejects.toThrow(/concurrentRefreshes/)
    await expect(start({ refresh: { expiresIn: 60, graceSeconds: 30, concurrentRefreshes: 101 } })).rejects.toThrow(/concurrentRefreshes/)
  })

  it('caps graceSeconds at 300 (a window of minutes at most), refusing more at construction', () => {
    for (const graceSeconds of [301, 3600, -1, 1.5]) {
      expect(() => new RefreshToken({ expiresIn: 60, graceSeconds }), String(graceSeconds)).toThrow(/graceSeconds/)
    }
    expect(() => new RefreshToken({ expiresIn: 60, graceSeconds: 300 })).not.toThrow()
  })
})
