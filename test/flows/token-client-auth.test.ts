import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authorizationServer, CONFIDENTIAL_BASIC, expectTokenError, insecure, rawTokenRequest } from '../helpers/oauth-client.ts'
import { CONFIDENTIAL, postToken, PUBLIC_CLIENT, startTestServer, type TestServer } from '../helpers/test-server.ts'

/** A client whose id and secret need form-encoding inside the Basic credentials (RFC 6749 2.3.1). */
const ODD = { clientId: 'svc:a%2F+b c', clientSecret: 'p@ss:w%rd+ with spaces/&=~' } as const
/** A client that may only use the authorization code grant. */
const CODE_ONLY = {
  clientId: 'code-only',
  clientSecret: 'E'.repeat(20) + 'code-only-high-entropy-secret-0123456',
  redirectUri: 'https://code-only.example/cb',
} as const
/** A client registered for client_secret_basic only. */
const BASIC_ONLY = { clientId: 'basic-only', clientSecret: 'F'.repeat(20) + 'basic-only-high-entropy-secret-012345' } as const
/** A client whose secret contains '+', to tell form-decoding from plain percent-decoding. */
const PLUS = { clientId: 'plus-client', clientSecret: 'a+b' } as const

function basicHeader(raw: string): string {
  return `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const CC = 'grant_type=client_credentials'

describe('RFC 6749 2.3.1 client password authentication', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({
      clients: [
        { clientId: ODD.clientId, clientSecret: ODD.clientSecret },
        { clientId: BASIC_ONLY.clientId, clientSecret: BASIC_ONLY.clientSecret, tokenEndpointAuthMethods: ['client_secret_basic'] },
        { clientId: PLUS.clientId, clientSecret: PLUS.clientSecret },
      ],
    })
  })
  afterAll(() => server.close())

  async function clientCredentialsWith(client: oauth.Client, auth: oauth.ClientAuth): Promise<oauth.TokenEndpointResponse> {
    const as = authorizationServer(server)
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, {}, insecure)
    return oauth.processClientCredentialsResponse(as, client, response)
  }

  it('form-decodes the id and secret of HTTP Basic (oauth4webapi ClientSecretBasic, with : % + and spaces)', async () => {
    const tokens = await clientCredentialsWith({ client_id: ODD.clientId }, oauth.ClientSecretBasic(ODD.clientSecret))
    expect(typeof tokens.access_token).toBe('string')
  })

  it('accepts the same odd credentials in the body (oauth4webapi ClientSecretPost)', async () => {
    const tokens = await clientCredentialsWith({ client_id: ODD.clientId }, oauth.ClientSecretPost(ODD.clientSecret))
    expect(typeof tokens.access_token).toBe('string')
  })

  it('reads "+" inside Basic credentials as a space, as form-decoding does', async () => {
    // 'a+b' sent without form-encoding means the secret 'a b': wrong.
    const unencoded = await rawTokenRequest(server, { headers: { ...FORM, authorization: basicHeader(`${PLUS.clientId}:a+b`) }, body: CC })
    expectTokenError(unencoded, 401, 'invalid_client')
    const encoded = await rawTokenRequest(server, { headers: { ...FORM, authorization: basicHeader(`${PLUS.clientId}:a%2Bb`) }, body: CC })
    expect(encoded.status).toBe(200)
  })

  it('accepts the Basic scheme name case-insensitively (RFC 7235 2.1)', async () => {
    const header = `basic ${Buffer.from(`${CONFIDENTIAL.clientId}:${CONFIDENTIAL.clientSecret}`).toString('base64')}`
    const answer = await rawTokenRequest(server, { headers: { ...FORM, authorization: header }, body: CC })
    expect(answer.status).toBe(200)
  })

  it('refuses Basic together with client_secret in the body with 400 invalid_request (one method per request)', async () => {
    const answer = await postToken(
      server.url,
      { grant_type: 'client_credentials', client_secret: CONFIDENTIAL.clientSecret },
      { basic: CONFIDENTIAL_BASIC },
    )
    expectTokenError(answer, 400, 'invalid_request')
  })

  it('refuses a wrong secret over Basic with 401 invalid_client and WWW-Authenticate: Basic', async () => {
    const answer = await postToken(server.url, { grant_type: 'client_credentials' }, { basic: [CONFIDENTIAL.clientId, 'wrong-secret'] })
    expectTokenError(answer, 401, 'invalid_client')
    expect(answer.headers.get('www-authenticate')).toMatch(/^Basic\b/)
  })

  it('refuses a wrong secret in the body with invalid_client', async () => {
    const answer = await postToken(server.url, {
      grant_type: 'client_credentials',
      client_id: CONFIDENTIAL.clientId,
      client_secret: 'wrong-secret',
    })
    expect(answer.json.error).toBe('invalid_client')
    expect([400, 401]).toContain(answer.status)
    expect(answer.headers.get('cache-control')).toBe('no-store')
  })

  it('refuses an unknown client with 401 invalid_client', async () => {
    const answer = await postToken(server.url, { grant_type: 'client_credentials' }, { basic: ['no-such-client', 'whatever-secret'] })
    expectTokenError(answer, 401, 'invalid_client')
    expect(answer.headers.get('www-authenticate')).toMatch(/^Basic\b/)
  })

  it('refuses an unknown client_id without secret with 401 invalid_client', async () => {
    const answer = await postToken(server.url, {
      grant_type: 'password',
      username: 'alice',
      password: 'wonderland',
      client_id: 'no-such-client',
    })
    expectTokenError(answer, 401, 'invalid_client')
  })

  it('refuses a confidential client that sends only its client_id with 401 invalid_client', async () => {
    const answer = await postToken(server.url, { grant_type: 'client_credentials', client_id: CONFIDENTIAL.clientId })
    expectTokenError(answer, 401, 'invalid_client')
    const password = await postToken(server.url, {
      grant_type: 'password',
      username: 'alice',
      password: 'wonderland',
      client_id: CONFIDENTIAL.clientId,
    })
    expectTokenError(password, 401, 'invalid_client')
  })

  it('refuses a public client that presents a secret with 401 invalid_client', async () => {
    const answer = await postToken(server.url, {
      grant_type: 'password',
      username: 'alice',
      password: 'wonderland',
      client_id: PUBLIC_CLIENT.clientId,
      client_secret: 'invented',
    })
    expectTokenError(answer, 401, 'invalid_client')
  })

  it('refuses a request that names no client with 401 invalid_client', async () => {
    const answer = await postToken(server.url, { grant_type: 'password', username: 'alice', password: 'wonderland' })
    expectTokenError(answer, 401, 'invalid_client')
  })

  it.each([
    ['not base64', 'Basic !!!not-base64!!!'],
    ['no colon', basicHeader('confidential-without-colon')],
    ['empty client id', basicHeader(`:${CONFIDENTIAL.clientSecret}`)],
    ['malformed percent-encoding', basicHeader(`%ZZ:${CONFIDENTIAL.clientSecret}`)],
    ['percent-encoded invalid UTF-8', basicHeader(`${CONFIDENTIAL.clientId}:%FF%FE`)],
    ['no credentials after the scheme', 'Basic '],
  ])('refuses a malformed Basic header (%s) with 401 invalid_client', async (_name, header) => {
    const answer = await rawTokenRequest(server, { headers: { ...FORM, authorization: header }, body: CC })
    expectTokenError(answer, 401, 'invalid_client')
  })

  it('refuses client_secret_post for a client registered for client_secret_basic only, with 401 invalid_client', async () => {
    const answer = await postToken(server.url, {
      grant_type: 'client_credentials',
      client_id: BASIC_ONLY.clientId,
      client_secret: BASIC_ONLY.clientSecret,
    })
    expectTokenError(answer, 401, 'invalid_client')
    const basic = await postToken(
      server.url,
      { grant_type: 'client_credentials' },
      { basic: [BASIC_ONLY.clientId, BASIC_ONLY.clientSecret] },
    )
    expect(basic.status).toBe(200)
  })
})

describe('RFC 6749 5.2 unauthorized_client: grant types a client is not registered for', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({
      clients: [
        {
          clientId: CODE_ONLY.clientId,
          clientSecret: CODE_ONLY.clientSecret,
          redirectUris: [CODE_ONLY.redirectUri],
          grantTypes: ['authorization_code'],
        },
      ],
    })
  })
  afterAll(() => server.close())

  it('refuses client_credentials to a client registered with grantTypes [authorization_code]', async () => {
    const answer = await postToken(
      server.url,
      { grant_type: 'client_credentials' },
      { basic: [CODE_ONLY.clientId, CODE_ONLY.clientSecret] },
    )
    expectTokenError(answer, 400, 'unauthorized_client')
  })

  it('refuses password to the same client with unauthorized_client', async () => {
    const answer = await postToken(
      server.url,
      { grant_type: 'password', username: 'alice', password: 'wonderland' },
      { basic: [CODE_ONLY.clientId, CODE_ONLY.clientSecret] },
    )
    expectTokenError(answer, 400, 'unauthorized_client')
  })

  it('still authenticates the client: a wrong secret is invalid_client, not unauthorized_client', async () => {
    const answer = await postToken(server.url, { grant_type: 'client_credentials' }, { basic: [CODE_ONLY.clientId, 'wrong'] })
    expectTokenError(answer, 401, 'invalid_client')
  })
})
