/**
 * Starts a real authorization server on an ephemeral 127.0.0.1 port for tests, with a controllable
 * clock, and drives the login/consent page like a browser does (cookie + CSRF field).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AuthorizationController, type AuthorizationControllerOptions } from '../../src/index.ts'
import {
  AuthorizationCodeGrant,
  ClientCredentialsGrant,
  ImplicitGrant,
  RefreshToken,
  ResourceOwnerGrant,
  Scope,
  type AuthorizationCodeGrantOptions,
  type RefreshTokenOptions,
} from '../../src/grants/index.ts'
import { LocalClientStore, LocalTokenStore, type ClientRegistration } from '../../src/stores/index.ts'
import { nodeHandler, type NodeEnviron, type NodeHandlerOptions } from '../../src/web/index.ts'
import { oauth2ErrorHandler, oauth2Router } from '../../src/adapters/express.ts'
import { oauth2Middleware } from '../../src/adapters/koa.ts'
import { oauth2Plugin } from '../../src/adapters/fastify.ts'
import { fetchHandler } from '../../src/adapters/fetch.ts'
import express from 'express'
import express4 from 'express4'
import Koa from 'koa'
import Koa2 from 'koa2'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { getRequestListener } from '@hono/node-server'
import { ADAPTERS, isAdapterName, type AdapterName } from './adapters.ts'
import { TestClock } from './records.ts'
import { TestSiteAdapter } from './site-adapter.ts'

export { TestClock }

/** Well-known fixtures. */
export const CONFIDENTIAL = {
  clientId: 'confidential',
  clientSecret: 'A'.repeat(20) + 'high-entropy-test-secret-0123456789',
  redirectUri: 'https://client.example/callback',
} as const
export const PUBLIC_CLIENT = { clientId: 'public-app', redirectUri: 'https://spa.example/cb' } as const
export const USER = { username: 'alice', password: 'wonderland' } as const

/**
 * The adapter the flow suites run through, from `OAUTH2_ADAPTER` (set per vitest project, so the whole
 * suite runs once per adapter). Every adapter but `node` is mounted under `/oauth`.
 */
export const ADAPTER: AdapterName = adapterFromEnv()

export type { AdapterName }

function adapterFromEnv(): AdapterName {
  const name = process.env.OAUTH2_ADAPTER ?? 'node'
  if (!isAdapterName(name)) throw new Error(`unknown OAUTH2_ADAPTER ${name} (one of ${ADAPTERS.join(', ')})`)
  return name
}

/**
 * What {@link mount} can mount through: the flows' adapters, and `koa2`, the Koa adapter on Koa 2 (the `koa2`
 * npm alias), which test/unit/adapters/koa2.test.ts runs a few flows through rather than the whole suite.
 */
export type MountAdapter = AdapterName | 'koa2'

/** Mounts the controller on a listening server through the adapter under test (or `adapter`). */
export async function mount(
  server: Server,
  controller: AuthorizationController<NodeEnviron>,
  prefix: string,
  nodeOptions?: NodeHandlerOptions,
  adapter: MountAdapter = ADAPTER,
): Promise<void> {
  // Each adapter has its own environ type; the test site adapters ignore environ.
  const any = controller as AuthorizationController<never>
  // RFC 8414 section 3: with the controller under a prefix, the app serves the metadata at the root path,
  // as the README tells users to.
  const wellKnown = `/.well-known/oauth-authorization-server${prefix}`
  switch (adapter) {
    case 'node':
      server.on('request', nodeHandler(controller, nodeOptions))
      return
    case 'express':
    case 'express-parsed':
    case 'express4': {
      const app = adapter === 'express4' ? express4() : express()
      if (adapter === 'express-parsed') app.use(express.urlencoded({ extended: false, limit: '64kb' }))
      app.get(wellKnown, (_req, res) => {
        res.json(controller.metadata)
      })
      app.use(prefix, oauth2Router(any, nodeOptions), oauth2ErrorHandler(any))
      server.on('request', (req, res) => {
        app(req, res)
      })
      return
    }
    case 'koa':
    case 'koa2': {
      const app = adapter === 'koa2' ? new Koa2() : new Koa()
      app.use(async (ctx, next) => {
        if (ctx.path === wellKnown) ctx.body = controller.metadata
        else await next()
      })
      app.use(oauth2Middleware(any, { prefix, ...nodeOptions }))
      const callback = app.callback()
      server.on('request', (req, res) => {
        void callback(req, res)
      })
      return
    }
    case 'fastify': {
      const app = Fastify({
        serverFactory: (handler) => {
          server.on('request', handler)
          return server
        },
      })
      app.get(wellKnown, async () => controller.metadata)
      await app.register(oauth2Plugin, {
        controller: any,
        prefix,
        ...(nodeOptions?.maxBodyBytes === undefined ? {} : { maxBodyBytes: nodeOptions.maxBodyBytes }),
      })
      await app.ready()
      return
    }
    case 'hono': {
      const app = new Hono()
      const handler = fetchHandler(any, {
        prefix,
        ...(nodeOptions?.maxBodyBytes === undefined ? {} : { maxBodyBytes: nodeOptions.maxBodyBytes }),
      })
      app.get(wellKnown, (c) => c.json(controller.metadata))
      app.all(`${prefix}/*`, (c) => handler(c.req.raw))
      const listener = getRequestListener(app.fetch)
      server.on('request', (req, res) => {
        void listener(req, res)
      })
      return
    }
  }
}

export interface TestServerOptions {
  /** Extra controller options, or a function of the server's URL (the issuer) returning them. */
  readonly controller?:
    | Partial<AuthorizationControllerOptions<NodeEnviron>>
    | ((
        issuer: string,
      ) => Partial<AuthorizationControllerOptions<NodeEnviron>> | Promise<Partial<AuthorizationControllerOptions<NodeEnviron>>>)
  /** Options of the code grant. */
  readonly code?: AuthorizationCodeGrantOptions<NodeEnviron>
  /** Options of the RefreshToken grant; `false` leaves it out. */
  readonly refresh?: RefreshTokenOptions | false
  /** Add the implicit grant. Default true. */
  readonly implicit?: boolean
  /** Add the password grant. Default true. */
  readonly password?: boolean
  /** Add the client-credentials grant. Default true. */
  readonly clientCredentials?: boolean
  /** Extra clients. */
  readonly clients?: readonly ClientRegistration[]
  /** Options for the node adapter. */
  readonly node?: NodeHandlerOptions
  /** Mount through this adapter instead of the suite's (`OAUTH2_ADAPTER`). */
  readonly adapter?: MountAdapter
}

export interface TestServer {
  readonly url: string
  readonly issuer: string
  readonly server: Server
  readonly controller: AuthorizationController<NodeEnviron>
  readonly clientStore: LocalClientStore
  readonly tokenStore: LocalTokenStore
  readonly clock: TestClock
  close(): Promise<void>
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const clock = new TestClock()
  const clientStore = new LocalClientStore()
  // The fixtures are registered for the implicit grant when it is on (clients get only `code` by default).
  const responseTypes = options.implicit === false ? ['code'] : ['code', 'token']
  await clientStore.addClient({
    clientId: CONFIDENTIAL.clientId,
    clientSecret: CONFIDENTIAL.clientSecret,
    redirectUris: [CONFIDENTIAL.redirectUri],
    responseTypes,
    name: 'Confidential Test Client',
  })
  await clientStore.addClient({ clientId: PUBLIC_CLIENT.clientId, redirectUris: [PUBLIC_CLIENT.redirectUri], responseTypes })
  for (const client of options.clients ?? []) await clientStore.addClient(client)
  const tokenStore = new LocalTokenStore({ clock: clock.now })
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const adapter = options.adapter ?? ADAPTER
  const prefix = adapter === 'node' ? '' : '/oauth'
  const url = `http://127.0.0.1:${port}${prefix}`
  const controller = new AuthorizationController<NodeEnviron>({
    issuer: url,
    accessTokenStore: tokenStore,
    authCodeStore: tokenStore,
    clientStore,
    siteAdapter: new TestSiteAdapter([{ username: USER.username, password: USER.password, data: { name: 'Alice' } }]),
    scope: new Scope({ available: ['read', 'write', 'profile'], default: ['read'] }),
    clock: clock.now,
    onError: () => {},
    ...(typeof options.controller === 'function' ? await options.controller(url) : options.controller),
  })
  controller.addGrant(new AuthorizationCodeGrant(options.code))
  if (options.implicit !== false) controller.addGrant(new ImplicitGrant())
  if (options.password !== false) controller.addGrant(new ResourceOwnerGrant())
  if (options.clientCredentials !== false) controller.addGrant(new ClientCredentialsGrant())
  if (options.refresh !== false) controller.addGrant(new RefreshToken(options.refresh ?? { expiresIn: 86400 }))
  await mount(server, controller, prefix, options.node, adapter)
  return {
    url,
    issuer: url,
    server,
    controller,
    clientStore,
    tokenStore,
    clock,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The result of driving the authorization endpoint like a browser. */
export interface BrowserResult {
  /** Status of the last response (302/303 redirect, or a page). */
  readonly status: number
  /** The `Location` header, when redirected. */
  readonly location: string | undefined
  /** Parameters of the redirect (query or fragment), when redirected. */
  readonly params: URLSearchParams | undefined
  /** The page body, when not redirected. */
  readonly body: string
  readonly headers: Headers
}

/**
 * Opens an authorization URL, reads the CSRF cookie and field from the login page, and submits the form
 * with `action` (approve or deny) and the given credentials — what a person does in the browser.
 */
export async function authorizeInBrowser(
  authorizationUrl: string,
  form: { action: 'approve' | 'deny'; username?: string; password?: string } = { action: 'approve', ...USER },
): Promise<BrowserResult> {
  const page = await fetch(authorizationUrl, { redirect: 'manual' })
  const pageBody = await page.text()
  if (page.status !== 200) return toResult(page, pageBody)
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(pageBody)?.[1]
  const action = /<form method="post" action="([^"]+)"/.exec(pageBody)?.[1]
  if (csrf === undefined || action === undefined) throw new Error('login page without form or CSRF field')
  const target = new URL(action.replaceAll('&amp;', '&'), authorizationUrl)
  const body = new URLSearchParams({ csrf_token: csrf, action: form.action })
  if (form.username !== undefined) body.set('username', form.username)
  if (form.password !== undefined) body.set('password', form.password)
  const submitted = await fetch(target, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  })
  return toResult(submitted, await submitted.text())
}

function toResult(response: globalThis.Response, body: string): BrowserResult {
  const location = response.headers.get('location') ?? undefined
  let params: URLSearchParams | undefined
  if (location !== undefined) {
    const url = new URL(location)
    params = new URLSearchParams(url.hash.length > 1 ? url.hash.slice(1) : url.search)
  }
  return { status: response.status, location, params, body, headers: response.headers }
}

/** POSTs a form to the token endpoint and returns status, headers and parsed JSON. */
export async function postToken(
  url: string,
  form: Record<string, string>,
  init: { basic?: [string, string]; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...init.headers }
  if (init.basic !== undefined) {
    const [id, secret] = init.basic
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`
  }
  const response = await fetch(`${url}/token`, { method: 'POST', headers, body: new URLSearchParams(form) })
  const text = await response.text()
  return { status: response.status, headers: response.headers, json: JSON.parse(text) as Record<string, unknown> }
}
