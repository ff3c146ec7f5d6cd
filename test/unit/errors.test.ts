import { describe, expect, it } from 'vitest'
import {
  AccessDenied,
  AuthCodeNotFoundError,
  ClientNotFoundError,
  InvalidClient,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  InvalidTarget,
  isOAuthError,
  OAuthBaseError,
  OAuthClientError,
  OAuthError,
  OAuthInvalidError,
  OAuthUserError,
  ServerError,
  StoreUnavailableError,
  TemporarilyUnavailable,
  UnauthorizedClient,
  UnsupportedGrantType,
  UnsupportedResponseType,
  UserNotAuthenticated,
  type OAuthErrorCode,
} from '../../src/errors.ts'

type ErrorClass = new (description: string, options?: { uri?: string; cause?: unknown }) => OAuthError

describe('OAuth error classes (RFC 6749 section 4.1.2.1, 4.2.2.1, 5.2)', () => {
  it.each<[string, ErrorClass, OAuthErrorCode, number, boolean]>([
    ['InvalidRequest', InvalidRequest, 'invalid_request', 400, true],
    ['InvalidClient', InvalidClient, 'invalid_client', 401, false],
    ['InvalidGrant', InvalidGrant, 'invalid_grant', 400, true],
    ['UnauthorizedClient', UnauthorizedClient, 'unauthorized_client', 400, true],
    ['UnsupportedGrantType', UnsupportedGrantType, 'unsupported_grant_type', 400, true],
    ['UnsupportedResponseType', UnsupportedResponseType, 'unsupported_response_type', 400, true],
    ['InvalidScope', InvalidScope, 'invalid_scope', 400, true],
    ['InvalidTarget', InvalidTarget, 'invalid_target', 400, true],
    ['AccessDenied', AccessDenied, 'access_denied', 400, true],
    ['ServerError', ServerError, 'server_error', 500, true],
    ['TemporarilyUnavailable', TemporarilyUnavailable, 'temporarily_unavailable', 503, true],
  ])('%s has code %s', (name, Class, code, status, redirectable) => {
    const error = new Class('Something is wrong.')
    expect(error.error).toBe(code)
    expect(error.status).toBe(status)
    expect(error.redirectable).toBe(redirectable)
    expect(error.name).toBe(name)
    expect(error.description).toBe('Something is wrong.')
    expect(error.message).toBe('Something is wrong.')
    expect(error.uri).toBeUndefined()
    expect(error.cause).toBeUndefined()
    expect(error).toBeInstanceOf(Error)
    expect(error).toBeInstanceOf(OAuthError)
    expect(isOAuthError(error)).toBe(true)
    expect(String(error)).toBe(`${name}: Something is wrong.`)
  })

  it('keeps error_uri and the internal cause', () => {
    const cause = new Error('db down')
    const error = new ServerError('Internal error.', { uri: 'https://docs.example/errors#server', cause })
    expect(error.uri).toBe('https://docs.example/errors#server')
    expect(error.cause).toBe(cause)
    expect(error.description).not.toContain('db down')
  })

  it('InvalidClient is never redirected (RFC 6749 section 4.1.2.1) and answered with 401 (section 5.2)', () => {
    const error = new InvalidClient('Unknown client.')
    expect(error.redirectable).toBe(false)
    expect(error.status).toBe(401)
  })

  it('keeps the seed names as aliases of the same classes', () => {
    expect(OAuthInvalidError).toBe(InvalidRequest)
    expect(OAuthClientError).toBe(InvalidClient)
    expect(OAuthUserError).toBe(AccessDenied)
    expect(OAuthBaseError).toBe(OAuthError)
  })

  it('ClientNotFoundError is an invalid_client with a default description and its own name', () => {
    const error = new ClientNotFoundError()
    expect(error).toBeInstanceOf(InvalidClient)
    expect(error.error).toBe('invalid_client')
    expect(error.status).toBe(401)
    expect(error.redirectable).toBe(false)
    expect(error.description).toBe('Unknown client.')
    expect(error.name).toBe('ClientNotFoundError')
    expect(new ClientNotFoundError('No such client.', { uri: 'https://x.example' }).uri).toBe('https://x.example')
  })

  it('AuthCodeNotFoundError is an invalid_grant with a default description and its own name', () => {
    const error = new AuthCodeNotFoundError()
    expect(error).toBeInstanceOf(InvalidGrant)
    expect(error.error).toBe('invalid_grant')
    expect(error.status).toBe(400)
    expect(error.description).toBe('Invalid authorization code.')
    expect(error.name).toBe('AuthCodeNotFoundError')
  })

  it('UserNotAuthenticated and StoreUnavailableError are plain errors, not OAuth errors', () => {
    const unauthenticated = new UserNotAuthenticated()
    const unavailable = new StoreUnavailableError('redis down')
    expect(unauthenticated.name).toBe('UserNotAuthenticated')
    expect(unavailable.name).toBe('StoreUnavailableError')
    expect(unavailable.message).toBe('redis down')
    const cause = new Error('ECONNREFUSED')
    expect(new StoreUnavailableError('redis down', { cause }).cause).toBe(cause)
    expect(unavailable.cause).toBeUndefined()
    expect(isOAuthError(unauthenticated)).toBe(false)
    expect(isOAuthError(unavailable)).toBe(false)
  })

  it('isOAuthError is false for anything that is not an OAuthError', () => {
    for (const value of [
      new Error('x'),
      new TypeError('x'),
      { error: 'invalid_request', status: 400 },
      'invalid_request',
      undefined,
      null,
    ]) {
      expect(isOAuthError(value)).toBe(false)
    }
  })
})
