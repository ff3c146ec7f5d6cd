/**
 * `npm run example -- own-login` (examples/own-login.ts, docs/own-login.md) over real HTTP: an Express app
 * with its own users table and session, oauth2-stack asking only for consent. A browser (fetch and a
 * cookie jar) is sent to the app's login page and back, consents, and the client (oauth4webapi) redeems
 * the code with PKCE, calls the guarded API with the JWT, refreshes and revokes. The `return_to` of the
 * login page never leaves the origin.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { safeReturnTo } from '../../examples/shared/own-login-site-adapter.ts'
import { stopChild, waitForOutput } from '../helpers/child-output.ts'

const root = new URL('../../', import.meta.url)
const insecure: { [oauth.allowInsecureRequests]: true } = { [oauth.allowInsecureRequests]: true }
const client: oauth.Client = { client_id: 'notes-app' }
const REDIRECT = 'http://localhost:9090/callback'

/** Waits into the next second: a person's sign-in comes seconds after the page asked for it, and `auth_time` counts in seconds. */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1010 - (Date.now() % 1000)))
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

/** A browser: cookies kept per name (every path, as the app's pages all share one origin), redirects not followed. */
class Browser {
  readonly cookies = new Map<string, string>()

  async get(url: string): Promise<Response> {
    return this.#send(url, { method: 'GET' })
  }

  async post(url: string, form: Record<string, string>): Promise<Response> {
    return this.#send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    })
  }

  async #send(url: string, init: RequestInit): Promise<Response> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie } })
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const index = pair.indexOf('=')
      const name = pair.slice(0, index).trim()
      const value = pair.slice(index + 1).trim()
      const expired = attributes.some(
        (attribute) => /^\s*max-age=0\s*$/i.test(attribute) || /^\s*expires=Thu, 01 Jan 1970/i.test(attribute),
      )
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return response
  }
}

/** A hidden field's value in a page. */
function field(page: string, name: string): string {
  const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1]
  if (value === undefined) throw new Error(`no field ${name} in:\n${page}`)
  return value.replaceAll('&amp;', '&').replaceAll('&#39;', "'").replaceAll('&quot;', '"')
}

describe('examples: npm run example -- own-login', () => {
  let child: ChildProcess
  let base: string
  let as: oauth.AuthorizationServer
  const dir = mkdtempSync(join(tmpdir(), 'own-login-'))

  let port: number

  /** Starts the example as `npm run example -- own-login` does, on a database file that outlives it. */
  async function start(onPort: number): Promise<ChildProcess> {
    const started = spawn(
      process.execPath,
      [
        '--conditions=oauth2-stack:source',
        '--import',
        'tsx',
        '--import',
        './test/helpers/announce-listening.ts',
        'examples/run.ts',
        'own-login',
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          PORT: String(onPort),
          TSX_TSCONFIG_PATH: 'tsconfig.json',
          OWN_LOGIN_DB: join(dir, 'app.db'),
          OAUTH2_STACK_KEY_SECRET: 'a test secret of at least thirty-two bytes, not a real one',
        },
      },
    )
    await waitForOutput(started, /^LISTENING \d+$/m)
    return started
  }

  beforeAll(async () => {
    port = await freePort()
    base = `http://localhost:${port}`
    as = {
      issuer: `${base}/oauth`,
      authorization_endpoint: `${base}/oauth/authorize`,
      token_endpoint: `${base}/oauth/token`,
      revocation_endpoint: `${base}/oauth/revoke`,
    }
    child = await start(port)
  }, 30_000)

  afterAll(async () => {
    await stopChild(child)
    rmSync(dir, { recursive: true, force: true })
  })

  /** An authorization request of the client, with a fresh state and PKCE verifier. */
  async function authorizeUrl(scope = 'profile'): Promise<{ url: string; path: string; state: string; verifier: string }> {
    const state = oauth.generateRandomState()
    const verifier = oauth.generateRandomCodeVerifier()
    const url = new URL(`${base}/oauth/authorize`)
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      scope,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString()
    return { url: url.toString(), path: url.pathname + url.search, state, verifier }
  }

  /** Signs in on the app's login page reached at `loginUrl`; returns the answer to the POST. */
  async function signIn(
    browser: Browser,
    loginUrl: string,
    password = 'wonderland',
    returnTo?: string,
    username = 'alice',
  ): Promise<Response> {
    const form = await browser.get(loginUrl)
    expect(form.status).toBe(200)
    const page = await form.text()
    return browser.post(`${base}/login`, {
      csrf: field(page, 'csrf'),
      return_to: returnTo ?? field(page, 'return_to'),
      username,
      password,
    })
  }

  /** Runs an authorization as alice to the end (login and consent when asked) and redeems the code. */
  async function obtainTokens(browser: Browser): Promise<oauth.TokenEndpointResponse> {
    const request = await authorizeUrl()
    let answer = await browser.get(request.url)
    if (answer.status === 303 && answer.headers.get('location')!.startsWith('/login')) {
      const back = await signIn(browser, new URL(answer.headers.get('location')!, base).toString())
      answer = await browser.get(new URL(back.headers.get('location')!, base).toString())
    }
    if (answer.status === 200) {
      const page = await answer.text()
      const formAction = /<form method="post" action="([^"]+)"/.exec(page)![1]!.replaceAll('&amp;', '&')
      answer = await browser.post(new URL(formAction, base).toString(), { csrf_token: field(page, 'csrf_token'), action: 'approve' })
    }
    const callback = oauth.validateAuthResponse(as, client, new URL(answer.headers.get('location')!), request.state)
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, REDIRECT, request.verifier, insecure)
    return oauth.processAuthorizationCodeResponse(as, client, response)
  }

  async function callApi(token: string): Promise<Response> {
    return fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${token}` } })
  }

  it('sends the anonymous user to the login page and back, shows only consent, and the tokens work until revoked', async () => {
    const browser = new Browser()
    const request = await authorizeUrl()

    // Anonymous: 303 to the app's login page, carrying the authorization request (oauth2-stack's form action).
    const anonymous = await browser.get(request.url)
    expect(anonymous.status).toBe(303)
    const login = new URL(anonymous.headers.get('location')!, base)
    expect(login.pathname).toBe('/login')
    const returnTo = login.searchParams.get('return_to')!
    const back = new URL(returnTo, base)
    expect(back.pathname).toBe('/oauth/authorize')
    for (const [name, value] of new URL(request.url).searchParams) expect(back.searchParams.get(name), name).toBe(value)
    // Nothing asked to sign in again: no re-authentication mark.
    expect(back.searchParams.has('reauth_since')).toBe(false)

    // A wrong password stays on the login page; the right one returns to the authorization request.
    expect((await signIn(browser, login.toString(), 'not the password')).status).toBe(401)
    const signedIn = await signIn(browser, login.toString())
    expect(signedIn.status).toBe(303)
    expect(signedIn.headers.get('location')).toBe(returnTo)
    expect(browser.cookies.has('app_session')).toBe(true)

    // Signed in: oauth2-stack shows the consent page only (no password field), for the app's user.
    const consent = await browser.get(new URL(signedIn.headers.get('location')!, base).toString())
    expect(consent.status).toBe(200)
    const consentPage = await consent.text()
    expect(consentPage).toContain('Signed in as <strong>u-alice</strong>')
    expect(consentPage).not.toContain('type="password"')
    const formAction = /<form method="post" action="([^"]+)"/.exec(consentPage)![1]!.replaceAll('&amp;', '&')
    const approved = await browser.post(new URL(formAction, base).toString(), {
      csrf_token: field(consentPage, 'csrf_token'),
      action: 'approve',
    })
    expect(approved.status).toBe(303)
    const callback = oauth.validateAuthResponse(as, client, new URL(approved.headers.get('location')!), request.state)

    // The client redeems the code with PKCE: a JWT access token and a refresh token.
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, REDIRECT, request.verifier, insecure),
    )
    expect(tokens.access_token.split('.')).toHaveLength(3)
    expect(tokens.refresh_token).toEqual(expect.any(String))
    const me = await callApi(tokens.access_token)
    expect(me.status).toBe(200)
    expect(await me.json()).toEqual({ user: 'u-alice', client: 'notes-app', scopes: ['profile'] })

    // Consent is remembered: the same request again goes straight back to the client, no page.
    const again = await authorizeUrl()
    const silent = await browser.get(again.url)
    expect(silent.status).toBe(302)
    expect(oauth.validateAuthResponse(as, client, new URL(silent.headers.get('location')!), again.state).get('code')).toBeTruthy()

    // Refresh: a new access token the API accepts.
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure),
    )
    expect(refreshed.access_token).not.toBe(tokens.access_token)
    expect((await callApi(refreshed.access_token)).status).toBe(200)

    // Revocation (RFC 7009): the API refuses the JWT before it expires (the guard checks the store too).
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), refreshed.access_token, insecure))
    const refused = await callApi(refreshed.access_token)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"')
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), refreshed.refresh_token!, insecure))
    const refreshAfterRevoke = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshed.refresh_token!, insecure)
    expect(refreshAfterRevoke.status).toBe(400)
    expect(((await refreshAfterRevoke.json()) as { error: string }).error).toBe('invalid_grant')
  })

  it('refuses anything but a same-origin path as return_to (no open redirect)', async () => {
    const browser = new Browser()
    for (const evil of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/%0d%0aLocation:%20x']) {
      const form = await browser.get(`${base}/login?return_to=${encodeURIComponent(evil)}`)
      expect(field(await form.text(), 'return_to'), evil).toBe(evil.startsWith('/%0d') ? evil : '/')
    }
    // Posted directly, too: after the sign-in the browser goes home, not to the attacker.
    const signedIn = await signIn(browser, `${base}/login`, 'wonderland', 'https://evil.example/steal')
    expect(signedIn.status).toBe(303)
    expect(signedIn.headers.get('location')).toBe('/')
    const backslash = await signIn(new Browser(), `${base}/login`, 'wonderland', '/\\evil.example/steal')
    expect(backslash.headers.get('location')).toBe('/')
  })

  it('refuses a login POST without the form’s CSRF cookie (no login CSRF)', async () => {
    const browser = new Browser()
    const answer = await browser.post(`${base}/login`, { csrf: 'forged', return_to: '/', username: 'alice', password: 'wonderland' })
    expect(answer.status).toBe(403)
    expect(browser.cookies.has('app_session')).toBe(false)
  })

  it('logging out of the app ends oauth2-stack’s session too: the next authorization asks to sign in', async () => {
    const browser = new Browser()
    const first = await authorizeUrl()
    const login = new URL((await browser.get(first.url)).headers.get('location')!, base)
    await browser.get(new URL((await signIn(browser, login.toString())).headers.get('location')!, base).toString())
    expect(browser.cookies.has('oauth2_session')).toBe(true)
    const stale = browser.cookies.get('oauth2_session')!
    expect((await browser.post(`${base}/logout`, {})).status).toBe(303)
    expect(browser.cookies.has('app_session')).toBe(false)
    // The next authorization: oauth2-stack asks currentUser, finds nobody, ends its session and sends her to sign in.
    const next = await browser.get((await authorizeUrl()).url)
    expect(next.status).toBe(303)
    expect(new URL(next.headers.get('location')!, base).pathname).toBe('/login')
    expect(browser.cookies.has('oauth2_session')).toBe(false)
    // Even a browser that kept the old cookie is sent to the login page: the session is gone from the store.
    browser.cookies.set('oauth2_session', stale)
    const again = await browser.get((await authorizeUrl()).url)
    expect(again.status).toBe(303)
    expect(new URL(again.headers.get('location')!, base).pathname).toBe('/login')
  })

  it('a browser whose app session is gone is not signed in by oauth2-stack’s session alone', async () => {
    const browser = new Browser()
    const first = await authorizeUrl()
    const login = new URL((await browser.get(first.url)).headers.get('location')!, base)
    await browser.get(new URL((await signIn(browser, login.toString())).headers.get('location')!, base).toString())
    expect(browser.cookies.has('oauth2_session')).toBe(true)
    // The app's session ended without /logout (expired, deleted): the app's session is the truth.
    browser.cookies.delete('app_session')
    const next = await browser.get((await authorizeUrl()).url)
    expect(next.status).toBe(303)
    expect(new URL(next.headers.get('location')!, base).pathname).toBe('/login')
  })

  it('another user signing in to the app in the same browser is the one oauth2-stack sees', async () => {
    const browser = new Browser()
    const first = await authorizeUrl()
    const login = new URL((await browser.get(first.url)).headers.get('location')!, base)
    await browser.get(new URL((await signIn(browser, login.toString())).headers.get('location')!, base).toString())
    const aliceSession = browser.cookies.get('oauth2_session')
    expect(aliceSession).toBeDefined()
    // Bob signs in on the app's page (reached directly): oauth2-stack's session for alice must not answer for him.
    const bob = await signIn(browser, `${base}/login?reauth=1`, 'looking-glass', '/', 'bob')
    expect(bob.status).toBe(303)
    expect(browser.cookies.get('oauth2_session')).toBe(aliceSession)
    const consent = await browser.get((await authorizeUrl()).url)
    expect(consent.status).toBe(200)
    expect(await consent.text()).toContain('Signed in as <strong>u-bob</strong>')
    expect(browser.cookies.get('oauth2_session')).not.toBe(aliceSession)
  })

  it('prompt=login sends a signed-in user to the login form; only the sign-in after it satisfies it', async () => {
    const browser = new Browser()
    // A scope not allowed before, so the consent page shows whichever test ran first.
    const request = await authorizeUrl('profile notes')
    const login = new URL((await browser.get(request.url)).headers.get('location')!, base)
    await signIn(browser, login.toString())
    const prompted = new URL(request.url)
    prompted.searchParams.set('prompt', 'login')
    await nextSecond()
    const relogin = await browser.get(prompted.toString())
    expect(relogin.status).toBe(303)
    const page = new URL(relogin.headers.get('location')!, base)
    expect(page.searchParams.get('reauth')).toBe('1')
    // The way back carries the request's prompt=login and oauth2-stack's mark of when it asked.
    const returnTo = page.searchParams.get('return_to')!
    const marked = new URL(returnTo, base)
    expect(marked.searchParams.get('prompt')).toBe('login')
    expect(marked.searchParams.get('reauth_since')).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/)

    // Straight back with the app's earlier sign-in (no new password): refused to the client, no second trip.
    const stale = await browser.get(new URL(returnTo, base).toString())
    expect(stale.status).toBe(302)
    const refused = new URL(stale.headers.get('location')!)
    expect(refused.origin + refused.pathname).toBe(REDIRECT)
    expect(refused.searchParams.get('error')).toBe('login_required')
    expect(refused.searchParams.get('state')).toBe(request.state)

    // Signed in again on the app's form: back to the same marked request, which the new sign-in satisfies.
    await nextSecond()
    const back = await signIn(browser, page.toString())
    expect(back.headers.get('location')).toBe(returnTo)
    const consent = await browser.get(new URL(returnTo, base).toString())
    expect(consent.status).toBe(200)
    const consentPage = await consent.text()
    expect(consentPage).toContain('asks for access')
    const formAction = /<form method="post" action="([^"]+)"/.exec(consentPage)![1]!.replaceAll('&amp;', '&')
    const approved = await browser.post(new URL(formAction, base).toString(), {
      csrf_token: field(consentPage, 'csrf_token'),
      action: 'approve',
    })
    expect(approved.status).toBe(303)
    expect(oauth.validateAuthResponse(as, client, new URL(approved.headers.get('location')!), request.state).get('code')).toBeTruthy()
  })

  it('keeps users, sessions, consent, keys and tokens in SQLite across a restart', async () => {
    const browser = new Browser()
    const tokens = await obtainTokens(browser)
    await stopChild(child)
    child = await start(port)
    // The key set is opened again with the same secret: the JWT signed before the restart still verifies.
    expect((await callApi(tokens.access_token)).status).toBe(200)
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure),
    )
    expect((await callApi(refreshed.access_token)).status).toBe(200)
    // The app's session and the remembered consent survive too: no page at all.
    const again = await authorizeUrl()
    const silent = await browser.get(again.url)
    expect(silent.status).toBe(302)
    expect(oauth.validateAuthResponse(as, client, new URL(silent.headers.get('location')!), again.state).get('code')).toBeTruthy()
  }, 30_000)
})

describe('own-login: return_to rules', () => {
  it.each([
    ['/oauth/authorize?a=1', '/oauth/authorize?a=1'],
    ['/', '/'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example', '/'],
    ['evil', '/'],
    ['/a\nb', '/'],
    [undefined, '/'],
    [['/a', '/b'], '/'],
  ])('safeReturnTo(%j) is %j', (value, expected) => {
    expect(safeReturnTo(value, 'http://localhost:8080')).toBe(expected)
  })
})
