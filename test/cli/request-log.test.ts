/**
 * The request log's redaction rules, in process: which parameters are secret, how a client is named,
 * and that a logged value cannot forge a line or drive the terminal.
 */
import { describe, expect, it } from 'vitest'
import { clientIdOf, isSecretName, paramsOf, redactParams, RequestLogger, REDACTED } from '../../src/cli/request-log.ts'
import { Request } from '../../src/web/request.ts'

describe('what the request log redacts', () => {
  it.each([
    'client_secret',
    'password',
    'code',
    'code_verifier',
    'refresh_token',
    'access_token',
    'token',
    'device_code',
    'user_code',
    'csrf_token',
    'client_assertion',
    'id_token_hint',
  ])('%s is secret', (name) => expect(isSecretName(name)).toBe(true))

  it.each([
    'client_id',
    'grant_type',
    'response_type',
    'redirect_uri',
    'scope',
    'state',
    'code_challenge',
    'code_challenge_method',
    'token_type_hint',
    'username',
    'action',
  ])('%s is shown', (name) => expect(isSecretName(name)).toBe(false))

  it('redacts values, cuts long ones and escapes control characters so a line cannot be forged', () => {
    const out = redactParams([
      ['password', 'hunter2'],
      ['state', 'a\nb\u001b[31m'],
      ['scope', 'x'.repeat(300)],
    ])
    expect(out.password).toBe(REDACTED)
    expect(out.state).toBe('a\\u000ab\\u001b[31m')
    expect(out.scope).toHaveLength(201)
  })

  it('names the client from Basic credentials (form-decoded, never the secret), else the form, else the query', () => {
    const basic = new Request({
      method: 'POST',
      path: '/token',
      headers: {
        authorization: `Basic ${Buffer.from('my+app%21:s3cret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'client_id=other',
    })
    expect(clientIdOf(basic)).toBe('my app!')
    const form = new Request({
      method: 'POST',
      path: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'client_id=form-app',
      query: 'client_id=query-app',
    })
    expect(clientIdOf(form)).toBe('form-app')
    expect(clientIdOf(Request.fromUrl('GET', '/authorize?client_id=query-app'))).toBe('query-app')
    expect(clientIdOf(Request.fromUrl('GET', '/'))).toBeUndefined()
  })

  it('a whole line holds neither the secret parameters nor the Authorization header', () => {
    const lines: string[] = []
    const logger = new RequestLogger({ format: 'json', write: (line) => lines.push(line) })
    const request = new Request({
      method: 'POST',
      path: '/token',
      headers: { authorization: 'Basic YWJjOnNlY3JldC12YWx1ZQ==', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=the-code-value&code_verifier=the-verifier-value&redirect_uri=https%3A%2F%2Fapp.example%2Fcb',
    })
    logger.request({
      method: 'POST',
      path: '/token',
      status: 200,
      durationMs: 1.234,
      time: new Date(0),
      clientId: clientIdOf(request),
      auth: 'Basic',
      params: paramsOf(request),
    })
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'info',
      msg: 'request',
      method: 'POST',
      path: '/token',
      status: 200,
      duration_ms: 1.2,
      client_id: 'abc',
      auth: 'Basic',
      params: { grant_type: 'authorization_code', code: REDACTED, code_verifier: REDACTED, redirect_uri: 'https://app.example/cb' },
    })
    for (const secret of ['the-code-value', 'the-verifier-value', 'secret-value', 'YWJjOnNlY3JldC12YWx1ZQ=='])
      expect(lines[0]).not.toContain(secret)
  })

  it('pretty lines are short, coloured only when asked', () => {
    const lines: string[] = []
    const entry = {
      method: 'POST',
      path: '/token',
      status: 400,
      durationMs: 12.6,
      time: new Date(2026, 0, 1, 9, 5, 7),
      clientId: 'abc',
      error: 'invalid_grant',
      params: { grant_type: 'refresh_token', refresh_token: REDACTED },
    }
    new RequestLogger({ format: 'pretty', write: (line) => lines.push(line) }).request(entry)
    new RequestLogger({ format: 'pretty', write: (line) => lines.push(line), color: true }).request(entry)
    expect(lines[0]).toBe('09:05:07 POST /token 400 13ms client=abc error=invalid_grant grant_type=refresh_token refresh_token=[redacted]')
    expect(lines[1]).toContain('\u001b[33m400\u001b[0m')
  })
})
