/**
 * Single sign-on in a real browser (Debian's Chromium through playwright-core), on the demo server whose
 * site adapter implements the login/consent split: sign in to one client with the password, then a second
 * client signs in without a password (a consent-only page, since the core's login session cookie is sent
 * on the relying party's top-level redirect), then the first client again without any page (remembered
 * consent). Then OpenID Connect: sign in for an ID token, a second client without a password, RP-Initiated
 * Logout at the discovery document's end_session_endpoint, and the next authorization asks for the password
 * again. Callbacks are intercepted, so nothing leaves the machine.
 *
 * Needs /usr/bin/chromium. In CI (CI set) a missing Chromium fails the suite; locally it is skipped
 * with a warning.
 */
import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { DEMO } from '../../src/cli/demo-server.ts'
import { DEMO_POST_LOGOUT_REDIRECT_URI } from '../../src/cli/demo-openid.ts'
import { SLOW, chromiumSkipped, useChromiumDemo } from '../helpers/chromium.ts'

const skipped = chromiumSkipped('test/browser/sso.test.ts')

/** Answers navigations to the demo's redirect URI locally and records them. */
async function interceptCallbacks(page: Page): Promise<URL[]> {
  const callbacks: URL[] = []
  await page.route(`${DEMO.redirectUri}**`, (route) => {
    callbacks.push(new URL(route.request().url()))
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>callback</title><p>Client callback</p>' })
  })
  return callbacks
}

describe.skipIf(skipped)('single sign-on in Chromium', () => {
  const suite = useChromiumDemo({ port: 0, playground: false })

  /** The authorization URL of a demo client (PKCE; the public one by default), and its verifier. */
  function publicClientUrl(clientId: string = DEMO.publicClient.clientId, scope = 'profile'): { url: string; verifier: string } {
    const verifier = randomBytes(32).toString('base64url')
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: DEMO.redirectUri,
      scope,
      state: 'second-client',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    })
    return { url: `${suite.demo.issuer}/authorize?${query.toString()}`, verifier }
  }

  it(
    'sign in → a second client signs in without a password → the first client again without any page',
    async () => {
      const context = await suite.browser.newContext()
      try {
        const page = await context.newPage()
        const callbacks = await interceptCallbacks(page)

        // 1. The first client: the login-and-consent page, with the password.
        await page.goto(suite.demo.authorizationUrl)
        await expect.poll(() => page.title()).toBe('Sign in to continue to Demo App (abc)')
        await page.getByLabel('Username').fill(DEMO.user.username)
        await page.getByLabel('Password').fill(DEMO.user.password)
        await page.getByRole('button', { name: 'Sign in and allow' }).click()
        await page.waitForURL(`${DEMO.redirectUri}**`)
        expect(callbacks).toHaveLength(1)
        expect(callbacks[0]?.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/)
        const session = (await context.cookies(suite.demo.issuer)).find((cookie) => cookie.name === 'oauth2_session')
        expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })

        // 2. A second client: no password field, only consent, naming the signed-in user.
        const second = publicClientUrl()
        await page.goto(second.url)
        await expect.poll(() => page.title()).toBe('Allow Demo Public App to use your account')
        expect(await page.getByLabel('Password').count()).toBe(0)
        expect(await page.locator('#signed-in').textContent()).toBe(`Signed in as ${DEMO.user.username}.`)
        await page.getByRole('button', { name: 'Allow' }).click()
        await page.waitForURL(`${DEMO.redirectUri}**`)
        expect(callbacks).toHaveLength(2)
        const params = callbacks[1]?.searchParams
        expect(params?.get('state')).toBe('second-client')
        expect(params?.get('iss')).toBe(suite.demo.issuer)
        const exchanged = await fetch(`${suite.demo.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            client_id: DEMO.publicClient.clientId,
            code: params?.get('code') ?? '',
            redirect_uri: DEMO.redirectUri,
            code_verifier: second.verifier,
          }),
        })
        expect(exchanged.status).toBe(200)

        // 3. The first client again: remembered consent and the session, so no page at all: the authorization
        // endpoint answers the navigation with a 302 straight to the client's callback. (Chromium reports
        // page.goto's redirect to an intercepted callback as a failed navigation; the 302 is what counts.)
        const answered = page.waitForResponse((response) => response.url().startsWith(`${suite.demo.issuer}/authorize`))
        await page.goto(suite.demo.authorizationUrl).catch(() => undefined)
        const response = await answered
        expect(response.status()).toBe(302)
        const location = new URL(response.headers()['location'] ?? '')
        expect(`${location.origin}${location.pathname}`).toBe(DEMO.redirectUri)
        expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/)
        expect(location.searchParams.get('iss')).toBe(suite.demo.issuer)
      } finally {
        await context.close()
      }
    },
    SLOW,
  )

  it(
    'OpenID Connect: sign in → a second client signs in without a password → logout at end_session → signed out',
    async () => {
      const context = await suite.browser.newContext()
      try {
        const page = await context.newPage()
        const callbacks = await interceptCallbacks(page)

        // 1. Client abc asks for an ID token: the password, and the ID token from the code.
        const first = publicClientUrl(DEMO.confidentialClient.clientId, 'openid profile')
        await page.goto(first.url)
        await page.getByLabel('Username').fill(DEMO.user.username)
        await page.getByLabel('Password').fill(DEMO.user.password)
        await page.getByRole('button', { name: 'Sign in and allow' }).click()
        await page.waitForURL(`${DEMO.redirectUri}**`)
        const exchanged = await fetch(`${suite.demo.issuer}/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${DEMO.confidentialClient.clientId}:${DEMO.confidentialClient.clientSecret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code: callbacks[0]?.searchParams.get('code') ?? '',
            redirect_uri: DEMO.redirectUri,
            code_verifier: first.verifier,
          }),
        })
        expect(exchanged.status).toBe(200)
        const idToken = String(((await exchanged.json()) as Record<string, unknown>).id_token)
        const claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
        expect(claims).toMatchObject({ iss: suite.demo.issuer, sub: DEMO.user.username, aud: DEMO.confidentialClient.clientId })

        // 2. The second client: consent only, no password.
        await page.goto(publicClientUrl(DEMO.publicClient.clientId, 'openid').url)
        await expect.poll(() => page.title()).toBe('Allow Demo Public App to use your account')
        expect(await page.getByLabel('Password').count()).toBe(0)
        await page.getByRole('button', { name: 'Allow' }).click()
        await page.waitForURL(`${DEMO.redirectUri}**`)
        expect(callbacks).toHaveLength(2)

        // 3. RP-Initiated Logout: the discovery document's end_session_endpoint, with the ID token as hint.
        const discovery = (await (await fetch(`${suite.demo.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
        const logout = new URL(String(discovery.end_session_endpoint))
        logout.search = new URLSearchParams({
          id_token_hint: idToken,
          post_logout_redirect_uri: DEMO_POST_LOGOUT_REDIRECT_URI,
          state: 'bye',
        }).toString()
        // The endpoint answers with a 302 to the registered URI (Chromium reports a redirect off the server as
        // a failed navigation, as above: the 302 and its Location are what count).
        const answered = page.waitForResponse((response) => response.url().startsWith(`${suite.demo.issuer}/end_session`))
        await page.goto(logout.href).catch(() => undefined)
        const response = await answered
        expect(response.status()).toBe(302)
        expect(response.headers()['location']).toBe(`${DEMO_POST_LOGOUT_REDIRECT_URI}?state=bye`)
        expect((await context.cookies(suite.demo.issuer)).find((cookie) => cookie.name === 'oauth2_session')).toBeUndefined()

        // 4. Signed out: the next authorization shows the login page again.
        // (A new tab of the same browser: the first one is still on Chromium's error page for the callback.)
        const next = await context.newPage()
        await interceptCallbacks(next)
        await next.goto(publicClientUrl().url)
        await expect.poll(() => next.title()).toBe('Sign in to continue to Demo Public App')
        expect(await next.getByLabel('Password').count()).toBe(1)
      } finally {
        await context.close()
      }
    },
    SLOW,
  )

  it(
    'another browser (a new context, no cookie) is asked for the password',
    async () => {
      const context = await suite.browser.newContext()
      try {
        const page = await context.newPage()
        await interceptCallbacks(page)
        await page.goto(publicClientUrl().url)
        await expect.poll(() => page.title()).toBe('Sign in to continue to Demo Public App')
        expect(await page.getByLabel('Password').count()).toBe(1)
      } finally {
        await context.close()
      }
    },
    SLOW,
  )
})
