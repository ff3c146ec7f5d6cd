/** The request shapes the benchmark sends. Every server is given the same client and credentials. */
import type { Scenario } from './harness.ts'
import { BENCH_CLIENT } from './servers/shared.ts'

const basic = `Basic ${Buffer.from(`${BENCH_CLIENT.clientId}:${BENCH_CLIENT.clientSecret}`).toString('base64')}`
const form = { 'content-type': 'application/x-www-form-urlencoded' }

/** `client_credentials` with opaque tokens and client_secret_basic. */
export const clientCredentials: Scenario = {
  name: 'client_credentials',
  path: '/token',
  method: 'POST',
  headers: { ...form, authorization: basic },
  body: () => 'grant_type=client_credentials&scope=read',
}

/** The password grant (the user `bench`/`bench`), with a refresh token where the server issues one. */
export const password: Scenario = {
  name: 'password',
  path: '/token',
  method: 'POST',
  headers: { ...form, authorization: basic },
  body: () => 'grant_type=password&username=bench&password=bench&scope=read',
}

/**
 * `refresh_token` with rotation: every request presents a different, fresh refresh token, pre-issued
 * through the password grant before the load.
 */
export function rotatingRefresh(): Scenario {
  const tokens: string[] = []
  let next = 0
  return {
    name: 'refresh_token (rotating)',
    path: '/token',
    method: 'POST',
    headers: { ...form, authorization: basic },
    body: () => `grant_type=refresh_token&refresh_token=${encodeURIComponent(tokens[next++ % tokens.length] ?? '')}`,
    prepare: async (baseUrl, count) => {
      tokens.length = 0
      next = 0
      const batch = 64
      while (tokens.length < Math.min(count, 60_000)) {
        const issued = await Promise.all(
          Array.from({ length: batch }, async () => {
            const response = await fetch(`${baseUrl}/token`, { method: 'POST', headers: { ...form, authorization: basic }, body: 'grant_type=password&username=bench&password=bench&scope=read' })
            const json = (await response.json()) as { refresh_token?: string }
            if (json.refresh_token === undefined) throw new Error(`no refresh token from ${baseUrl}`)
            return json.refresh_token
          }),
        )
        tokens.push(...issued)
      }
    },
  }
}

/** Fetches one client-credentials access token from the server under test. */
async function oneToken(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/token`, { method: 'POST', headers: { ...form, authorization: basic }, body: 'grant_type=client_credentials&scope=read' })
  const json = (await response.json()) as { access_token?: string }
  if (json.access_token === undefined) throw new Error(`no access token from ${baseUrl}`)
  return json.access_token
}

/** RFC 7662 introspection of one live access token, by the authenticated client. */
export function introspection(): Scenario {
  let token = ''
  return {
    name: 'introspection',
    path: '/introspect',
    method: 'POST',
    headers: { ...form, authorization: basic },
    body: () => `token=${encodeURIComponent(token)}`,
    prepare: async (baseUrl) => {
      token = await oneToken(baseUrl)
    },
  }
}

/** A protected API request with a bearer token (RFC 6750), verified by the guard. */
export function bearer(name: string): Scenario {
  const headers: Record<string, string> = {}
  return {
    name,
    path: '/api',
    method: 'GET',
    headers,
    body: () => undefined,
    prepare: async (baseUrl) => {
      headers.authorization = `Bearer ${await oneToken(baseUrl)}`
    },
  }
}
