/**
 * The demo in a real browser (Debian's Chromium through playwright-core): sign in as demo/demo and
 * approve or deny on the consent page, land on the client's callback (intercepted, so nothing leaves
 * the machine), exchange the code; the consent page's accessibility (labels, focus order, contrast,
 * phone width); and the playground completing the authorization-code flow under its CSP.
 *
 * Needs /usr/bin/chromium. In CI (CI set) a missing Chromium fails the suite; locally it is skipped
 * with a warning.
 */
import { describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { DEMO } from '../../src/cli/demo-server.ts'
import { ARTIFACTS, SLOW, chromiumSkipped, useChromiumDemo, watchedPage } from '../helpers/chromium.ts'

const skipped = chromiumSkipped('test/browser/demo.test.ts')

/**
 * Runs in the page (as a string: the test project has no DOM types): the WCAG 2 contrast ratio of the
 * consent page's text and buttons against what is behind them.
 */
const CONTRAST_SCRIPT = `(() => {
  const rgb = (value) => (value.match(/[\\d.]+/g) || []).slice(0, 3).map(Number)
  const channel = (c) => { const s = c / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4 }
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
  const ratio = (a, b) => { const [x, y] = [luminance(rgb(a)), luminance(rgb(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05) }
  const card = getComputedStyle(document.querySelector('main')).backgroundColor
  const color = (selector) => getComputedStyle(document.querySelector(selector)).color
  const allow = getComputedStyle(document.querySelector('button[value=approve]'))
  return {
    heading: ratio(color('h1'), card),
    label: ratio(color('label'), card),
    scope: ratio(color('.scope'), card),
    note: ratio(color('.note'), card),
    hint: ratio(color('.hint'), card),
    allow: ratio(allow.color, allow.backgroundColor),
    deny: ratio(color('button[value=deny]'), card),
  }
})()`
const seen: Record<string, string> = {}

describe.skipIf(skipped)('the demo in Chromium', () => {
  const suite = useChromiumDemo({ port: 0 }, { requestLog: true })

  /** A page whose navigations to the demo's redirect URI are answered locally and recorded. */
  async function openConsent(context: BrowserContext): Promise<{ page: Page; callbacks: URL[]; requests: string[] }> {
    const page = await context.newPage()
    const callbacks: URL[] = []
    const requests: string[] = []
    page.on('request', (request) => requests.push(request.url()))
    await page.route(`${DEMO.redirectUri}**`, (route) => {
      callbacks.push(new URL(route.request().url()))
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>callback</title><p>Client callback</p>' })
    })
    await page.goto(suite.demo.authorizationUrl)
    return { page, callbacks, requests }
  }

  it(
    'sign in as demo/demo and allow: the browser lands on the callback with a code that the token endpoint exchanges',
    async () => {
      const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } })
      try {
        const { page, callbacks } = await openConsent(context)
        await expect.poll(() => page.title()).toBe('Sign in to continue to Demo App (abc)')
        await page.screenshot({ path: new URL('consent.png', ARTIFACTS).pathname, fullPage: true })
        await page.getByLabel('Username').fill(DEMO.user.username)
        await page.getByLabel('Password').fill(DEMO.user.password)
        await page.getByRole('button', { name: 'Sign in and allow' }).click()
        await page.waitForURL(`${DEMO.redirectUri}**`)
        expect(callbacks).toHaveLength(1)
        const params = callbacks[0]?.searchParams
        expect(params?.get('iss')).toBe(suite.demo.issuer)
        expect(params?.get('state')).toBe(new URL(suite.demo.authorizationUrl).searchParams.get('state'))
        const code = params?.get('code') ?? ''
        expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/)
        seen.code = code
        const exchanged = await fetch(`${suite.demo.issuer}/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from('abc:xyz').toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            redirect_uri: DEMO.redirectUri,
            code_verifier: suite.demo.codeVerifier,
          }),
        })
        const tokens = (await exchanged.json()) as Record<string, unknown>
        expect(exchanged.status).toBe(200)
        expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'profile email' })
        seen.accessToken = String(tokens.access_token)
        seen.refreshToken = String(tokens.refresh_token)
      } finally {
        await context.close()
      }
    },
    SLOW,
  )

  it(
    'deny: the browser lands on the callback with access_denied, state and iss, and no code',
    async () => {
      const context = await suite.browser.newContext()
      try {
        const { page, callbacks } = await openConsent(context)
        await page.getByRole('button', { name: 'Deny' }).click()
        await page.waitForURL(`${DEMO.redirectUri}**`)
        const params = callbacks[0]?.searchParams
        expect(params?.get('error')).toBe('access_denied')
        expect(params?.get('iss')).toBe(suite.demo.issuer)
        expect(params?.has('state')).toBe(true)
        expect(params?.has('code')).toBe(false)
      } finally {
        await context.close()
      }
    },
    SLOW,
  )

  it(
    'a wrong password shows an announced error tied to the fields, and the password field gets the focus',
    async () => {
      const context = await suite.browser.newContext()
      try {
        const { page, callbacks } = await openConsent(context)
        await page.getByLabel('Username').fill('demo')
        await page.getByLabel('Password').fill('wrong')
        await page.getByRole('button', { name: 'Sign in and allow' }).click()
        await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong username or password.')
        expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true')
        expect(await page.getByLabel('Password').getAttribute('aria-describedby')).toBe('error')
        expect(await page.locator(':focus').getAttribute('id')).toBe('password')
        expect(await page.getByLabel('Username').inputValue()).toBe('demo')
        expect(callbacks).toEqual([])
      } finally {
        await context.close()
      }
    },
    SLOW,
  )

  it(
    'the consent page: names the client and each scope in plain words, keyboard order username, password, allow, deny',
    async () => {
      const context = await suite.browser.newContext()
      try {
        const { page, requests } = await openConsent(context)
        await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to continue to Demo App (abc)')
        expect(await page.getByRole('list', { name: 'Demo App (abc) wants to' }).getByRole('listitem').allTextContents()).toEqual([
          '✓See your name (profile)',
          '✓See your email address (email)',
        ])
        expect(await page.locator(':focus').getAttribute('id')).toBe('username')
        const order: string[] = []
        for (let i = 0; i < 3; i++) {
          await page.keyboard.press('Tab')
          const focused = page.locator(':focus')
          order.push(`${(await focused.getAttribute('name')) ?? ''}:${(await focused.getAttribute('value')) ?? ''}`)
        }
        expect(order).toEqual(['password:', 'action:approve', 'action:deny'])
        // One request for the page itself, nothing else: everything it needs is inline.
        expect(requests).toEqual([suite.demo.authorizationUrl])
      } finally {
        await context.close()
      }
    },
    SLOW,
  )

  for (const colorScheme of ['light', 'dark'] as const) {
    it(
      `text and buttons meet WCAG AA contrast (4.5:1) in ${colorScheme} mode`,
      async () => {
        const context = await suite.browser.newContext({ colorScheme })
        try {
          const { page } = await openConsent(context)
          const ratios = await page.evaluate<Record<string, number>>(CONTRAST_SCRIPT)
          expect(Object.keys(ratios)).toHaveLength(7)
          for (const [element, value] of Object.entries(ratios)) expect(value, element).toBeGreaterThanOrEqual(4.5)
        } finally {
          await context.close()
        }
      },
      SLOW,
    )
  }

  it(
    'on a phone: no sideways scrolling, 44px touch targets, 16px inputs; screenshot saved',
    async () => {
      const context = await suite.browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      })
      try {
        const { page } = await openConsent(context)
        await page.screenshot({ path: new URL('consent-phone.png', ARTIFACTS).pathname, fullPage: true })
        const layout = await page.evaluate<{ overflow: number; targets: number[]; fontSizes: string[] }>(`({
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        targets: [...document.querySelectorAll('button, input:not([type=hidden])')].map((element) => Math.round(element.getBoundingClientRect().height)),
        fontSizes: [...document.querySelectorAll('input:not([type=hidden])')].map((element) => getComputedStyle(element).fontSize),
      })`)
        expect(layout.overflow).toBeLessThanOrEqual(0)
        for (const height of layout.targets) expect(height).toBeGreaterThanOrEqual(44)
        expect(layout.fontSizes).toEqual(['16px', '16px'])
      } finally {
        await context.close()
      }
    },
    SLOW,
  )

  it(
    'the playground completes the authorization-code flow against the same server, under a nonce CSP',
    async () => {
      const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } })
      const problems: string[] = []
      try {
        const page = await watchedPage(context, problems)
        const response = await page.goto(`${suite.demo.issuer}/playground`)
        const csp = response?.headers()['content-security-policy'] ?? ''
        expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]{24}';/)
        expect(csp).not.toContain('unsafe-inline')
        expect(csp).toContain("connect-src 'self'")

        await expect.poll(() => page.locator('#diagram svg').count()).toBe(1)
        await page.getByRole('button', { name: 'Generate' }).click()
        await expect.poll(() => page.locator('[data-step="pkce"]').getAttribute('data-state')).toBe('done')
        await page.getByRole('button', { name: 'Open the sign-in page' }).click()
        await page.waitForURL(/\/authorize\?/)
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to continue to OAuth Playground')
        await page.getByLabel('Username').fill(DEMO.user.username)
        await page.getByLabel('Password').fill(DEMO.user.password)
        await page.getByRole('button', { name: 'Sign in and allow' }).click()
        // Back on the playground's registered callback; it reads the code and cleans the address bar.
        await page.waitForURL(`${suite.demo.issuer}/playground`)
        await expect.poll(() => page.locator('[data-step="callback"]').getAttribute('data-state')).toBe('done')
        expect(await page.locator('[data-step="callback"] dl').textContent()).toContain('matches what the app sent')
        await page.getByRole('button', { name: 'Send request' }).click()
        await expect.poll(() => page.locator('[data-step="token"]').getAttribute('data-state')).toBe('done')
        const shown = (await page.locator('[data-step="token"] pre.response').textContent()) ?? ''
        expect(shown).toMatch(/^HTTP\/1\.1 200 OK\n/)
        const body = JSON.parse(shown.slice(shown.indexOf('{'))) as Record<string, unknown>
        expect(body).toMatchObject({ token_type: 'Bearer', scope: 'openid profile email offline_access' })
        // The playground asks for every scope it is shown, openid among them: an OpenID Provider answers with an ID token.
        expect(typeof body.id_token).toBe('string')
        seen.playgroundAccessToken = String(body.access_token)
        seen.playgroundRefreshToken = String(body.refresh_token)
        expect(await page.locator('[data-step="finished"]').textContent()).toContain('the app holds an access token and a refresh token')
        // The diagram shows the flow: three lifelines and every arrow marked done.
        expect(await page.locator('#diagram .actor').count()).toBe(3)
        expect(await page.locator('#diagram .arrow:not(.done)').count()).toBe(0)
        await page.screenshot({ path: new URL('playground.png', ARTIFACTS).pathname, fullPage: true })

        // The access token is real: introspect it as the server sees it.
        const introspected = await fetch(`${suite.demo.issuer}/introspect`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from('abc:xyz').toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ token: seen.playgroundAccessToken }),
        })
        // abc may not see the playground client's token: RFC 7662 answers inactive for other clients' tokens.
        expect(await introspected.json()).toEqual({ active: false })
        expect(problems).toEqual([])
      } finally {
        await context.close()
      }
    },
    SLOW,
  )

  it(
    'the playground walks refresh with reuse detection, then client credentials, revocation and introspection',
    async () => {
      const context = await suite.browser.newContext()
      try {
        const page = await context.newPage()
        await page.goto(`${suite.demo.issuer}/playground`)
        // Run the code flow first (the refresh flow needs its refresh token).
        await page.getByRole('button', { name: 'Generate' }).click()
        await page.getByRole('button', { name: 'Open the sign-in page' }).click()
        await page.getByLabel('Username').fill(DEMO.user.username)
        await page.getByLabel('Password').fill(DEMO.user.password)
        await page.getByRole('button', { name: 'Sign in and allow' }).click()
        await page.waitForURL(`${suite.demo.issuer}/playground`)
        await page.getByRole('button', { name: 'Send request' }).click()
        await expect.poll(() => page.locator('[data-step="finished"]').count()).toBe(1)
        const expected: Record<string, string[]> = {
          'Refresh token': ['200 OK', '200 OK', '400 Bad Request', '400 Bad Request'],
          'Client credentials': ['200 OK'],
          Revocation: ['200 OK', '200 OK', '200 OK'],
          Introspection: ['200 OK', '200 OK', '200 OK'],
        }
        for (const [flow, statuses] of Object.entries(expected)) {
          await page.getByRole('radio', { name: new RegExp(`^${flow}`) }).check()
          for (let step = 0; step < statuses.length; step++) {
            await page.getByRole('button', { name: 'Send request' }).click()
            await expect.poll(() => page.locator('.step[data-state=done]').count()).toBe(step + 1 + (step + 1 === statuses.length ? 1 : 0))
          }
          const shown = await page.locator('pre.response').allTextContents()
          expect(
            shown.map((text) => text.split('\n')[0]),
            flow,
          ).toEqual(statuses.map((status) => `HTTP/1.1 ${status}`))
          expect(await page.locator('.step[data-state=failed]').count(), flow).toBe(0)
        }
        expect(await page.locator('pre.response').last().textContent()).toContain('"active": false')
      } finally {
        await context.close()
      }
    },
    SLOW,
  )

  it('the request log never holds the codes or tokens the browser saw, nor the Authorization header', () => {
    expect(Object.keys(seen).sort()).toEqual(['accessToken', 'code', 'playgroundAccessToken', 'playgroundRefreshToken', 'refreshToken'])
    const log = suite.logLines.join('\n')
    expect(suite.logLines.length).toBeGreaterThan(10)
    for (const [name, value] of Object.entries(seen)) expect(log.includes(value), name).toBe(false)
    expect(log).not.toContain(Buffer.from('abc:xyz').toString('base64'))
    expect(log).toContain('"code":"[redacted]"')
    expect(log).toContain('"password":"[redacted]"')
  })
})
