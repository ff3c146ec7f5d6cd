/** The request shapes the benchmark sends. Every server is given the same client and credentials. */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import type { Scenario } from './harness.ts'
import { BENCH_CLIENT, BENCH_CODES_PATH } from './servers/shared.ts'

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
 * `refresh_token` with rotation, as clients do it: every request presents a refresh token that a previous
 * response returned (the load generator hands each new one to its next request), so each token is fresh,
 * used once, and the server rotates without ever seeing reuse. The chain starts from tokens pre-issued
 * through the password grant; a failed request (counted as an error) takes a fresh one from that pool.
 */
export function rotatingRefresh(): Scenario {
  const pool: string[] = []
  const returned: string[] = []
  const body = (token: string): string => `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`
  return {
    name: 'refresh_token (rotating)',
    path: '/token',
    method: 'POST',
    headers: { ...form, authorization: basic },
    body: () => body(returned.pop() ?? pool.pop() ?? 'no-token-left'),
    onResponse: (status, text) => {
      const token = status === 200 ? (JSON.parse(text) as { refresh_token?: string }).refresh_token : undefined
      if (token !== undefined) returned.push(token)
    },
    prepare: async (baseUrl) => {
      pool.length = 0
      returned.length = 0
      // Starting tokens for every connection of the check, the warm-up and the run, with room to spare.
      const issued = await Promise.all(
        Array.from({ length: 200 }, async () => {
          const response = await fetch(`${baseUrl}/token`, {
            method: 'POST',
            headers: { ...form, authorization: basic },
            body: 'grant_type=password&username=bench&password=bench&scope=read',
          })
          const json = (await response.json()) as { refresh_token?: string }
          if (json.refresh_token === undefined) throw new Error(`no refresh token from ${baseUrl}`)
          return json.refresh_token
        }),
      )
      pool.push(...issued)
    },
  }
}

/**
 * The PKCE pair (S256, RFC 7636) every pre-issued code is bound to: the verifier of RFC 7636 appendix B
 * and its challenge. One pair for all codes is fine for a benchmark: the server's work does not depend on it.
 */
export const BENCH_PKCE = {
  verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
  challenge: createHash('sha256').update('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk').digest('base64url'),
} as const

/**
 * The authorization request a code is issued for: the bench client, PKCE S256, and `scope` (`read` unless
 * told); with `nonce`, an OpenID Connect request's `nonce` (Core 1.0 section 3.1.2.1), which the ID token echoes.
 */
const authorizationRequest = (scope = 'read', nonce?: string): string =>
  new URLSearchParams({
    response_type: 'code',
    client_id: BENCH_CLIENT.clientId,
    redirect_uri: BENCH_CLIENT.redirectUri,
    scope,
    state: 'bench',
    code_challenge: BENCH_PKCE.challenge,
    code_challenge_method: 'S256',
    ...(nonce === undefined ? {} : { nonce }),
  }).toString()

/** The scope of the OpenID Connect scenarios: an ID token, and `profile` claims at `/userinfo`. */
export const OIDC_SCOPE = 'openid profile'
/** The OpenID Connect scenarios' authorization request (with a nonce, as relying parties send one). */
const oidcRequest = authorizationRequest(OIDC_SCOPE, 'bench-nonce-0123456789')

/** The code in an authorization response's redirect to the bench client; throws for anything else. */
function codeFrom(location: string | null, where: string): string {
  const url = location?.startsWith(`${BENCH_CLIENT.redirectUri}?`) === true ? new URL(location) : undefined
  const code = url?.searchParams.get('code')
  if (url === undefined || code === null || code === undefined || url.searchParams.get('state') !== 'bench') {
    throw new Error(`${where}: the authorization response carries no code: ${location}`)
  }
  return code
}

/**
 * One code through the server's real authorization endpoint over HTTP (GET /authorize): follows the
 * redirects inside the server (e.g. oidc-provider's interaction, which the bench server approves for
 * the bench user) with a cookie jar, until the redirect to the client.
 */
async function authorizeOverHttp(baseUrl: string, request: string): Promise<string> {
  const jar = new Map<string, string>()
  let url = `${baseUrl}/authorize?${request}`
  for (let hop = 0; hop < 6; hop++) {
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
    const response = await fetch(url, { redirect: 'manual', headers: cookie === '' ? {} : { cookie } })
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? ''
      jar.set(pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1))
    }
    const text = await response.text()
    const location = response.headers.get('location')
    if (location === null) throw new Error(`GET ${url}: ${response.status} without a redirect: ${text.slice(0, 500)}`)
    if (location.startsWith(BENCH_CLIENT.redirectUri)) return codeFrom(location, `GET ${url}`)
    url = new URL(location, url).toString()
  }
  throw new Error(`${baseUrl}/authorize: too many redirects`)
}

/** `count` codes from the server's bench-only route (its authorization endpoint run in-process). */
async function issueCodes(baseUrl: string, count: number, request: string): Promise<string[]> {
  const response = await fetch(`${baseUrl}${BENCH_CODES_PATH}?count=${count}`, {
    method: 'POST',
    headers: form,
    body: request,
  })
  if (response.status !== 200) throw new Error(`${BENCH_CODES_PATH} at ${baseUrl}: ${response.status} ${await response.text()}`)
  const locations = (await response.json()) as (string | null)[]
  if (locations.length !== count) throw new Error(`${BENCH_CODES_PATH} at ${baseUrl}: ${locations.length} codes, not ${count}`)
  return locations.map((location) => codeFrom(location, `${BENCH_CODES_PATH} at ${baseUrl}`))
}

/** The token request that redeems `code`. */
const exchangeBody = (code: string): string =>
  `grant_type=authorization_code&code=${encodeURIComponent(code)}&redirect_uri=${encodeURIComponent(BENCH_CLIENT.redirectUri)}&code_verifier=${BENCH_PKCE.verifier}`

/**
 * `authorization_code` exchange from pre-issued codes: every request presents a different, fresh code
 * at the token endpoint, with its redirect URI, the PKCE verifier and client_secret_basic.
 *
 * `prepare` issues 20 000 codes per second of warm-up and run (100 000 for a quick run) before the load,
 * through the server's bench-only route (`POST /bench/codes`, the library's own authorization endpoint run
 * in-process for the bench user; each server's header says how) — for a slow server, as many as it issues
 * in 1.5 × the warm-up and run time — and checks, with one more code issued through the real `GET /authorize`
 * over HTTP, that a code is single-use: its first exchange must give 200 and its second 400, or the run
 * fails and gives no number. A code is never presented twice during the load: should the codes run out,
 * the remaining requests carry an unknown code and fail (counted as errors).
 */
export function authorizationCode(): Scenario {
  return codeExchange('authorization_code (pre-issued codes)', authorizationRequest(), /"access_token"/)
}

/**
 * The same exchange for OpenID Connect (`--oidc`): codes issued for scope `openid profile` with a nonce,
 * so that every exchange also returns an ID token (RS256: the bench client registers no other algorithm),
 * which the single-use check requires in the first answer.
 */
export function oidcCodeExchange(): Scenario {
  return codeExchange('authorization_code + RS256 ID token (openid)', oidcRequest, /"access_token".*"id_token"|"id_token".*"access_token"/)
}

/** The code-exchange scenario for codes of `request`; `issued` must match the probe's first answer. */
function codeExchange(name: string, request: string, issued: RegExp): Scenario {
  const codes: string[] = []
  let next = 0
  return {
    name,
    path: '/token',
    method: 'POST',
    headers: { ...form, authorization: basic },
    body: () => exchangeBody(codes[next++] ?? 'no-code-left'),
    varies: true,
    prepare: async (baseUrl, count) => {
      codes.length = 0
      next = 0
      // The harness asks for 40 000 × (warm-up + run seconds) codes: issue 20 000 per second of load (100 000
      // for a quick run; the fastest server here redeems about 12 000 a second). A server issues a code
      // in-process for no more work than it redeems one over HTTP (the redemption issues tokens too), so
      // issuing for at most 1.5 × the load's time still leaves enough for the slow ones, without minutes
      // of issuing.
      const seconds = count / 40_000
      const wanted = Math.max(1, Math.round(20_000 * seconds))
      const deadline = Date.now() + seconds * 1_500
      while (codes.length < wanted && (codes.length === 0 || Date.now() < deadline)) {
        codes.push(...(await issueCodes(baseUrl, Math.min(1_000, wanted - codes.length), request)))
      }
      const probe = await authorizeOverHttp(baseUrl, request)
      const answers: string[] = []
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await fetch(`${baseUrl}/token`, {
          method: 'POST',
          headers: { ...form, authorization: basic },
          body: exchangeBody(probe),
        })
        answers.push(`${response.status} ${await response.text()}`)
      }
      if (!answers[0]?.startsWith('200 ') || !issued.test(answers[0]) || !answers[1]?.startsWith('400 ')) {
        throw new Error(`${baseUrl}: a code exchanged twice must give 200 (with its tokens) then 400, got: ${answers.join(' / ')}`)
      }
    },
  }
}

/** Fetches one client-credentials access token from the server under test. */
async function oneToken(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/token`, {
    method: 'POST',
    headers: { ...form, authorization: basic },
    body: 'grant_type=client_credentials&scope=read',
  })
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

/**
 * OpenID Connect UserInfo (Core 1.0 section 5.3): `GET /userinfo` with a bearer access token (RFC 6750
 * header) of an `openid profile` grant, which `prepare` obtains through one real code exchange (a code
 * from the bench-only route, redeemed at `/token`). The answer is `sub` and the user's profile claims.
 */
export function userinfo(): Scenario {
  const headers: Record<string, string> = {}
  return {
    name: 'userinfo (GET, bearer)',
    path: '/userinfo',
    method: 'GET',
    headers,
    body: () => undefined,
    prepare: async (baseUrl) => {
      const [code] = await issueCodes(baseUrl, 1, oidcRequest)
      const response = await fetch(`${baseUrl}/token`, {
        method: 'POST',
        headers: { ...form, authorization: basic },
        body: exchangeBody(code ?? ''),
      })
      const json = (await response.json()) as { access_token?: string; id_token?: string }
      if (json.access_token === undefined || json.id_token === undefined) throw new Error(`no access and ID token from ${baseUrl}`)
      headers.authorization = `Bearer ${json.access_token}`
      // The answer must carry the profile claim, so that both servers do the same work.
      const answer = await fetch(`${baseUrl}/userinfo`, { headers })
      const text = await answer.text()
      if (answer.status !== 200 || !text.includes('"name"')) throw new Error(`${baseUrl}/userinfo: ${answer.status} ${text}`)
    },
  }
}

/**
 * `client_credentials` while 100 dynamic registrations a second (RFC 7591, public clients) go to the same
 * server (issue 14: the token endpoint within 10% of `client_credentials` alone). The registrations come
 * from a process of their own, so their client work does not stall the load generator's event loop (it
 * did when they were sent from the bench process: the load generator, not the server, lost the 10%).
 * They run through warm-up and measurement: `prepare` is told 40 000 requests per second of both, which
 * gives their length.
 */
export function clientCredentialsWithRegistrations(perSecond = 100): Scenario {
  const body = JSON.stringify({ redirect_uris: ['http://127.0.0.1:33418/callback'], token_endpoint_auth_method: 'none' })
  // The sender: `perSecond / 10` registrations every 100 ms until `until`, then one line of counts.
  const sender = `
    const http = require('node:http')
    // node:http with keep-alive, not fetch: the sender's own CPU competes with the server on this machine.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 10 })
    const [baseUrl, perSecond, until, body] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3]), process.argv[4]]
    const started = Date.now()
    let created = 0
    let refused = 0
    const timer = setInterval(() => {
      if (Date.now() > until) {
        clearInterval(timer)
        const rate = created / ((Date.now() - started) / 1000)
        const line = 'registrations beside the load: ' + created + ' answered 201 (' + rate.toFixed(0) + '/s), ' + refused + ' not'
        console.error(refused > 0 || rate < perSecond * 0.9 ? 'WARNING ' + line : line)
        setTimeout(() => process.exit(0), 200)
        return
      }
      for (let i = 0; i < perSecond / 10; i++) {
        const request = http.request(baseUrl + '/register', { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
          if (response.statusCode === 201) created++
          else refused++
          response.resume()
        })
        request.on('error', () => refused++)
        request.end(body)
      }
    }, 100)`
  return {
    ...clientCredentials,
    name: `client_credentials + ${perSecond} registrations/s`,
    prepare: async (baseUrl, count) => {
      // Until the end of warm-up and run (the server stops then: later registrations would only fail).
      const until = Date.now() + (count / 40_000) * 1000 - 100
      const child = spawn(process.execPath, ['-e', sender, baseUrl, String(perSecond), String(until), body], {
        stdio: ['ignore', 'ignore', 'inherit'],
      })
      child.unref()
    },
  }
}
