/**
 * The playground's OpenID Connect flow in a real browser (Debian's Chromium through playwright-core),
 * against the real demo server: the authorization request with scope=openid and a nonce kept in the tab's
 * session storage, the code exchange, the ID token decoded in the page (header, payload, each claim
 * explained and checked, a wrong nonce refused), and /userinfo with the access token. The rest of the
 * playground is test/browser/demo.test.ts's.
 *
 * Needs /usr/bin/chromium. In CI (CI set) a missing Chromium fails the suite; locally it is skipped
 * with a warning.
 */
import { describe, expect, it } from 'vitest'
import { DEMO } from '../../src/cli/demo-server.ts'
import { ARTIFACTS, SLOW, chromiumSkipped, useChromiumDemo, watchedPage } from '../helpers/chromium.ts'

const skipped = chromiumSkipped('test/browser/playground-oidc.test.ts')

const seen: Record<string, string> = {}

describe.skipIf(skipped)("the playground's OpenID Connect flow in Chromium", () => {
  const suite = useChromiumDemo({ port: 0 }, { requestLog: true })

  it(
    'the playground signs in with OpenID Connect: nonce sent and kept, the ID token decoded and checked, then /userinfo',
    async () => {
      const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } })
      const problems: string[] = []
      const authorizeUrls: URL[] = []
      try {
        const page = await watchedPage(context, problems)
        page.on('request', (request) => {
          if (request.url().includes('/authorize?')) authorizeUrls.push(new URL(request.url()))
          if (request.url().includes('/playground/callback?')) seen.code = new URL(request.url()).searchParams.get('code') ?? ''
        })
        /** What the page keeps in this tab's session storage for the flow. */
        const stored = (): Promise<{ nonce?: string; idToken?: string; accessToken?: string }> =>
          page.evaluate(`JSON.parse(sessionStorage.getItem('oauth2-stack-playground')).runs.oidc.data`)
        const discovery = (await (await fetch(`${suite.demo.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>

        await page.goto(`${suite.demo.issuer}/playground`)
        await page.getByRole('radio', { name: /^OpenID Connect/ }).check()
        // Said plainly before anything runs: decoding is not verifying; the JWKS is linked.
        const note = page.locator('[data-step="id_token"] .note')
        expect(await note.textContent()).toContain('This page only decodes the ID token; it does not verify it.')
        expect(await note.locator('a').getAttribute('href')).toBe(discovery.jwks_uri)

        await page.getByRole('button', { name: 'Generate' }).click()
        await expect.poll(() => page.locator('[data-step="pkce"]').getAttribute('data-state')).toBe('done')
        const nonce = (await stored()).nonce ?? ''
        expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/)
        await page.getByRole('button', { name: 'Open the sign-in page' }).click()
        await page.waitForURL(/\/authorize\?/)
        expect(authorizeUrls[0]?.searchParams.get('scope')).toBe('openid profile email')
        expect(authorizeUrls[0]?.searchParams.get('nonce')).toBe(nonce)
        await page.getByLabel('Username').fill(DEMO.user.username)
        await page.getByLabel('Password').fill(DEMO.user.password)
        await page.getByRole('button', { name: 'Sign in and allow' }).click()
        await page.waitForURL(`${suite.demo.issuer}/playground`)
        // Back in the flow that left, not the plain code flow.
        expect(await page.getByRole('radio', { name: /^OpenID Connect/ }).isChecked()).toBe(true)
        await expect.poll(() => page.locator('[data-step="callback"]').getAttribute('data-state')).toBe('done')
        await page.getByRole('button', { name: 'Send request' }).click()
        await expect.poll(() => page.locator('[data-step="token"]').getAttribute('data-state')).toBe('done')
        const { idToken = '', accessToken = '' } = await stored()
        expect(idToken.split('.')).toHaveLength(3)
        seen.idToken = idToken
        seen.accessToken = accessToken

        // A nonce that is not the one sent fails the step: the check is real. Then the real one again.
        const setNonce = (value: string): Promise<unknown> =>
          page.evaluate(`(() => {
            const saved = JSON.parse(sessionStorage.getItem('oauth2-stack-playground'))
            saved.runs.oidc.data.nonce = ${JSON.stringify('VALUE')}.replace('VALUE', ${JSON.stringify(value)})
            delete saved.runs.oidc.results.id_token
            sessionStorage.setItem('oauth2-stack-playground', JSON.stringify(saved))
          })()`)
        await setNonce('not-the-nonce-sent')
        await page.reload()
        await page.getByRole('button', { name: 'Decode' }).click()
        await expect.poll(() => page.locator('[data-step="id_token"]').getAttribute('data-state')).toBe('failed')
        expect(await page.locator('[data-step="id_token"] dl.checks').first().textContent()).toContain('Reject the ID token: nonce failed.')
        expect(await page.locator('[data-step="id_token"] dd[data-claim="nonce"]').textContent()).toContain('\u2717 ')
        await setNonce(nonce)
        await page.reload()
        await page.getByRole('button', { name: 'Decode' }).click()
        await expect.poll(() => page.locator('[data-step="id_token"]').getAttribute('data-state')).toBe('done')

        const card = page.locator('[data-step="id_token"]')
        const header = JSON.parse((await card.locator('pre.jwt-header').textContent()) ?? '') as Record<string, unknown>
        expect(header).toMatchObject({ alg: 'RS256', kid: expect.any(String) })
        const payload = JSON.parse((await card.locator('pre.jwt-payload').textContent()) ?? '') as Record<string, unknown>
        // The ID token's audience is the client that asked: the playground's own public client.
        expect(payload).toMatchObject({ iss: suite.demo.issuer, sub: DEMO.user.username, aud: 'playground', nonce })
        // The same payload as the token itself holds, decoded here by Node.
        expect(payload).toEqual(JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')))
        const claim = (name: string) => card.locator(`dd[data-claim="${name}"]`)
        expect(await claim('nonce').textContent()).toContain(`\u2713 ${nonce} \u2014 matches the nonce the app sent`)
        for (const name of ['iss', 'aud', 'exp', 'at_hash']) expect(await claim(name).textContent(), name).toContain('\u2713 ')
        const date = (seconds: unknown) =>
          new Date(Number(seconds) * 1000)
            .toISOString()
            .replace('T', ' ')
            .replace(/\.\d+Z$/, ' UTC')
        expect(await claim('exp').textContent()).toContain(`${String(payload.exp)} = ${date(payload.exp)}`)
        expect(await claim('iat').textContent()).toContain(`${String(payload.iat)} = ${date(payload.iat)}`)
        const standard = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'sid'].filter((name) => name in payload)
        expect(standard.length).toBeGreaterThanOrEqual(8)
        for (const name of standard) expect(((await claim(name).locator('.why').textContent()) ?? '').length, name).toBeGreaterThan(20)

        await page.getByRole('button', { name: 'Send request' }).click()
        await expect.poll(() => page.locator('[data-step="userinfo"]').getAttribute('data-state')).toBe('done')
        expect(await page.locator('[data-step="userinfo"] pre.request').textContent()).toMatch(
          /^GET \/userinfo HTTP\/1\.1\n[^]*Authorization: Bearer /,
        )
        const shown = (await page.locator('[data-step="userinfo"] pre.response').textContent()) ?? ''
        expect(shown).toMatch(/^HTTP\/1\.1 200 OK\n/)
        expect(JSON.parse(shown.slice(shown.indexOf('{')))).toMatchObject({
          sub: DEMO.user.username,
          name: 'Demo User',
          email: 'demo@example.com',
          email_verified: true,
        })
        expect(await page.locator('[data-step="userinfo"] dd[data-claim="sub"]').textContent()).toContain('\u2713 ')
        expect(await page.locator('[data-step="finished"]').count()).toBe(1)
        expect(await page.locator('#diagram .arrow:not(.done)').count()).toBe(0)
        await page.screenshot({ path: new URL('playground-oidc.png', ARTIFACTS).pathname, fullPage: true })
        await card.screenshot({ path: new URL('playground-id-token.png', ARTIFACTS).pathname })
        await page.locator('[data-step="userinfo"]').screenshot({ path: new URL('playground-userinfo.png', ARTIFACTS).pathname })
        expect(problems).toEqual([])
      } finally {
        await context.close()
      }
    },
    SLOW,
  )

  it('the request log never holds the code, the ID token, the access token or the Authorization header', () => {
    expect(Object.keys(seen).sort()).toEqual(['accessToken', 'code', 'idToken'])
    const log = suite.logLines.join('\n')
    expect(log).toContain('/userinfo')
    for (const [name, value] of Object.entries(seen)) {
      expect(value.length, name).toBeGreaterThan(20)
      expect(log.includes(value), name).toBe(false)
    }
    expect(log).not.toMatch(/Bearer /)
  })
})
