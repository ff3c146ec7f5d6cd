import { afterEach, describe, expect, it } from 'vitest'
import {
  accessTokenLive,
  basicAuth,
  CONFIDENTIAL_BASIC,
  confidentialClient,
  confidentialCode,
  expectTokenError,
  redeemCode,
  refreshTokenLive,
  refreshTokenOf,
} from '../helpers/oauth-client.ts'
import { CONFIDENTIAL, postToken, startTestServer, type TestServer, type TestServerOptions } from '../helpers/test-server.ts'

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

function clientCredentials(server: TestServer, scope = 'read') {
  return postToken(server.url, { grant_type: 'client_credentials', scope }, { basic: CONFIDENTIAL_BASIC })
}

describe('uniqueToken option: an existing access token is handed out again', () => {
  it('returns the same access_token to two client_credentials requests, with the remaining lifetime', async () => {
    const server = await start({ controller: { uniqueToken: true } })
    const first = await clientCredentials(server)
    expect(first.status).toBe(200)
    expect(first.json.expires_in).toBe(3600)
    server.clock.advance(100)
    const second = await clientCredentials(server)
    expect(second.status).toBe(200)
    expect(second.json.access_token).toBe(first.json.access_token)
    expect(second.json.expires_in).toBe(3500)
    expect(second.headers.get('cache-control')).toBe('no-store')
  })

  it('mints a new token for another scope', async () => {
    const server = await start({ controller: { uniqueToken: true } })
    const read = await clientCredentials(server, 'read')
    const write = await clientCredentials(server, 'write')
    expect(write.json.access_token).not.toBe(read.json.access_token)
    expect(write.json.scope).toBe('write')
  })

  it('still hands the token out with exactly 60 s left, and mints a new one with less than 60 s left', async () => {
    const server = await start({ controller: { uniqueToken: true } })
    const first = await clientCredentials(server)
    server.clock.advance(3540)
    const at60 = await clientCredentials(server)
    expect(at60.json.access_token).toBe(first.json.access_token)
    server.clock.advance(1)
    const at59 = await clientCredentials(server)
    expect(at59.status).toBe(200)
    expect(at59.json.access_token).not.toBe(first.json.access_token)
    expect(at59.json.expires_in).toBe(3600)
    // And the new one is handed out from then on.
    const again = await clientCredentials(server)
    expect(again.json.access_token).toBe(at59.json.access_token)
  })

  it('mints a new token on every request without the option', async () => {
    const server = await start()
    const first = await clientCredentials(server)
    const second = await clientCredentials(server)
    expect(second.json.access_token).not.toBe(first.json.access_token)
  })

  it('RFC 6749 4.1.2: tokens from a code are never handed out again, so a replayed code revokes exactly its own', async () => {
    const server = await start({ controller: { uniqueToken: true } })
    const firstCode = await confidentialCode(server)
    const first = await redeemCode(server, confidentialClient, basicAuth, firstCode, CONFIDENTIAL.redirectUri)
    const secondCode = await confidentialCode(server)
    const second = await redeemCode(server, confidentialClient, basicAuth, secondCode, CONFIDENTIAL.redirectUri)
    // The option does not apply to codes: each code's tokens are its own family.
    expect(second.tokens.access_token).not.toBe(first.tokens.access_token)

    const replay = await postToken(
      server.url,
      {
        grant_type: 'authorization_code',
        code: secondCode.code,
        redirect_uri: CONFIDENTIAL.redirectUri,
        code_verifier: secondCode.codeVerifier ?? '',
      },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(replay, 400, 'invalid_grant')
    // The tokens the second code's redemption returned must no longer work.
    expect(await accessTokenLive(server, second.tokens.access_token)).toBe(false)
    expect(await refreshTokenLive(server, refreshTokenOf(second.tokens))).toBe(false)
    // The first code's tokens are untouched.
    expect(await accessTokenLive(server, first.tokens.access_token)).toBe(true)
  })
})
