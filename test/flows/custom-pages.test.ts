/**
 * The `pages` hooks through real HTTP, under every adapter: a French error page and French device pages for
 * `ui_locales=fr`, the login/consent page told the same languages, the anti-framing, no-referrer and
 * no-store headers kept on whatever a hook returns (even one that tries to drop them), a hook's HTML sent
 * as it is (neither escaped again nor unescaped), and the default page when a hook throws.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DeviceCodeGrant } from '../../src/grants/index.ts'
import { escapeHtml, Response, type NodeEnviron, type PageHooks } from '../../src/web/index.ts'
import type { AuthorizationContext } from '../../src/web/index.ts'
import { TestSiteAdapter } from '../helpers/site-adapter.ts'
import {
  authorizeUrl,
  enterCode,
  formOf,
  openLoginPage,
  PROTECTED_PAGE_HEADERS,
  protectedPageHeaders,
  request,
  submitForm,
} from '../helpers/browser.ts'
import { PUBLIC_CLIENT, startTestServer, USER, type TestServer } from '../helpers/test-server.ts'

const FRENCH_ERRORS: Readonly<Record<string, string>> = { invalid_client: 'Application inconnue.' }
const FRENCH_MESSAGES: Readonly<Record<string, string>> = { device_approved: 'Appareil connecté', device_denied: 'Accès refusé' }

const french = (locales: readonly string[]): boolean =>
  locales.some((tag) => tag.toLowerCase() === 'fr' || tag.toLowerCase().startsWith('fr-'))

/** Contexts the hooks and the site adapter saw, newest last. */
const seen: { uiLocales: readonly string[]; where: string }[] = []
const hookErrors: unknown[] = []

const pages: PageHooks = {
  error(context) {
    seen.push({ uiLocales: context.uiLocales, where: 'error' })
    if (context.uiLocales.includes('throw')) throw new Error('hook failure')
    if (context.uiLocales.includes('hostile')) {
      // A hook that tries to allow framing, caching and referrers: the core overrides it.
      const response = new Response(context.status, {
        'content-type': 'text/html; charset=utf-8',
        'X-Frame-Options': 'ALLOWALL',
        'content-security-policy': "default-src 'self'; frame-ancestors *",
        'cache-control': 'public, max-age=3600',
        'referrer-policy': 'unsafe-url',
      })
      response.body = '<p>hostile</p>'
      return response
    }
    if (!french(context.uiLocales)) return `<!doctype html><html lang="en"><p>${escapeHtml(context.description)}</p></html>`
    const text = FRENCH_ERRORS[context.error] ?? context.description
    return `<!doctype html><html lang="fr"><title>Erreur d'autorisation</title><p>${escapeHtml(text)} &laquo;${escapeHtml(context.error)}&raquo;</p></html>`
  },
  message(context) {
    seen.push({ uiLocales: context.uiLocales, where: context.kind })
    const title = french(context.uiLocales) ? (FRENCH_MESSAGES[context.kind] ?? context.title) : context.title
    return `<!doctype html><html lang="${french(context.uiLocales) ? 'fr' : 'en'}"><h1>${escapeHtml(title)}</h1></html>`
  },
  devicePage(context) {
    seen.push({ uiLocales: context.uiLocales, where: 'devicePage' })
    const error = context.error === undefined ? '' : `<p role="alert">Code refusé : ${escapeHtml(context.userCode)}</p>`
    return `<!doctype html><html lang="fr"><h1>Connecter un appareil</h1>${error}
<form method="post" action="${escapeHtml(context.action)}">${context.csrfInput}
<input name="user_code" value="${escapeHtml(context.userCode)}"><button>Continuer</button></form></html>`
  },
}

/** The test site adapter, recording the languages its login/consent page is rendered for. */
class RecordingSiteAdapter extends TestSiteAdapter {
  override renderAuthPage(...args: Parameters<TestSiteAdapter['renderAuthPage']>): ReturnType<TestSiteAdapter['renderAuthPage']> {
    const context: AuthorizationContext = args[5]
    seen.push({ uiLocales: context.uiLocales, where: 'login' })
    return super.renderAuthPage(...args)
  }
}

let server: TestServer

beforeAll(async () => {
  server = await startTestServer({
    controller: {
      pages,
      siteAdapter: new RecordingSiteAdapter([{ username: USER.username, password: USER.password, data: { name: 'Alice' } }]),
      logger: { error: (fields) => hookErrors.push(fields.err), warn: () => {}, info: () => {}, debug: () => {} },
    },
  })
  server.controller.addGrant(new DeviceCodeGrant<NodeEnviron>())
})

afterAll(() => server?.close())

function expectProtected(headers: Headers): void {
  expect(protectedPageHeaders(headers)).toEqual(PROTECTED_PAGE_HEADERS)
}

describe('pages: the authorization error page', () => {
  it('renders the hook in French for ui_locales="fr-CA fr", with the error status and the page headers', async () => {
    const page = await request(authorizeUrl(server.url, { client_id: 'nobody', response_type: 'code', ui_locales: 'fr-CA fr' }))
    expect(page.status).toBe(400)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expectProtected(page.headers)
    // The hook's HTML as it wrote it: its entities and its apostrophe untouched, not escaped a second time.
    expect(page.body).toBe(
      `<!doctype html><html lang="fr"><title>Erreur d'autorisation</title><p>Application inconnue. &laquo;invalid_client&raquo;</p></html>`,
    )
    expect(seen.at(-1)).toEqual({ uiLocales: ['fr-CA', 'fr'], where: 'error' })
  })

  it('hands over plain text: the hook escapes it once', async () => {
    const page = await request(authorizeUrl(server.url, { client_id: 'nobody', response_type: 'code', ui_locales: 'en' }))
    expect(page.body).toBe('<!doctype html><html lang="en"><p>Unknown client.</p></html>')
    expect(seen.at(-1)?.uiLocales).toEqual(['en'])
  })

  it('drops malformed language tags and gives an empty list without ui_locales', async () => {
    await request(authorizeUrl(server.url, { client_id: 'nobody', ui_locales: 'de-DE <script> de-de x_y  it' }))
    expect(seen.at(-1)?.uiLocales).toEqual(['de-DE', 'it'])
    await request(authorizeUrl(server.url, { client_id: 'nobody' }))
    expect(seen.at(-1)?.uiLocales).toEqual([])
  })

  it('keeps the anti-framing, no-referrer and no-store headers on a response that tries to drop them', async () => {
    const page = await request(authorizeUrl(server.url, { client_id: 'nobody', ui_locales: 'hostile' }))
    expect(page.body).toBe('<p>hostile</p>')
    expectProtected(page.headers)
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'self'")
    expect(csp).not.toContain('frame-ancestors *')
    expect(page.headers.get('x-frame-options')).toBe('DENY')
  })

  it('shows the default page when the hook throws, and logs the failure', async () => {
    const before = hookErrors.length
    const page = await request(authorizeUrl(server.url, { client_id: 'nobody', ui_locales: 'throw' }))
    expect(page.status).toBe(400)
    expect(page.body).toContain('This authorization request cannot be completed')
    expectProtected(page.headers)
    expect(hookErrors.length).toBe(before + 1)
  })
})

describe('pages: the device flow and the login page in French', () => {
  it('carries ui_locales from the verification page through the code form and the login page to the outcome', async () => {
    const started = await fetch(`${server.url}/device_authorization`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: PUBLIC_CLIENT.clientId, scope: 'read' }),
    })
    expect(started.status).toBe(200)
    const { user_code: userCode } = (await started.json()) as { user_code: string }

    const entry = await openLoginPage(`${server.url}/device?ui_locales=fr`)
    expect(entry.body).toContain('<h1>Connecter un appareil</h1>')
    expectProtected(entry.headers)
    expect(seen.at(-1)).toEqual({ uiLocales: ['fr'], where: 'devicePage' })

    // A wrong code comes back as plain text: the hook escapes it exactly once.
    const wrong = await enterCode(entry, '<b>"x"&')
    expect(wrong.status).toBe(400)
    expect(wrong.body).toContain('Code refusé : &lt;b&gt;&quot;x&quot;&amp;</p>')
    expect(wrong.body).not.toContain('&amp;lt;')
    expectProtected(wrong.headers)

    const login = await enterCode(formOf(wrong, entry), userCode)
    expect(login.status).toBe(200)
    expect(seen.at(-1)).toEqual({ uiLocales: ['fr'], where: 'login' })
    expectProtected(login.headers)

    const done = await submitForm(formOf(login, entry))
    expect(done.status).toBe(200)
    expect(done.body).toBe('<!doctype html><html lang="fr"><h1>Appareil connecté</h1></html>')
    expectProtected(done.headers)
    expect(seen.at(-1)).toEqual({ uiLocales: ['fr'], where: 'device_approved' })
  })

  it('tells the site adapter the authorization request ui_locales on the login page', async () => {
    const page = await openLoginPage(
      authorizeUrl(server.url, {
        client_id: PUBLIC_CLIENT.clientId,
        redirect_uri: PUBLIC_CLIENT.redirectUri,
        response_type: 'code',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        ui_locales: 'fr en',
      }),
    )
    expect(seen.at(-1)).toEqual({ uiLocales: ['fr', 'en'], where: 'login' })
    expectProtected(page.headers)
    // The form keeps the languages for the page after it.
    expect(page.action.searchParams.get('ui_locales')).toBe('fr en')
  })
})
