/**
 * Drives the test server with oauth4webapi, the strict reference client: the authorization server
 * metadata built by hand, the redirect validated with `validateAuthResponse`, and token requests made
 * with the library's own request functions. Plus raw helpers for the error cases, where the exact
 * status, `error` code and headers matter.
 */
import * as oauth from 'oauth4webapi'
import { expect } from 'vitest'
import { hashToken } from '../../src/tokens/hash.ts'
import { authorizeInBrowser, CONFIDENTIAL, PUBLIC_CLIENT, type TestServer } from './test-server.ts'

/** The server runs on http://127.0.0.1, which oauth4webapi refuses unless told otherwise. */
export const insecure: { [oauth.allowInsecureRequests]: true } = { [oauth.allowInsecureRequests]: true }

/** The server's metadata, as a client would have it from configuration. */
export function authorizationServer(server: TestServer): oauth.AuthorizationServer {
  return {
    issuer: server.issuer,
    authorization_endpoint: `${server.url}/authorize`,
    token_endpoint: `${server.url}/token`,
  }
}

export const confidentialClient: oauth.Client = { client_id: CONFIDENTIAL.clientId }
export const publicClient: oauth.Client = { client_id: PUBLIC_CLIENT.clientId }
export const basicAuth: oauth.ClientAuth = oauth.ClientSecretBasic(CONFIDENTIAL.clientSecret)
export const postAuth: oauth.ClientAuth = oauth.ClientSecretPost(CONFIDENTIAL.clientSecret)
export const noAuth: oauth.ClientAuth = oauth.None()

/** What to ask the authorization endpoint for. */
export interface CodeRequest {
  readonly clientId: string
  /** Sent as `redirect_uri` unless `undefined`. */
  readonly redirectUri: string | undefined
  /** Sent as `scope` when set. */
  readonly scope?: string
  /** Send an S256 `code_challenge`. */
  readonly pkce: boolean
}

/** A code obtained through the browser, with what the client needs to redeem it. */
export interface IssuedCode {
  readonly code: string
  /** The redirect's parameters, validated by oauth4webapi (state and iss checked). */
  readonly callback: URLSearchParams
  /** The PKCE verifier, when a challenge was sent. */
  readonly codeVerifier: string | undefined
}

/** Runs the authorization endpoint like a browser (login + consent) and validates the redirect. */
export async function obtainCode(server: TestServer, request: CodeRequest): Promise<IssuedCode> {
  const state = oauth.generateRandomState()
  const url = new URL(`${server.url}/authorize`)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', request.clientId)
  if (request.redirectUri !== undefined) url.searchParams.set('redirect_uri', request.redirectUri)
  if (request.scope !== undefined) url.searchParams.set('scope', request.scope)
  url.searchParams.set('state', state)
  let codeVerifier: string | undefined
  if (request.pkce) {
    codeVerifier = oauth.generateRandomCodeVerifier()
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier))
    url.searchParams.set('code_challenge_method', 'S256')
  }
  const result = await authorizeInBrowser(url.toString())
  expect(result.status, `authorization endpoint answered: ${result.body}`).toBe(303)
  expect(result.params).toBeDefined()
  const callback = oauth.validateAuthResponse(
    authorizationServer(server),
    { client_id: request.clientId },
    result.params ?? new URLSearchParams(),
    state,
  )
  const code = callback.get('code')
  if (code === null) throw new Error('no code in the authorization response')
  return { code, callback, codeVerifier }
}

/** Obtains a code for the confidential client (PKCE S256, registered redirect URI, `read write`). */
export function confidentialCode(server: TestServer, scope = 'read write'): Promise<IssuedCode> {
  return obtainCode(server, { clientId: CONFIDENTIAL.clientId, redirectUri: CONFIDENTIAL.redirectUri, scope, pkce: true })
}

/** Redeems a code with oauth4webapi and processes the response strictly. */
export async function redeemCode(
  server: TestServer,
  client: oauth.Client,
  auth: oauth.ClientAuth,
  issued: IssuedCode,
  redirectUri: string,
): Promise<{ status: number; headers: Headers; tokens: oauth.TokenEndpointResponse }> {
  const as = authorizationServer(server)
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    auth,
    issued.callback,
    redirectUri,
    issued.codeVerifier ?? oauth.nopkce,
    insecure,
  )
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response)
  return { status: response.status, headers: response.headers, tokens }
}

/** Obtains tokens for the confidential client through the code flow (Basic auth, PKCE). */
export async function confidentialTokens(server: TestServer, scope = 'read write'): Promise<oauth.TokenEndpointResponse> {
  const issued = await confidentialCode(server, scope)
  const { tokens } = await redeemCode(server, confidentialClient, basicAuth, issued, CONFIDENTIAL.redirectUri)
  return tokens
}

/** Refreshes with oauth4webapi; resolves to the processed response. */
export async function refresh(
  server: TestServer,
  refreshToken: string,
  client: oauth.Client = confidentialClient,
  auth: oauth.ClientAuth = basicAuth,
  additionalParameters?: Record<string, string>,
): Promise<oauth.TokenEndpointResponse> {
  const as = authorizationServer(server)
  const response = await oauth.refreshTokenGrantRequest(
    as,
    client,
    auth,
    refreshToken,
    additionalParameters === undefined ? insecure : { ...insecure, additionalParameters },
  )
  return oauth.processRefreshTokenResponse(as, client, response)
}

/** The refresh token of a response, failing the test when there is none. */
export function refreshTokenOf(tokens: oauth.TokenEndpointResponse): string {
  expect(typeof tokens.refresh_token).toBe('string')
  return tokens.refresh_token ?? ''
}

/** Whether the store still holds a live access token. */
export async function accessTokenLive(server: TestServer, accessToken: string): Promise<boolean> {
  return (await server.tokenStore.fetchByToken(hashToken(accessToken))) !== undefined
}

/** Whether the store still holds a live refresh token (rotated out or not). */
export async function refreshTokenLive(server: TestServer, refreshToken: string): Promise<boolean> {
  return (await server.tokenStore.fetchByRefreshToken(hashToken(refreshToken))) !== undefined
}

/** `Authorization: Basic` for the confidential client, as RFC 6749 section 2.3.1 builds it. */
export const CONFIDENTIAL_BASIC: [string, string] = [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret]

/** A raw answer of the token endpoint: status, headers and body text (JSON parsed when it is JSON). */
export interface RawAnswer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: Record<string, unknown> | undefined
}

/** Sends anything to the token endpoint: any method, headers and body. */
export async function rawTokenRequest(
  server: TestServer,
  init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array | ReadableStream<Uint8Array> },
): Promise<RawAnswer> {
  const request: RequestInit & { duplex?: 'half' } = { method: init.method ?? 'POST' }
  if (init.headers !== undefined) request.headers = init.headers
  if (init.body !== undefined) request.body = init.body
  if (init.body instanceof ReadableStream) request.duplex = 'half'
  const response = await fetch(`${server.url}/token`, request)
  const text = await response.text()
  let json: Record<string, unknown> | undefined
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

/** Asserts an RFC 6749 section 5.2 error response: status, `error`, JSON and no caching. */
export function expectTokenError(
  answer: { status: number; headers: Headers; json: Record<string, unknown> | undefined },
  status: number,
  error: string,
): void {
  expect({ status: answer.status, error: answer.json?.error }).toEqual({ status, error })
  expect(answer.headers.get('content-type')).toMatch(/^application\/json\b/)
  expect(answer.headers.get('cache-control')).toBe('no-store')
  expect(answer.headers.get('pragma')).toBe('no-cache')
}
