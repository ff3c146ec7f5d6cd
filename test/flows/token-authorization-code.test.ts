import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  accessTokenLive,
  authorizationServer,
  basicAuth,
  CONFIDENTIAL_BASIC,
  confidentialClient,
  confidentialCode,
  expectTokenError,
  insecure,
  noAuth,
  obtainCode,
  postAuth,
  publicClient,
  redeemCode,
  refreshTokenLive,
  refreshTokenOf,
} from '../helpers/oauth-client.ts'
import { CONFIDENTIAL, postToken, PUBLIC_CLIENT, startTestServer, type TestServer } from '../helpers/test-server.ts'

const OTHER = {
  clientId: 'other-confidential',
  clientSecret: 'B'.repeat(20) + 'another-high-entropy-secret-987654321',
  redirectUri: 'https://other.example/callback',
} as const

const MULTI = {
  clientId: 'multi-redirect',
  clientSecret: 'C'.repeat(20) + 'multi-redirect-high-entropy-secret-0000',
  redirectUris: ['https://multi.example/a', 'https://multi.example/b'],
} as const

describe('RFC 6749 4.1.3 / RFC 7636 4.5 code redemption with PKCE S256 (oauth4webapi)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  it('redeems a code of the confidential client authenticated with client_secret_basic', async () => {
    const issued = await confidentialCode(server)
    const { status, headers, tokens } = await redeemCode(server, confidentialClient, basicAuth, issued, CONFIDENTIAL.redirectUri)
    expect(status).toBe(200)
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.access_token.length).toBeGreaterThanOrEqual(43)
    expect(tokens.expires_in).toBe(3600)
    expect(tokens.scope).toBe('read write')
    expect(typeof tokens.refresh_token).toBe('string')
    expect(tokens.refresh_token).not.toBe(tokens.access_token)
    // RFC 6749 5.1: responses carrying tokens must not be cached.
    expect(headers.get('cache-control')).toBe('no-store')
    expect(headers.get('pragma')).toBe('no-cache')
    expect(headers.get('content-type')).toMatch(/^application\/json\b/)
    expect(await accessTokenLive(server, tokens.access_token)).toBe(true)
  })

  it('redeems a code of the confidential client authenticated with client_secret_post', async () => {
    const issued = await confidentialCode(server, 'profile')
    const { status, headers, tokens } = await redeemCode(server, confidentialClient, postAuth, issued, CONFIDENTIAL.redirectUri)
    expect(status).toBe(200)
    expect(tokens.scope).toBe('profile')
    expect(typeof tokens.refresh_token).toBe('string')
    expect(headers.get('cache-control')).toBe('no-store')
    expect(headers.get('pragma')).toBe('no-cache')
  })

  it('grants the default scope when the authorization request had none, and says so in the response', async () => {
    const issued = await obtainCode(server, { clientId: CONFIDENTIAL.clientId, redirectUri: CONFIDENTIAL.redirectUri, pkce: true })
    const { tokens } = await redeemCode(server, confidentialClient, basicAuth, issued, CONFIDENTIAL.redirectUri)
    expect(tokens.scope).toBe('read')
  })

  it('redeems a code of the public client (auth none) with its PKCE verifier', async () => {
    const issued = await obtainCode(server, {
      clientId: PUBLIC_CLIENT.clientId,
      redirectUri: PUBLIC_CLIENT.redirectUri,
      scope: 'read',
      pkce: true,
    })
    const { status, headers, tokens } = await redeemCode(server, publicClient, noAuth, issued, PUBLIC_CLIENT.redirectUri)
    expect(status).toBe(200)
    expect(tokens.scope).toBe('read')
    expect(typeof tokens.access_token).toBe('string')
    expect(headers.get('cache-control')).toBe('no-store')
    expect(headers.get('pragma')).toBe('no-cache')
  })

  it('redeems a code whose authorization request omitted redirect_uri (single registered URI)', async () => {
    const issued = await obtainCode(server, { clientId: CONFIDENTIAL.clientId, redirectUri: undefined, pkce: true })
    const { tokens } = await redeemCode(server, confidentialClient, basicAuth, issued, CONFIDENTIAL.redirectUri)
    expect(typeof tokens.access_token).toBe('string')
  })

  it('redeems a code of a confidential client without PKCE (PKCE optional for confidential clients by default)', async () => {
    const issued = await obtainCode(server, { clientId: CONFIDENTIAL.clientId, redirectUri: CONFIDENTIAL.redirectUri, pkce: false })
    expect(issued.codeVerifier).toBeUndefined()
    const { tokens } = await redeemCode(server, confidentialClient, basicAuth, issued, CONFIDENTIAL.redirectUri)
    expect(typeof tokens.access_token).toBe('string')
  })
})

describe('RFC 7636 4.4.1 / RFC 9700 2.1.1 PKCE is mandatory for public clients', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  it('refuses the public client a code without code_challenge (no code is issued)', async () => {
    const url = new URL(`${server.url}/authorize`)
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: PUBLIC_CLIENT.clientId,
      redirect_uri: PUBLIC_CLIENT.redirectUri,
      state: 'st',
    }).toString()
    const response = await fetch(url, { redirect: 'manual' })
    expect(response.status).toBe(302)
    const location = new URL(response.headers.get('location') ?? 'about:blank')
    expect(`${location.origin}${location.pathname}`).toBe(PUBLIC_CLIENT.redirectUri)
    expect(location.searchParams.get('error')).toBe('invalid_request')
    expect(location.searchParams.get('code')).toBeNull()
  })

  it('refuses a public client redeeming without code_verifier with invalid_grant', async () => {
    const issued = await obtainCode(server, { clientId: PUBLIC_CLIENT.clientId, redirectUri: PUBLIC_CLIENT.redirectUri, pkce: true })
    const answer = await postToken(server.url, {
      grant_type: 'authorization_code',
      code: issued.code,
      redirect_uri: PUBLIC_CLIENT.redirectUri,
      client_id: PUBLIC_CLIENT.clientId,
    })
    expectTokenError(answer, 400, 'invalid_grant')
  })
})

describe('RFC 6749 4.1.2 / 10.5 a code is single-use', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  it('refuses a second redemption with invalid_grant and revokes the tokens issued from the code', async () => {
    const issued = await confidentialCode(server)
    const { tokens } = await redeemCode(server, confidentialClient, basicAuth, issued, CONFIDENTIAL.redirectUri)
    const refreshToken = refreshTokenOf(tokens)
    expect(await accessTokenLive(server, tokens.access_token)).toBe(true)
    expect(await refreshTokenLive(server, refreshToken)).toBe(true)

    const second = await postToken(
      server.url,
      {
        grant_type: 'authorization_code',
        code: issued.code,
        redirect_uri: CONFIDENTIAL.redirectUri,
        code_verifier: issued.codeVerifier ?? '',
      },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(second, 400, 'invalid_grant')
    expect(second.json.access_token).toBeUndefined()

    expect(await accessTokenLive(server, tokens.access_token)).toBe(false)
    expect(await refreshTokenLive(server, refreshToken)).toBe(false)
    const refreshed = await postToken(
      server.url,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(refreshed, 400, 'invalid_grant')
  })

  it('also revokes tokens already rotated from the code when the code is replayed', async () => {
    const issued = await confidentialCode(server)
    const { tokens } = await redeemCode(server, confidentialClient, basicAuth, issued, CONFIDENTIAL.redirectUri)
    const as = authorizationServer(server)
    const rotated = await oauth.processRefreshTokenResponse(
      as,
      confidentialClient,
      await oauth.refreshTokenGrantRequest(as, confidentialClient, basicAuth, refreshTokenOf(tokens), insecure),
    )
    expect(await accessTokenLive(server, rotated.access_token)).toBe(true)
    const second = await postToken(
      server.url,
      {
        grant_type: 'authorization_code',
        code: issued.code,
        redirect_uri: CONFIDENTIAL.redirectUri,
        code_verifier: issued.codeVerifier ?? '',
      },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(second, 400, 'invalid_grant')
    expect(await accessTokenLive(server, rotated.access_token)).toBe(false)
    expect(await refreshTokenLive(server, refreshTokenOf(rotated))).toBe(false)
  })

  it('refuses an unknown code with invalid_grant', async () => {
    const answer = await postToken(
      server.url,
      { grant_type: 'authorization_code', code: 'not-a-code-this-server-issued', redirect_uri: CONFIDENTIAL.redirectUri },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(answer, 400, 'invalid_grant')
  })

  it('refuses a request without code with invalid_request', async () => {
    const answer = await postToken(
      server.url,
      { grant_type: 'authorization_code', redirect_uri: CONFIDENTIAL.redirectUri },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(answer, 400, 'invalid_request')
  })
})

describe('RFC 6749 4.1.3 a code is bound to its client', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({
      clients: [{ clientId: OTHER.clientId, clientSecret: OTHER.clientSecret, redirectUris: [OTHER.redirectUri] }],
    })
  })
  afterAll(() => server.close())

  it('refuses another confidential client with invalid_grant, and the rightful client can still redeem it', async () => {
    const issued = await confidentialCode(server)
    const stolen = await postToken(
      server.url,
      {
        grant_type: 'authorization_code',
        code: issued.code,
        redirect_uri: CONFIDENTIAL.redirectUri,
        code_verifier: issued.codeVerifier ?? '',
      },
      { basic: [OTHER.clientId, OTHER.clientSecret] },
    )
    expectTokenError(stolen, 400, 'invalid_grant')
    const { status, tokens } = await redeemCode(server, confidentialClient, basicAuth, issued, CONFIDENTIAL.redirectUri)
    expect(status).toBe(200)
    expect(typeof tokens.access_token).toBe('string')
  })

  it("refuses the public client redeeming the confidential client's code with invalid_grant", async () => {
    const issued = await confidentialCode(server)
    const stolen = await postToken(server.url, {
      grant_type: 'authorization_code',
      code: issued.code,
      redirect_uri: CONFIDENTIAL.redirectUri,
      code_verifier: issued.codeVerifier ?? '',
      client_id: PUBLIC_CLIENT.clientId,
    })
    expectTokenError(stolen, 400, 'invalid_grant')
    const { status } = await redeemCode(server, confidentialClient, basicAuth, issued, CONFIDENTIAL.redirectUri)
    expect(status).toBe(200)
  })
})

describe('RFC 6749 4.1.3 a code is bound to its redirect_uri', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({
      clients: [{ clientId: MULTI.clientId, clientSecret: MULTI.clientSecret, redirectUris: MULTI.redirectUris }],
    })
  })
  afterAll(() => server.close())
  const multiBasic: [string, string] = [MULTI.clientId, MULTI.clientSecret]

  it('refuses a different redirect_uri with invalid_grant, even one registered for the client', async () => {
    const issued = await obtainCode(server, { clientId: MULTI.clientId, redirectUri: MULTI.redirectUris[0], pkce: true })
    const answer = await postToken(
      server.url,
      {
        grant_type: 'authorization_code',
        code: issued.code,
        redirect_uri: MULTI.redirectUris[1],
        code_verifier: issued.codeVerifier ?? '',
      },
      { basic: multiBasic },
    )
    expectTokenError(answer, 400, 'invalid_grant')
  })

  it('refuses a redirect_uri that differs only by a trailing slash with invalid_grant', async () => {
    const issued = await confidentialCode(server)
    const answer = await postToken(
      server.url,
      {
        grant_type: 'authorization_code',
        code: issued.code,
        redirect_uri: `${CONFIDENTIAL.redirectUri}/`,
        code_verifier: issued.codeVerifier ?? '',
      },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(answer, 400, 'invalid_grant')
  })

  it('refuses a token request without redirect_uri when the authorization request had one, with invalid_grant', async () => {
    const issued = await confidentialCode(server)
    const answer = await postToken(
      server.url,
      { grant_type: 'authorization_code', code: issued.code, code_verifier: issued.codeVerifier ?? '' },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(answer, 400, 'invalid_grant')
  })

  it('accepts the identical redirect_uri for the second registered URI', async () => {
    const issued = await obtainCode(server, { clientId: MULTI.clientId, redirectUri: MULTI.redirectUris[1], pkce: true })
    const { status } = await redeemCode(
      server,
      { client_id: MULTI.clientId },
      oauth.ClientSecretBasic(MULTI.clientSecret),
      issued,
      MULTI.redirectUris[1],
    )
    expect(status).toBe(200)
  })
})

describe('RFC 7636 4.6 / RFC 9700 2.1.1 a code is bound to its PKCE challenge', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  it('refuses a wrong code_verifier with invalid_grant', async () => {
    const issued = await confidentialCode(server)
    const wrong = oauth.generateRandomCodeVerifier()
    expect(wrong).not.toBe(issued.codeVerifier)
    const answer = await postToken(
      server.url,
      { grant_type: 'authorization_code', code: issued.code, redirect_uri: CONFIDENTIAL.redirectUri, code_verifier: wrong },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(answer, 400, 'invalid_grant')
  })

  it('refuses a code_verifier for a code issued without code_challenge with invalid_grant (PKCE downgrade)', async () => {
    const issued = await obtainCode(server, { clientId: CONFIDENTIAL.clientId, redirectUri: CONFIDENTIAL.redirectUri, pkce: false })
    const answer = await postToken(
      server.url,
      {
        grant_type: 'authorization_code',
        code: issued.code,
        redirect_uri: CONFIDENTIAL.redirectUri,
        code_verifier: oauth.generateRandomCodeVerifier(),
      },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(answer, 400, 'invalid_grant')
  })

  it('refuses a missing code_verifier when a code_challenge was sent, with invalid_grant', async () => {
    const issued = await confidentialCode(server)
    const answer = await postToken(
      server.url,
      { grant_type: 'authorization_code', code: issued.code, redirect_uri: CONFIDENTIAL.redirectUri },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(answer, 400, 'invalid_grant')
  })

  it('refuses the challenge itself sent as verifier (S256 is not plain) with invalid_grant', async () => {
    const issued = await confidentialCode(server)
    // Whoever saw the authorization request knows the challenge; it must not work as the verifier.
    const challenge = await oauth.calculatePKCECodeChallenge(issued.codeVerifier ?? '')
    const answer = await postToken(
      server.url,
      { grant_type: 'authorization_code', code: issued.code, redirect_uri: CONFIDENTIAL.redirectUri, code_verifier: challenge },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(answer, 400, 'invalid_grant')
  })
})

describe('RFC 6749 4.1.2 / 10.5 a code expires', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  it('still redeems a code 59 s after it was issued (authorizationCodeLifetime 60 s)', async () => {
    const issued = await confidentialCode(server)
    server.clock.advance(59)
    const { status } = await redeemCode(server, confidentialClient, basicAuth, issued, CONFIDENTIAL.redirectUri)
    expect(status).toBe(200)
  })

  it('refuses a code past authorizationCodeLifetime with invalid_grant', async () => {
    const issued = await confidentialCode(server)
    server.clock.advance(61)
    const answer = await postToken(
      server.url,
      {
        grant_type: 'authorization_code',
        code: issued.code,
        redirect_uri: CONFIDENTIAL.redirectUri,
        code_verifier: issued.codeVerifier ?? '',
      },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(answer, 400, 'invalid_grant')
  })

  it('refuses a code past a custom authorizationCodeLifetime with invalid_grant', async () => {
    const short = await startTestServer({ controller: { authorizationCodeLifetime: 10 } })
    try {
      const issued = await confidentialCode(short)
      short.clock.advance(11)
      const answer = await postToken(
        short.url,
        {
          grant_type: 'authorization_code',
          code: issued.code,
          redirect_uri: CONFIDENTIAL.redirectUri,
          code_verifier: issued.codeVerifier ?? '',
        },
        { basic: CONFIDENTIAL_BASIC },
      )
      expectTokenError(answer, 400, 'invalid_grant')
    } finally {
      await short.close()
    }
  })
})

describe('RFC 6749 4.1.2 single use under concurrent redemption', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  it('lets at most one of five simultaneous redemptions succeed, and no token handed out stays valid', async () => {
    const issued = await confidentialCode(server)
    const form = {
      grant_type: 'authorization_code',
      code: issued.code,
      redirect_uri: CONFIDENTIAL.redirectUri,
      code_verifier: issued.codeVerifier ?? '',
    }
    const answers = await Promise.all(Array.from({ length: 5 }, () => postToken(server.url, form, { basic: CONFIDENTIAL_BASIC })))
    const succeeded = answers.filter((answer) => answer.status === 200)
    expect(succeeded.length).toBeLessThanOrEqual(1)
    for (const answer of answers) if (answer.status !== 200) expectTokenError(answer, 400, 'invalid_grant')
    // The code was used more than once: whatever was issued from it is revoked.
    for (const answer of succeeded) expect(await accessTokenLive(server, String(answer.json.access_token))).toBe(false)
  })
})
