/**
 * Authorization endpoint over real HTTP with hand-written site adapters: what the controller does with
 * each AuthenticationResult, with UserNotAuthenticated and with unexpected exceptions (RFC 6749 section
 * 4.1.2.1 server_error, generic description), per-grant adapters, and what the adapter is given and
 * what it gives back (user data kept with the code and the tokens).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as oauth from 'oauth4webapi'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthorizationController } from '../../src/index.ts'
import { StoreUnavailableError, UserNotAuthenticated, type AnyOAuthError } from '../../src/errors.ts'
import { AuthorizationCodeGrant, ImplicitGrant, Scope } from '../../src/grants/index.ts'
import { LocalClientStore, LocalTokenStore, type ClientStore } from '../../src/stores/index.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import type { Client } from '../../src/types.ts'
import {
  nodeHandler,
  Response,
  type AuthenticationResult,
  type AuthorizationContext,
  type NodeEnviron,
  type Request,
  type SiteAdapter,
} from '../../src/web/index.ts'
import {
  authorizationServer,
  authorizeUrl,
  openLoginPage,
  parseSetCookie,
  protectedPageHeaders,
  PROTECTED_PAGE_HEADERS,
  request,
  responseParams,
  submitForm,
} from '../helpers/browser.ts'
import { CONFIDENTIAL, postToken, TestClock } from '../helpers/test-server.ts'

/** A site adapter assembled from parts; unspecified parts behave like "not logged in, not denied". */
interface AdapterParts {
  authenticate?: (request: Request, environ: NodeEnviron, scopes: readonly string[], client: Client) => Promise<AuthenticationResult>
  renderAuthPage?: SiteAdapter<NodeEnviron>['renderAuthPage']
  userHasDeniedAccess?: SiteAdapter<NodeEnviron>['userHasDeniedAccess']
}

/** Counts calls, so a test can tell which adapter was asked. */
class TestAdapter implements SiteAdapter<NodeEnviron> {
  readonly calls = { authenticate: 0, renderAuthPage: 0, userHasDeniedAccess: 0 }
  readonly #parts: AdapterParts

  constructor(parts: AdapterParts = {}) {
    this.#parts = parts
  }

  async authenticate(request: Request, environ: NodeEnviron, scopes: readonly string[], client: Client): Promise<AuthenticationResult> {
    this.calls.authenticate++
    return this.#parts.authenticate === undefined ? { type: 'unauthenticated' } : this.#parts.authenticate(request, environ, scopes, client)
  }

  async renderAuthPage(
    request: Request,
    response: Response,
    environ: NodeEnviron,
    scopes: readonly string[],
    client: Client,
    context: AuthorizationContext,
  ): Promise<Response> {
    this.calls.renderAuthPage++
    if (this.#parts.renderAuthPage !== undefined) return this.#parts.renderAuthPage(request, response, environ, scopes, client, context)
    response.body = `<!doctype html><title>custom</title><form method="post" action="${context.formAction.replaceAll('&', '&amp;')}">${context.csrfInput}</form>`
    return response
  }

  async userHasDeniedAccess(request: Request, environ: NodeEnviron, scopes: readonly string[], client: Client): Promise<boolean> {
    this.calls.userHasDeniedAccess++
    return this.#parts.userHasDeniedAccess === undefined ? false : this.#parts.userHasDeniedAccess(request, environ, scopes, client)
  }
}

interface CustomServer {
  readonly url: string
  readonly issuer: string
  readonly tokenStore: LocalTokenStore
  readonly errors: AnyOAuthError[]
}

interface CustomOptions {
  readonly siteAdapter?: SiteAdapter<NodeEnviron>
  /** Site adapter of the code grant only. */
  readonly codeSiteAdapter?: SiteAdapter<NodeEnviron>
  /** Wraps the client store (e.g. to make it fail). */
  readonly clientStore?: (inner: ClientStore) => ClientStore
  /** Wraps the token store used for codes. */
  readonly authCodeStore?: (inner: LocalTokenStore) => LocalTokenStore
}

const started: Server[] = []
afterEach(async () => {
  for (const server of started.splice(0)) {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})

/** A controller + node:http server built like test-server.ts, but with the site adapters of the test. */
async function startCustom(options: CustomOptions): Promise<CustomServer> {
  const clock = new TestClock()
  const clients = new LocalClientStore()
  await clients.addClient({
    clientId: CONFIDENTIAL.clientId,
    clientSecret: CONFIDENTIAL.clientSecret,
    redirectUris: [CONFIDENTIAL.redirectUri],
    responseTypes: ['code', 'token'],
    name: 'Confidential Test Client',
  })
  const tokenStore = new LocalTokenStore({ clock: clock.now })
  const server = createServer()
  started.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const errors: AnyOAuthError[] = []
  const controller = new AuthorizationController<NodeEnviron>({
    issuer: url,
    accessTokenStore: tokenStore,
    authCodeStore: options.authCodeStore === undefined ? tokenStore : options.authCodeStore(tokenStore),
    clientStore: options.clientStore === undefined ? clients : options.clientStore(clients),
    ...(options.siteAdapter === undefined ? {} : { siteAdapter: options.siteAdapter }),
    scope: new Scope({ available: ['read', 'write', 'profile'], default: ['read'] }),
    clock: clock.now,
    onError: (error) => {
      errors.push(error)
    },
  })
  controller.addGrant(new AuthorizationCodeGrant(options.codeSiteAdapter === undefined ? {} : { siteAdapter: options.codeSiteAdapter }))
  if (options.siteAdapter !== undefined) controller.addGrant(new ImplicitGrant())
  server.on('request', nodeHandler(controller))
  return { url, issuer: url, tokenStore, errors }
}

const codeUrl = (server: CustomServer, extra: Record<string, string> = {}): string =>
  authorizeUrl(server.url, {
    response_type: 'code',
    client_id: CONFIDENTIAL.clientId,
    redirect_uri: CONFIDENTIAL.redirectUri,
    state: 'sa',
    ...extra,
  })

const GENERIC = 'The server encountered an unexpected condition.'

describe('RFC 6749 section 4.1.1-4.1.2.1: SiteAdapter results at the authorization endpoint (login, consent, server_error)', () => {
  it("{ type: 'respond', response } is answered as is (302 to the host's /login), no code, no CSRF cookie", async () => {
    const adapter = new TestAdapter({
      authenticate: async (request) => ({
        type: 'respond',
        response: new Response(302, {
          location: `/login?next=${encodeURIComponent(`${request.path}?${request.rawQuery}`)}`,
          'x-host': 'mine',
        }),
      }),
    })
    const server = await startCustom({ siteAdapter: adapter })
    const url = codeUrl(server)
    const result = await request(url)
    expect(result.status).toBe(302)
    expect(result.location).toBe(`/login?next=${encodeURIComponent(`/authorize?${new URL(url).search.slice(1)}`)}`)
    expect(result.headers.get('x-host')).toBe('mine')
    expect(result.setCookies).toEqual([])
    expect(server.tokenStore.size.codes).toBe(0)
    expect(adapter.calls.renderAuthPage).toBe(0)
  })

  it("{ type: 'granted' } on GET auto-approves: 302 (not 303) with code, state and iss that oauth4webapi accepts", async () => {
    const server = await startCustom({ siteAdapter: new TestAdapter({ authenticate: async () => ({ type: 'granted', userId: 'bob' }) }) })
    const result = await request(codeUrl(server))
    expect(result.status).toBe(302)
    expect(result.headers.get('cache-control')).toBe('no-store')
    const params = responseParams(result.location, CONFIDENTIAL.redirectUri)
    expect([...params.keys()].sort()).toEqual(['code', 'iss', 'state'])
    const as = authorizationServer(server)
    expect(() => oauth.validateAuthResponse(as, { client_id: CONFIDENTIAL.clientId }, params, 'sa')).not.toThrow()
    expect(result.setCookies).toEqual([])
    const record = await server.tokenStore.fetchByCode(hashToken(params.get('code') ?? ''))
    expect(record?.userId).toBe('bob')
    expect(record?.data).toEqual({})
  })

  it("{ type: 'denied' } from authenticate → access_denied redirect with state and iss", async () => {
    const server = await startCustom({ siteAdapter: new TestAdapter({ authenticate: async () => ({ type: 'denied' }) }) })
    const result = await request(codeUrl(server))
    expect(result.status).toBe(302)
    const params = responseParams(result.location, CONFIDENTIAL.redirectUri)
    expect(params.get('error')).toBe('access_denied')
    expect(params.get('state')).toBe('sa')
    expect(params.get('iss')).toBe(server.issuer)
  })

  it('userHasDeniedAccess → true on GET → access_denied redirect; authenticate is not asked', async () => {
    const adapter = new TestAdapter({
      userHasDeniedAccess: async () => true,
      authenticate: async () => ({ type: 'granted', userId: 'bob' }),
    })
    const server = await startCustom({ siteAdapter: adapter })
    const result = await request(codeUrl(server))
    expect(responseParams(result.location, CONFIDENTIAL.redirectUri).get('error')).toBe('access_denied')
    expect(adapter.calls.authenticate).toBe(0)
    expect(server.tokenStore.size.codes).toBe(0)
  })

  it('throwing UserNotAuthenticated (seed style) renders the auth page, with the protective headers and the CSRF cookie', async () => {
    const adapter = new TestAdapter({
      authenticate: async () => {
        throw new UserNotAuthenticated()
      },
    })
    const server = await startCustom({ siteAdapter: adapter })
    const result = await request(codeUrl(server))
    expect(result.status).toBe(200)
    expect(result.location).toBeUndefined()
    expect(result.body).toContain('<title>custom</title>')
    expect(result.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(protectedPageHeaders(result.headers)).toEqual(PROTECTED_PAGE_HEADERS)
    expect(result.setCookies.some((line) => line.startsWith('oauth2_csrf='))).toBe(true)
    expect(adapter.calls.renderAuthPage).toBe(1)
  })

  it('a page rendered with its own CSP gets frame-ancestors added, and its other headers kept', async () => {
    const adapter = new TestAdapter({
      renderAuthPage: async (_request, response) => {
        response.body = '<p>hi</p>'
        response.setHeader('Content-Security-Policy', "default-src 'self'")
        response.setHeader('X-Custom', 'kept')
        return response
      },
    })
    const server = await startCustom({ siteAdapter: adapter })
    const result = await request(codeUrl(server))
    expect(result.status).toBe(200)
    expect(result.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(protectedPageHeaders(result.headers)).toEqual(PROTECTED_PAGE_HEADERS)
    expect(result.headers.get('x-custom')).toBe('kept')
  })

  it("a Set-Cookie of the host's own page survives next to the CSRF cookie (both are sent)", async () => {
    const adapter = new TestAdapter({
      renderAuthPage: async (_request, response, _environ, _scopes, _client, context) => {
        response.body = `<form method="post">${context.csrfInput}</form>`
        response.setHeader('Set-Cookie', 'host_session=abc; Path=/; HttpOnly')
        return response
      },
    })
    const server = await startCustom({ siteAdapter: adapter })
    const result = await request(codeUrl(server))
    expect(result.status).toBe(200)
    const names = result.setCookies.map((line) => parseSetCookie(line).name).sort()
    expect(names).toEqual(['host_session', 'oauth2_csrf'])
  })

  it('an unexpected Error from authenticate → redirect with error=server_error and a generic description (no message, no stack); onError gets the cause', async () => {
    const secret = 'db password hunter2 at Object.<anonymous> (/srv/app/db.js:1:1)'
    const thrown = new Error(secret)
    const server = await startCustom({
      siteAdapter: new TestAdapter({
        authenticate: async () => {
          throw thrown
        },
      }),
    })
    const result = await request(codeUrl(server))
    expect(result.status).toBe(302)
    const params = responseParams(result.location, CONFIDENTIAL.redirectUri)
    expect(params.get('error')).toBe('server_error')
    expect(params.get('error_description')).toBe(GENERIC)
    expect(params.get('state')).toBe('sa')
    expect(params.get('iss')).toBe(server.issuer)
    expect(result.location).not.toContain('hunter2')
    expect(result.location).not.toContain('db.js')
    expect(result.body).not.toContain('hunter2')
    expect(server.errors.map((error) => error.error)).toEqual(['server_error'])
    expect(server.errors[0]?.cause).toBe(thrown)
  })

  it('a non-Error thrown value (a string) is a server_error too', async () => {
    const server = await startCustom({
      siteAdapter: new TestAdapter({
        authenticate: async () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw 'hunter2'
        },
      }),
    })
    const result = await request(codeUrl(server))
    expect(result.status).toBe(302)
    expect(responseParams(result.location, CONFIDENTIAL.redirectUri).get('error')).toBe('server_error')
    expect(result.location).not.toContain('hunter2')
  })

  it('an Error thrown by renderAuthPage or userHasDeniedAccess → server_error redirect, generic description', async () => {
    for (const parts of [
      { renderAuthPage: async (): Promise<Response> => Promise.reject(new Error('template hunter2')) },
      { userHasDeniedAccess: async (): Promise<boolean> => Promise.reject(new Error('session hunter2')) },
    ]) {
      const server = await startCustom({ siteAdapter: new TestAdapter(parts) })
      const result = await request(codeUrl(server))
      expect(result.status).toBe(302)
      const params = responseParams(result.location, CONFIDENTIAL.redirectUri)
      expect(params.get('error')).toBe('server_error')
      expect(params.get('error_description')).toBe(GENERIC)
      expect(result.location).not.toContain('hunter2')
    }
  })

  it('an unexpected Error on the decision POST → 303 server_error redirect (implicit: in the fragment)', async () => {
    const adapter = new TestAdapter({
      authenticate: async (request) => {
        if (request.method === 'POST') throw new Error('boom hunter2')
        return { type: 'unauthenticated' }
      },
    })
    const server = await startCustom({ siteAdapter: adapter })
    const page = await openLoginPage(codeUrl(server, { response_type: 'token' }))
    const result = await submitForm(page, {})
    expect(result.status).toBe(303)
    const params = responseParams(result.location, CONFIDENTIAL.redirectUri, 'fragment')
    expect(params.get('error')).toBe('server_error')
    expect(params.get('error_description')).toBe(GENERIC)
    expect(params.get('state')).toBe('sa')
    expect(params.has('access_token')).toBe(false)
  })

  it('a site adapter that grants every POST cannot bypass the CSRF check: a forged POST gets the error page, no code', async () => {
    const adapter = new TestAdapter({
      authenticate: async (request) => (request.method === 'POST' ? { type: 'granted', userId: 'bob' } : { type: 'unauthenticated' }),
    })
    const server = await startCustom({ siteAdapter: adapter })
    const result = await request(codeUrl(server), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf_token=forged',
    })
    expect(result.status).toBe(400)
    expect(result.location).toBeUndefined()
    expect(server.tokenStore.size.codes).toBe(0)
    expect(adapter.calls.authenticate).toBe(0)
  })

  it("the grant's own site adapter (new AuthorizationCodeGrant({ siteAdapter })) wins over the controller's", async () => {
    const controllerAdapter = new TestAdapter({ authenticate: async () => ({ type: 'denied' }) })
    const grantAdapter = new TestAdapter({ authenticate: async () => ({ type: 'granted', userId: 'grant-user' }) })
    const server = await startCustom({ siteAdapter: controllerAdapter, codeSiteAdapter: grantAdapter })
    const result = await request(codeUrl(server))
    expect(result.status).toBe(302)
    const code = responseParams(result.location, CONFIDENTIAL.redirectUri).get('code') ?? ''
    expect((await server.tokenStore.fetchByCode(hashToken(code)))?.userId).toBe('grant-user')
    expect(grantAdapter.calls.authenticate).toBe(1)
    expect(controllerAdapter.calls).toEqual({ authenticate: 0, renderAuthPage: 0, userHasDeniedAccess: 0 })
  })

  it('a grant adapter alone (no controller adapter) is enough, and renders the page', async () => {
    const grantAdapter = new TestAdapter()
    const server = await startCustom({ codeSiteAdapter: grantAdapter })
    const result = await request(codeUrl(server))
    expect(result.status).toBe(200)
    expect(grantAdapter.calls.renderAuthPage).toBe(1)
  })

  it('renderAuthPage receives the request, the Node environ, the client, the parsed scopes and a consistent AuthorizationContext', async () => {
    const seen: {
      path?: string
      envUrl?: string | undefined
      scopes?: readonly string[]
      client?: Client
      context?: AuthorizationContext
    } = {}
    const adapter = new TestAdapter({
      renderAuthPage: async (request, response, environ, scopes, client, context) => {
        seen.path = request.path
        seen.envUrl = environ.req.url
        seen.scopes = scopes
        seen.client = client
        seen.context = context
        response.body = `<form method="post" action="${context.formAction.replaceAll('&', '&amp;')}">${context.csrfInput}</form>`
        return response
      },
    })
    const server = await startCustom({ siteAdapter: adapter })
    const url = codeUrl(server, { scope: 'write read write' })
    const page = await openLoginPage(url)
    const rawQuery = new URL(url).search.slice(1)
    expect(seen.path).toBe('/authorize')
    expect(seen.envUrl).toBe(`/authorize?${rawQuery}`)
    expect(seen.scopes).toEqual(['write', 'read'])
    expect(seen.client?.clientId).toBe(CONFIDENTIAL.clientId)
    expect(seen.client?.name).toBe('Confidential Test Client')
    expect(seen.client?.redirectUris).toEqual([CONFIDENTIAL.redirectUri])
    expect(seen.context?.client).toBe(seen.client)
    expect(seen.context?.scopes).toEqual(['write', 'read'])
    // The form action carries the authorization request's parameters (in the core's canonical order).
    const action = new URL(seen.context?.formAction ?? '', 'http://x')
    expect(action.pathname).toBe('/authorize')
    expect([...action.searchParams].sort()).toEqual([...new URLSearchParams(rawQuery)].sort())
    expect(seen.context?.csrfField).toBe('csrf_token')
    expect(seen.context?.csrfToken).toBe(page.csrfToken)
    expect(seen.context?.csrfInput).toBe(`<input type="hidden" name="csrf_token" value="${page.csrfToken}">`)
  })

  it("authenticate's userId and data are kept with the code and handed on to the token record", async () => {
    const data = { name: 'Bob', roles: ['admin', 'ops'], nested: { tenant: 7 } }
    const adapter = new TestAdapter({
      authenticate: async (request) =>
        request.method === 'POST' && request.postParam('go') === '1'
          ? { type: 'granted', userId: 'bob', data }
          : { type: 'unauthenticated' },
    })
    const server = await startCustom({ siteAdapter: adapter })
    const page = await openLoginPage(codeUrl(server, { scope: 'profile' }))
    const result = await request(page.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie },
      body: new URLSearchParams({ csrf_token: page.csrfToken, go: '1' }),
    })
    expect(result.status).toBe(303)
    const code = responseParams(result.location, CONFIDENTIAL.redirectUri).get('code') ?? ''
    const codeRecord = await server.tokenStore.fetchByCode(hashToken(code))
    expect(codeRecord?.userId).toBe('bob')
    expect(codeRecord?.data).toEqual(data)
    const token = await postToken(
      server.url,
      { grant_type: 'authorization_code', code, redirect_uri: CONFIDENTIAL.redirectUri },
      { basic: [CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret] },
    )
    expect(token.status).toBe(200)
    const record = await server.tokenStore.fetchByToken(hashToken(String(token.json.access_token)))
    expect(record?.userId).toBe('bob')
    expect(record?.data).toEqual(data)
    expect(record?.scopes).toEqual(['profile'])
  })
})

describe('store outages at the authorization endpoint (RFC 6749 section 4.1.2.1 temporarily_unavailable)', () => {
  it('the client store is down → 503 error page (the redirect URI cannot be validated), no Location', async () => {
    const server = await startCustom({
      siteAdapter: new TestAdapter(),
      clientStore: () => ({
        fetchByClientId: async () => {
          throw new StoreUnavailableError('connection refused 10.0.0.5')
        },
      }),
    })
    const result = await request(codeUrl(server))
    expect(result.status).toBe(503)
    expect(result.location).toBeUndefined()
    expect(result.body).toContain('<code>temporarily_unavailable</code>')
    expect(result.body).not.toContain('10.0.0.5')
  })

  it('the code store is down when saving the code → temporarily_unavailable redirect with state and iss, no detail leaked', async () => {
    const server = await startCustom({
      siteAdapter: new TestAdapter({ authenticate: async () => ({ type: 'granted', userId: 'bob' }) }),
      authCodeStore: (inner) => {
        const failing = Object.create(inner) as LocalTokenStore
        failing.saveCode = async () => {
          throw new StoreUnavailableError('redis 10.0.0.5 timeout')
        }
        return failing
      },
    })
    const result = await request(codeUrl(server))
    expect(result.status).toBe(302)
    const params = responseParams(result.location, CONFIDENTIAL.redirectUri)
    expect(params.get('error')).toBe('temporarily_unavailable')
    expect(params.get('state')).toBe('sa')
    expect(params.get('iss')).toBe(server.issuer)
    expect(params.has('code')).toBe(false)
    expect(result.location).not.toContain('10.0.0.5')
  })
})
