import * as oauth from 'oauth4webapi'
import { afterEach, describe, expect, it } from 'vitest'
import { hashToken } from '../../src/tokens/hash.ts'
import {
  accessTokenLive,
  CONFIDENTIAL_BASIC,
  confidentialClient,
  confidentialTokens,
  expectTokenError,
  noAuth,
  obtainCode,
  postAuth,
  publicClient,
  redeemCode,
  refresh,
  refreshTokenLive,
  refreshTokenOf,
} from '../helpers/oauth-client.ts'
import { CONFIDENTIAL, postToken, PUBLIC_CLIENT, startTestServer, type TestServer, type TestServerOptions } from '../helpers/test-server.ts'

const OTHER = {
  clientId: 'other-confidential',
  clientSecret: 'B'.repeat(20) + 'another-high-entropy-secret-987654321',
  redirectUri: 'https://other.example/callback',
} as const

let servers: TestServer[] = []
async function start(options: TestServerOptions = {}): Promise<TestServer> {
  const server = await startTestServer(options)
  servers.push(server)
  return server
}
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()))
  servers = []
})

/** A raw refresh request by the confidential client (Basic). */
function rawRefresh(server: TestServer, refreshToken: string, extra: Record<string, string> = {}) {
  return postToken(server.url, { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }, { basic: CONFIDENTIAL_BASIC })
}

describe('RFC 6749 6 / RFC 9700 4.14.2 refresh token rotation', () => {
  it('rotates the refresh token on every use: each response carries a new one and a new access token', async () => {
    const server = await start()
    const first = await confidentialTokens(server)
    const r0 = refreshTokenOf(first)
    const second = await refresh(server, r0)
    const r1 = refreshTokenOf(second)
    const third = await refresh(server, r1, confidentialClient, postAuth)
    const r2 = refreshTokenOf(third)
    expect(new Set([r0, r1, r2]).size).toBe(3)
    expect(new Set([first.access_token, second.access_token, third.access_token]).size).toBe(3)
    expect(second.token_type).toBe('bearer')
    expect(second.expires_in).toBe(3600)
    expect(second.scope).toBe('read write')
    expect(await accessTokenLive(server, third.access_token)).toBe(true)
  })

  it('answers the refresh with Cache-Control: no-store and Pragma: no-cache', async () => {
    const server = await start()
    const tokens = await confidentialTokens(server)
    const answer = await rawRefresh(server, refreshTokenOf(tokens))
    expect(answer.status).toBe(200)
    expect(answer.headers.get('cache-control')).toBe('no-store')
    expect(answer.headers.get('pragma')).toBe('no-cache')
    expect(answer.headers.get('content-type')).toMatch(/^application\/json\b/)
  })

  it('refuses a rotated-out refresh token with invalid_grant and revokes the whole family', async () => {
    const server = await start()
    const first = await confidentialTokens(server)
    const r0 = refreshTokenOf(first)
    const second = await refresh(server, r0)
    const r1 = refreshTokenOf(second)
    const third = await refresh(server, r1)
    const r2 = refreshTokenOf(third)
    expect(await refreshTokenLive(server, r2)).toBe(true)
    expect(await accessTokenLive(server, third.access_token)).toBe(true)

    const replay = await rawRefresh(server, r0)
    expectTokenError(replay, 400, 'invalid_grant')

    // Every token of the family is gone, the newest included.
    for (const token of [first.access_token, second.access_token, third.access_token]) {
      expect(await accessTokenLive(server, token)).toBe(false)
    }
    for (const token of [r0, r1, r2]) expect(await refreshTokenLive(server, token)).toBe(false)
    expectTokenError(await rawRefresh(server, r2), 400, 'invalid_grant')
  })

  it('refuses an unknown refresh token with invalid_grant', async () => {
    const server = await start()
    expectTokenError(await rawRefresh(server, 'never-issued-refresh-token'), 400, 'invalid_grant')
  })

  it('refuses a request without refresh_token with invalid_request', async () => {
    const server = await start()
    const answer = await postToken(server.url, { grant_type: 'refresh_token' }, { basic: CONFIDENTIAL_BASIC })
    expectTokenError(answer, 400, 'invalid_request')
  })

  it('refreshes for the public client (auth none) and rotates its token too', async () => {
    const server = await start()
    const issued = await obtainCode(server, {
      clientId: PUBLIC_CLIENT.clientId,
      redirectUri: PUBLIC_CLIENT.redirectUri,
      scope: 'read',
      pkce: true,
    })
    const { tokens } = await redeemCode(server, publicClient, noAuth, issued, PUBLIC_CLIENT.redirectUri)
    const r0 = refreshTokenOf(tokens)
    const next = await refresh(server, r0, publicClient, noAuth)
    expect(refreshTokenOf(next)).not.toBe(r0)
    expect(next.scope).toBe('read')
  })
})

describe('RFC 6749 6 refresh scope may narrow, never widen', () => {
  it('narrows scope=read of a read write grant', async () => {
    const server = await start()
    const tokens = await confidentialTokens(server, 'read write')
    const narrowed = await refresh(server, refreshTokenOf(tokens), confidentialClient, oauth.ClientSecretBasic(CONFIDENTIAL.clientSecret), {
      scope: 'read',
    })
    expect(narrowed.scope).toBe('read')
    const record = await server.tokenStore.fetchByToken(hashToken(narrowed.access_token))
    expect(record?.scopes).toEqual(['read'])
  })

  it('keeps the originally granted scope when scope is omitted, even after a narrowing refresh', async () => {
    const server = await start()
    const tokens = await confidentialTokens(server, 'read write')
    const narrowed = await refresh(server, refreshTokenOf(tokens), confidentialClient, undefined, { scope: 'read' })
    expect(narrowed.scope).toBe('read')
    const omitted = await refresh(server, refreshTokenOf(narrowed))
    expect(omitted.scope).toBe('read write')
  })

  it('refuses a wider scope with invalid_scope', async () => {
    const server = await start()
    const tokens = await confidentialTokens(server, 'read')
    const answer = await rawRefresh(server, refreshTokenOf(tokens), { scope: 'read write' })
    expectTokenError(answer, 400, 'invalid_scope')
  })

  it('refuses to widen back beyond the grant after narrowing, with invalid_scope', async () => {
    const server = await start()
    const tokens = await confidentialTokens(server, 'read write')
    const narrowed = await refresh(server, refreshTokenOf(tokens), confidentialClient, undefined, { scope: 'read' })
    const answer = await rawRefresh(server, refreshTokenOf(narrowed), { scope: 'read write profile' })
    expectTokenError(answer, 400, 'invalid_scope')
  })

  it('refuses a malformed scope (double space) with invalid_scope', async () => {
    const server = await start()
    const tokens = await confidentialTokens(server, 'read write')
    const answer = await rawRefresh(server, refreshTokenOf(tokens), { scope: 'read  write' })
    expectTokenError(answer, 400, 'invalid_scope')
  })
})

describe('RFC 6749 6 / 10.4 a refresh token is bound to its client', () => {
  it('refuses another client with invalid_grant, and the rightful client can still use the token', async () => {
    const server = await start({
      clients: [{ clientId: OTHER.clientId, clientSecret: OTHER.clientSecret, redirectUris: [OTHER.redirectUri] }],
    })
    const tokens = await confidentialTokens(server)
    const r0 = refreshTokenOf(tokens)
    const stolen = await postToken(
      server.url,
      { grant_type: 'refresh_token', refresh_token: r0 },
      { basic: [OTHER.clientId, OTHER.clientSecret] },
    )
    expectTokenError(stolen, 400, 'invalid_grant')
    const publicTry = await postToken(server.url, { grant_type: 'refresh_token', refresh_token: r0, client_id: PUBLIC_CLIENT.clientId })
    expectTokenError(publicTry, 400, 'invalid_grant')
    const next = await refresh(server, r0)
    expect(refreshTokenOf(next)).not.toBe(r0)
  })
})

describe('RFC 9700 4.14.2 refresh grace interval (graceSeconds 30)', () => {
  const withGrace: TestServerOptions = { refresh: { expiresIn: 86400, graceSeconds: 30 } }

  it('gives a retry of the just-rotated token a sibling successor; once one sibling is used, the other no longer works', async () => {
    const server = await start(withGrace)
    const tokens = await confidentialTokens(server)
    const r0 = refreshTokenOf(tokens)
    const lost = await refresh(server, r0)
    const r1 = refreshTokenOf(lost)
    server.clock.advance(10)
    const retry = await rawRefresh(server, r0)
    expect(retry.status).toBe(200)
    expect(retry.headers.get('cache-control')).toBe('no-store')
    const r2 = String(retry.json.refresh_token)
    expect(typeof retry.json.refresh_token).toBe('string')
    expect(r2).not.toBe(r0)
    expect(r2).not.toBe(r1)
    expect(await refreshTokenLive(server, r2)).toBe(true)
    expect(await accessTokenLive(server, lost.access_token)).toBe(true)
    await refresh(server, r2)
    expect(await accessTokenLive(server, lost.access_token)).toBe(false)
    expectTokenError(await rawRefresh(server, r1), 400, 'invalid_grant')
  })

  it("makes the successor handed out on a grace retry the family's current token", async () => {
    const server = await start(withGrace)
    const tokens = await confidentialTokens(server)
    const r0 = refreshTokenOf(tokens)
    const r1 = refreshTokenOf(await refresh(server, r0))
    server.clock.advance(29)
    const retry = await refresh(server, r0)
    const r2 = refreshTokenOf(retry)
    expect(r2).not.toBe(r1)
    const next = await refresh(server, r2)
    expect(refreshTokenOf(next)).not.toBe(r2)
    expect(await accessTokenLive(server, next.access_token)).toBe(true)
    expectTokenError(await rawRefresh(server, r1), 400, 'invalid_grant')
  })

  it('with concurrentRefreshes 2, treats a second retry within grace as reuse: invalid_grant and the family revoked', async () => {
    const server = await start({ refresh: { expiresIn: 86400, graceSeconds: 30, concurrentRefreshes: 2 } })
    const tokens = await confidentialTokens(server)
    const r0 = refreshTokenOf(tokens)
    await refresh(server, r0)
    server.clock.advance(5)
    const retry = await refresh(server, r0)
    const r2 = refreshTokenOf(retry)
    expect(await refreshTokenLive(server, r2)).toBe(true)
    server.clock.advance(5)
    expectTokenError(await rawRefresh(server, r0), 400, 'invalid_grant')
    expect(await refreshTokenLive(server, r2)).toBe(false)
    expect(await accessTokenLive(server, retry.access_token)).toBe(false)
    expectTokenError(await rawRefresh(server, r2), 400, 'invalid_grant')
  })

  it('treats a retry after the grace interval as reuse: invalid_grant and the family revoked', async () => {
    const server = await start(withGrace)
    const tokens = await confidentialTokens(server)
    const r0 = refreshTokenOf(tokens)
    const rotated = await refresh(server, r0)
    const r1 = refreshTokenOf(rotated)
    server.clock.advance(31)
    expectTokenError(await rawRefresh(server, r0), 400, 'invalid_grant')
    expect(await refreshTokenLive(server, r1)).toBe(false)
    expect(await accessTokenLive(server, rotated.access_token)).toBe(false)
    expectTokenError(await rawRefresh(server, r1), 400, 'invalid_grant')
  })

  it('treats a retry after the successor was itself used as reuse, even within grace', async () => {
    const server = await start(withGrace)
    const tokens = await confidentialTokens(server)
    const r0 = refreshTokenOf(tokens)
    const r1 = refreshTokenOf(await refresh(server, r0))
    const latest = await refresh(server, r1)
    const r2 = refreshTokenOf(latest)
    server.clock.advance(1)
    expectTokenError(await rawRefresh(server, r0), 400, 'invalid_grant')
    expect(await refreshTokenLive(server, r2)).toBe(false)
    expect(await accessTokenLive(server, latest.access_token)).toBe(false)
  })

  it('without graceSeconds (default), an immediate retry is already reuse', async () => {
    const server = await start()
    const tokens = await confidentialTokens(server)
    const r0 = refreshTokenOf(tokens)
    const r1 = refreshTokenOf(await refresh(server, r0))
    expectTokenError(await rawRefresh(server, r0), 400, 'invalid_grant')
    expect(await refreshTokenLive(server, r1)).toBe(false)
  })
})

describe('RFC 9700 4.14.2 refresh token family absolute expiry', () => {
  it('does not extend the family lifetime by rotation: the rotated-in token fails after expiresIn', async () => {
    const server = await start({ refresh: { expiresIn: 7200 } })
    const tokens = await confidentialTokens(server)
    server.clock.advance(3600)
    const middle = await refresh(server, refreshTokenOf(tokens))
    server.clock.advance(3599)
    // 7199 s after issue: still inside the family's lifetime.
    const last = await refresh(server, refreshTokenOf(middle))
    server.clock.advance(1)
    // 7200 s after issue: the family has expired, however recently the token was rotated in.
    expectTokenError(await rawRefresh(server, refreshTokenOf(last)), 400, 'invalid_grant')
  })

  it('refuses the original refresh token after expiresIn with invalid_grant', async () => {
    const server = await start({ refresh: { expiresIn: 600 } })
    const tokens = await confidentialTokens(server)
    server.clock.advance(601)
    expectTokenError(await rawRefresh(server, refreshTokenOf(tokens)), 400, 'invalid_grant')
  })
})

describe('RFC 9700 4.14.2 reuse detection over time and under concurrency', () => {
  it('detects reuse of a rotated-out token days later, within the family lifetime', async () => {
    const server = await start({ refresh: { expiresIn: 30 * 86400 } })
    const tokens = await confidentialTokens(server)
    const r0 = refreshTokenOf(tokens)
    server.clock.advance(3600)
    const r1 = refreshTokenOf(await refresh(server, r0))
    // Two days pass; the in-memory store purges what has expired meanwhile.
    server.clock.advance(2 * 86400)
    expectTokenError(await rawRefresh(server, r0), 400, 'invalid_grant')
    expect(await refreshTokenLive(server, r1)).toBe(false)
    expectTokenError(await rawRefresh(server, r1), 400, 'invalid_grant')
  })

  it('lets at most one of five simultaneous refreshes with the same token succeed, and revokes the family', async () => {
    const server = await start()
    const tokens = await confidentialTokens(server)
    const r0 = refreshTokenOf(tokens)
    const answers = await Promise.all(Array.from({ length: 5 }, () => rawRefresh(server, r0)))
    const succeeded = answers.filter((answer) => answer.status === 200)
    expect(succeeded.length).toBeLessThanOrEqual(1)
    for (const answer of answers) if (answer.status !== 200) expectTokenError(answer, 400, 'invalid_grant')
    for (const answer of succeeded) {
      expect(await refreshTokenLive(server, String(answer.json.refresh_token))).toBe(false)
      expect(await accessTokenLive(server, String(answer.json.access_token))).toBe(false)
    }
  })
})
