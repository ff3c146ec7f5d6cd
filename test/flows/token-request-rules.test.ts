import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONFIDENTIAL_BASIC, expectTokenError, rawTokenRequest } from '../helpers/oauth-client.ts'
import { CONFIDENTIAL, postToken, startTestServer, type TestServer } from '../helpers/test-server.ts'

const BASIC = `Basic ${Buffer.from(`${CONFIDENTIAL.clientId}:${CONFIDENTIAL.clientSecret}`).toString('base64')}`
const FORM = { 'content-type': 'application/x-www-form-urlencoded', authorization: BASIC }

describe('RFC 6749 3.2 token endpoint request rules', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  it('answers GET /token with 405, Allow: POST and a JSON invalid_request', async () => {
    const answer = await rawTokenRequest(server, { method: 'GET', headers: { authorization: BASIC } })
    expectTokenError(answer, 405, 'invalid_request')
    expect(answer.headers.get('allow')).toBe('POST')
  })

  it('answers GET /token with query parameters the same way (no tokens for GET)', async () => {
    const response = await fetch(`${server.url}/token?grant_type=client_credentials`, { headers: { authorization: BASIC } })
    const json = (await response.json()) as Record<string, unknown>
    expect(response.status).toBe(405)
    expect(json.error).toBe('invalid_request')
    expect(json.access_token).toBeUndefined()
  })

  it('answers PUT /token with 405 and Allow: POST', async () => {
    const answer = await rawTokenRequest(server, { method: 'PUT', headers: FORM, body: 'grant_type=client_credentials' })
    expectTokenError(answer, 405, 'invalid_request')
    expect(answer.headers.get('allow')).toBe('POST')
  })

  it('refuses a JSON body with 400 invalid_request', async () => {
    const answer = await rawTokenRequest(server, {
      headers: { 'content-type': 'application/json', authorization: BASIC },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    })
    expectTokenError(answer, 400, 'invalid_request')
  })

  it('refuses a body without content type with 400 invalid_request', async () => {
    const answer = await rawTokenRequest(server, {
      headers: { authorization: BASIC },
      body: new TextEncoder().encode('grant_type=client_credentials'),
    })
    expectTokenError(answer, 400, 'invalid_request')
  })

  it('accepts the form content type with a charset parameter and in another case', async () => {
    const answer = await rawTokenRequest(server, {
      headers: { 'content-type': 'Application/X-WWW-Form-Urlencoded; charset=UTF-8', authorization: BASIC },
      body: 'grant_type=client_credentials',
    })
    expect(answer.status).toBe(200)
  })

  it('refuses a repeated grant_type with invalid_request', async () => {
    const answer = await rawTokenRequest(server, { headers: FORM, body: 'grant_type=client_credentials&grant_type=client_credentials' })
    expectTokenError(answer, 400, 'invalid_request')
  })

  it('refuses any repeated parameter (scope twice) with invalid_request', async () => {
    const answer = await rawTokenRequest(server, { headers: FORM, body: 'grant_type=client_credentials&scope=read&scope=write' })
    expectTokenError(answer, 400, 'invalid_request')
  })

  it('refuses a missing grant_type with invalid_request', async () => {
    const answer = await postToken(server.url, { scope: 'read' }, { basic: CONFIDENTIAL_BASIC })
    expectTokenError(answer, 400, 'invalid_request')
  })

  it('refuses an unknown grant_type with unsupported_grant_type', async () => {
    const answer = await postToken(server.url, { grant_type: 'urn:example:unknown' }, { basic: CONFIDENTIAL_BASIC })
    expectTokenError(answer, 400, 'unsupported_grant_type')
  })

  it('matches grant_type exactly (case-sensitive, no prefix)', async () => {
    expectTokenError(
      await postToken(server.url, { grant_type: 'Client_Credentials' }, { basic: CONFIDENTIAL_BASIC }),
      400,
      'unsupported_grant_type',
    )
    expectTokenError(
      await postToken(server.url, { grant_type: 'client_credentials ' }, { basic: CONFIDENTIAL_BASIC }),
      400,
      'unsupported_grant_type',
    )
  })

  it('refuses implicit as a grant_type with unsupported_grant_type (it is a response_type)', async () => {
    expectTokenError(await postToken(server.url, { grant_type: 'implicit' }, { basic: CONFIDENTIAL_BASIC }), 400, 'unsupported_grant_type')
  })

  it('answers a body over 64 KiB (Content-Length) with 413 and a JSON error', async () => {
    const body = `grant_type=client_credentials&pad=${'x'.repeat(70 * 1024)}`
    const answer = await rawTokenRequest(server, { headers: FORM, body })
    expect(answer.status).toBe(413)
    expect(answer.json?.error).toBe('invalid_request')
    expect(answer.headers.get('content-type')).toMatch(/^application\/json\b/)
    expect(answer.headers.get('cache-control')).toBe('no-store')
  })

  it('answers a chunked body over 64 KiB (no Content-Length) with 413 and a JSON error', async () => {
    const chunk = new TextEncoder().encode(`grant_type=client_credentials&pad=${'y'.repeat(16 * 1024)}`)
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 6) controller.close()
        else {
          sent++
          controller.enqueue(chunk)
        }
      },
    })
    const answer = await rawTokenRequest(server, { headers: FORM, body: stream })
    expect(answer.status).toBe(413)
    expect(answer.json?.error).toBe('invalid_request')
    expect(answer.headers.get('cache-control')).toBe('no-store')
  })

  it('accepts a body of exactly 64 KiB (the limit)', async () => {
    const prefix = 'grant_type=client_credentials&pad='
    const body = prefix + 'z'.repeat(64 * 1024 - prefix.length)
    const answer = await rawTokenRequest(server, { headers: FORM, body })
    expect(answer.status).toBe(200)
  })

  it.each([
    ['malformed percent-encoding in a value', 'grant_type=client_credentials&scope=%ZZ'],
    ['malformed percent-encoding in grant_type', 'grant_type=%E0%A4%A'],
    ['a truncated escape at the end', 'grant_type=client_credentials&scope=read%'],
    ['percent-encoded invalid UTF-8', 'grant_type=client_credentials&scope=%FF%FE'],
    ['percent-encoded NUL', 'grant_type=client_credentials%00'],
  ])('answers %s with a 4xx JSON error, never 5xx', async (_name, body) => {
    const answer = await rawTokenRequest(server, { headers: FORM, body })
    expect(answer.status).toBeGreaterThanOrEqual(400)
    expect(answer.status).toBeLessThan(500)
    expect(typeof answer.json?.error).toBe('string')
    expect(answer.headers.get('content-type')).toMatch(/^application\/json\b/)
    expect(answer.headers.get('cache-control')).toBe('no-store')
  })

  it('answers raw invalid UTF-8 bytes in the body with a 4xx JSON error, never 5xx', async () => {
    const prefix = new TextEncoder().encode('grant_type=client_credentials&scope=')
    const body = new Uint8Array([...prefix, 0xff, 0xfe, 0xc3, 0x28])
    const answer = await rawTokenRequest(server, { headers: FORM, body })
    expect(answer.status).toBeGreaterThanOrEqual(400)
    expect(answer.status).toBeLessThan(500)
    expect(typeof answer.json?.error).toBe('string')
    expect(answer.headers.get('cache-control')).toBe('no-store')
  })

  it('answers raw invalid UTF-8 in a client_id with 401 invalid_client', async () => {
    const prefix = new TextEncoder().encode('grant_type=password&username=alice&password=wonderland&client_id=')
    const body = new Uint8Array([...prefix, 0xff, 0x80])
    const answer = await rawTokenRequest(server, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
    expectTokenError(answer, 401, 'invalid_client')
  })
})

describe('RFC 6749 5.2 every token endpoint error is uncacheable JSON', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  const cases: ReadonlyArray<
    readonly [string, () => Promise<{ status: number; headers: Headers; json: Record<string, unknown> | undefined }>, number, string]
  > = [
    ['405 GET', () => rawTokenRequest(server, { method: 'GET' }), 405, 'invalid_request'],
    [
      'wrong content type',
      () =>
        rawTokenRequest(server, { headers: { 'content-type': 'text/plain', authorization: BASIC }, body: 'grant_type=client_credentials' }),
      400,
      'invalid_request',
    ],
    ['missing grant_type', () => rawTokenRequest(server, { headers: FORM, body: 'scope=read' }), 400, 'invalid_request'],
    ['unsupported grant_type', () => rawTokenRequest(server, { headers: FORM, body: 'grant_type=foo' }), 400, 'unsupported_grant_type'],
    [
      'invalid_client',
      () =>
        rawTokenRequest(server, {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        }),
      401,
      'invalid_client',
    ],
    [
      'invalid_grant',
      () => rawTokenRequest(server, { headers: FORM, body: 'grant_type=refresh_token&refresh_token=nope' }),
      400,
      'invalid_grant',
    ],
    [
      'invalid_scope',
      () => rawTokenRequest(server, { headers: FORM, body: 'grant_type=client_credentials&scope=admin' }),
      400,
      'invalid_scope',
    ],
    [
      'unauthorized_client',
      () =>
        rawTokenRequest(server, {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&client_id=public-app',
        }),
      400,
      'unauthorized_client',
    ],
    ['413', () => rawTokenRequest(server, { headers: FORM, body: 'a='.padEnd(70_000, 'a') }), 413, 'invalid_request'],
  ]

  it.each(cases)('%s: status, error, application/json, Cache-Control: no-store, Pragma: no-cache', async (_name, send, status, error) => {
    expectTokenError(await send(), status, error)
  })

  it('sends error_description as a string and never echoes the secret', async () => {
    const answer = await postToken(
      server.url,
      { grant_type: 'client_credentials' },
      { basic: [CONFIDENTIAL.clientId, 'secret-that-must-not-echo'] },
    )
    expect(typeof answer.json.error_description).toBe('string')
    expect(JSON.stringify(answer.json)).not.toContain('secret-that-must-not-echo')
  })
})
