/**
 * The resource side of MCP authorization over real HTTP, in the framework of the adapter under test
 * (node:http, Express 5 and 4, Fastify, Koa, Hono on the Fetch guard): protected resource metadata (RFC
 * 9728) served at the origin root with path insertion and read by oauth4webapi, 401 and 403 challenges
 * with `resource_metadata` and `scope`, and every guard refusing a token minted for another resource,
 * opaque and JWT alike (RFC 8707; no token passthrough).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import express from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  expressBearer,
  expressProtectedResourceMetadata,
  fastifyBearer,
  fastifyProtectedResourceMetadata,
  fetchBearer,
  fetchProtectedResourceMetadata,
  koaBearer,
  koaProtectedResourceMetadata,
  nodeBearer,
  nodeProtectedResourceMetadata,
  protectedResourceMetadata,
  verifiedToken,
  type BearerGuardOptions,
  type ProtectedResourceMetadata,
} from '../../src/resource/index.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import { JwtTokenGenerator } from '../../src/tokens/index.ts'
import { authorizationServer, basicAuth, confidentialClient, insecure } from '../helpers/oauth-client.ts'
import { ADAPTER, startTestServer, type TestServer } from '../helpers/test-server.ts'

/** One protected route: its path, the guard's options, the scopes it needs. */
interface Route {
  readonly path: string
  readonly options: BearerGuardOptions
  readonly scopes: readonly string[]
}

/** Mounts the metadata documents at the root and the guarded routes, in the adapter's own framework. */
async function mountResource(server: Server, documents: readonly ProtectedResourceMetadata[], routes: readonly Route[]): Promise<void> {
  const ok = (subject: string | undefined): string => JSON.stringify({ hello: subject })
  switch (ADAPTER) {
    case 'node': {
      const serveDocuments = documents.map(nodeProtectedResourceMetadata)
      const guards = routes.map((route) => ({ path: route.path, guard: nodeBearer(route.options, route.scopes) }))
      server.on('request', (req: IncomingMessage, res: ServerResponse) => {
        if (serveDocuments.some((serve) => serve(req, res))) return
        const route = guards.find((candidate) => candidate.path === req.url)
        if (route === undefined) return void res.writeHead(404).end()
        void route
          .guard(req, res)
          .then((token) => token && res.writeHead(200, { 'content-type': 'application/json' }).end(ok(token.subject)))
      })
      return
    }
    case 'express':
    case 'express-parsed':
    case 'express4': {
      const app = ADAPTER === 'express4' ? express4() : express()
      for (const document of documents) app.use(expressProtectedResourceMetadata(document))
      for (const route of routes) {
        app.get(route.path, expressBearer(route.options, route.scopes), (req, res) => {
          res.type('json').send(ok(verifiedToken(req)?.subject))
        })
      }
      server.on('request', (req, res) => {
        app(req, res)
      })
      return
    }
    case 'koa': {
      const app = new Koa()
      for (const document of documents) app.use(koaProtectedResourceMetadata(document))
      const guards = routes.map((route) => ({ path: route.path, guard: koaBearer(route.options, route.scopes) }))
      app.use(async (ctx, next) => {
        const route = guards.find((candidate) => candidate.path === ctx.path)
        if (route === undefined) {
          await next()
          return
        }
        await route.guard(ctx, async () => {
          ctx.type = 'json'
          ctx.body = ok(verifiedToken(ctx)?.subject)
        })
      })
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
      for (const document of documents) {
        app.route({ method: ['GET', 'HEAD'], url: document.path, handler: fastifyProtectedResourceMetadata(document) })
      }
      for (const route of routes) {
        app.get(route.path, { preHandler: fastifyBearer(route.options, route.scopes) }, async (request, reply) =>
          reply.type('application/json').send(ok(verifiedToken(request)?.subject)),
        )
      }
      await app.ready()
      return
    }
    case 'hono': {
      const app = new Hono()
      const serveDocuments = documents.map(fetchProtectedResourceMetadata)
      app.use(async (c, next) => {
        const answer = serveDocuments.map((serve) => serve(c.req.raw)).find((response) => response !== undefined)
        if (answer !== undefined) return answer
        await next()
        return undefined
      })
      for (const route of routes) {
        const guard = fetchBearer(route.options, route.scopes)
        app.get(route.path, async (c) => {
          const checked = await guard(c.req.raw)
          return checked instanceof Response ? checked : c.body(ok(checked.subject), 200, { 'content-type': 'application/json' })
        })
      }
      const listener = getRequestListener(app.fetch)
      server.on('request', (req, res) => {
        void listener(req, res)
      })
      return
    }
  }
}

/** A `WWW-Authenticate: Bearer` challenge's parameters (quoted-string values, as the guards send them). */
function challengeOf(response: Response): Record<string, string> {
  const header = response.headers.get('www-authenticate') ?? ''
  expect(header).toMatch(/^Bearer /)
  return Object.fromEntries([...header.matchAll(/([a-z_]+)="([^"]*)"/g)].map((match) => [match[1]!, match[2]!]))
}

describe(`RFC 9728 protected resource metadata and RFC 8707 audiences in the ${ADAPTER} guard`, () => {
  const resourceServer = createServer()
  let origin: string
  let opaqueAs: TestServer
  let jwtAs: TestServer
  let opaqueApi: string
  let jwtApi: string
  let other: string

  beforeAll(async () => {
    await new Promise<void>((resolve) => resourceServer.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(resourceServer.address() as AddressInfo).port}`
    opaqueApi = `${origin}/api/mcp`
    jwtApi = `${origin}/jwt/mcp`
    other = `${origin}/other`
    const known = [opaqueApi, jwtApi, other]
    const resources = {
      default: opaqueApi,
      allowed: (_client: unknown, requested: readonly string[]) => requested.every((r) => known.includes(r)),
    }
    opaqueAs = await startTestServer({ controller: { resources } })
    const key = await JwtTokenGenerator.generateKey('ES256', 'key-1')
    jwtAs = await startTestServer({
      controller: (issuer) => ({
        resources,
        tokenGenerator: new JwtTokenGenerator({ issuer, keys: [key], clock: () => jwtAs.clock.now() }),
      }),
    })
    const opaqueOptions: BearerGuardOptions = {
      issuer: opaqueAs.issuer,
      store: opaqueAs.tokenStore,
      resource: opaqueApi,
      clock: opaqueAs.clock.now,
    }
    const jwtOptions: BearerGuardOptions = {
      issuer: jwtAs.issuer,
      jwks: new URL(`${jwtAs.url}/jwks`),
      resource: jwtApi,
      clock: jwtAs.clock.now,
    }
    await mountResource(
      resourceServer,
      [
        protectedResourceMetadata({
          resource: opaqueApi,
          authorizationServers: [opaqueAs.issuer],
          scopesSupported: ['read', 'write', 'offline_access'],
          resourceName: 'Opaque MCP',
        }),
        protectedResourceMetadata({ resource: jwtApi, authorizationServers: [jwtAs.issuer], scopesSupported: ['read'] }),
      ],
      [
        { path: '/api/mcp', options: opaqueOptions, scopes: ['read'] },
        { path: '/api/mcp/admin', options: opaqueOptions, scopes: ['admin'] },
        { path: '/jwt/mcp', options: jwtOptions, scopes: ['read'] },
      ],
    )
  })
  afterAll(async () => {
    resourceServer.closeAllConnections()
    resourceServer.close()
    await Promise.all([opaqueAs.close(), jwtAs.close()])
  })

  /** A client-credentials token from `server` for `resources` (none: the default). */
  async function tokenFor(server: TestServer, resources: readonly string[]): Promise<string> {
    const as = authorizationServer(server)
    const parameters = new URLSearchParams([
      ['scope', 'read'] as [string, string],
      ...resources.map((resource): [string, string] => ['resource', resource]),
    ])
    const response = await oauth.clientCredentialsGrantRequest(as, confidentialClient, basicAuth, parameters, insecure)
    return (await oauth.processClientCredentialsResponse(as, confidentialClient, response)).access_token
  }
  const call = (path: string, token?: string): Promise<Response> =>
    fetch(`${origin}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

  it('serves each resource its metadata at the root with path insertion; oauth4webapi checks `resource`', async () => {
    const opaque = await oauth.processResourceDiscoveryResponse(
      new URL(opaqueApi),
      await oauth.resourceDiscoveryRequest(new URL(opaqueApi), insecure),
    )
    expect(opaque).toEqual({
      resource: opaqueApi,
      authorization_servers: [opaqueAs.issuer],
      // The MCP specification: offline_access is the authorization server's, not the resource's.
      scopes_supported: ['read', 'write'],
      bearer_methods_supported: ['header'],
      resource_name: 'Opaque MCP',
    })
    const jwt = await oauth.processResourceDiscoveryResponse(
      new URL(jwtApi),
      await oauth.resourceDiscoveryRequest(new URL(jwtApi), insecure),
    )
    expect(jwt.resource).toBe(jwtApi)
    expect(jwt.authorization_servers).toEqual([jwtAs.issuer])
    const raw = await fetch(`${origin}/.well-known/oauth-protected-resource/api/mcp`)
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/)
    expect(raw.headers.get('access-control-allow-origin')).toBe('*')
    expect((await fetch(`${origin}/.well-known/oauth-protected-resource/api/mcp`, { method: 'HEAD' })).status).toBe(200)
    expect((await fetch(`${origin}/.well-known/oauth-protected-resource/nothing`)).status).toBe(404)
  })

  it('answers a request without a token 401 with resource_metadata and the scope it needs (RFC 9728 section 5.1)', async () => {
    for (const [path, metadata] of [
      ['/api/mcp', `${origin}/.well-known/oauth-protected-resource/api/mcp`],
      ['/jwt/mcp', `${origin}/.well-known/oauth-protected-resource/jwt/mcp`],
    ] as const) {
      const response = await call(path)
      expect(response.status).toBe(401)
      const challenge = challengeOf(response)
      expect(challenge).toMatchObject({ resource_metadata: metadata, scope: 'read' })
      expect(challenge.error).toBeUndefined()
      // What an MCP client does next: the metadata URL from the challenge names the resource it called.
      const document = await oauth.processResourceDiscoveryResponse(new URL(`${origin}${path}`), await fetch(challenge.resource_metadata!))
      expect(document.resource).toBe(`${origin}${path}`)
    }
  })

  it('lets a token for this resource through, opaque and JWT', async () => {
    const opaque = await call('/api/mcp', await tokenFor(opaqueAs, []))
    expect(opaque.status).toBe(200)
    expect(await opaque.json()).toEqual({ hello: 'confidential' })
    expect((await call('/jwt/mcp', await tokenFor(jwtAs, [jwtApi]))).status).toBe(200)
  })

  it('refuses a token minted for another resource: 401 invalid_token, opaque and JWT alike', async () => {
    for (const [path, token] of [
      ['/api/mcp', await tokenFor(opaqueAs, [other])],
      ['/api/mcp', await tokenFor(opaqueAs, [jwtApi])],
      ['/jwt/mcp', await tokenFor(jwtAs, [other])],
      ['/jwt/mcp', await tokenFor(jwtAs, [opaqueApi])],
    ] as const) {
      // As oauth4webapi's protected-resource client sees it: a parsed Bearer challenge.
      const refused = await oauth.protectedResourceRequest(token, 'GET', new URL(`${origin}${path}`), undefined, undefined, insecure).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(refused).toBeInstanceOf(oauth.WWWAuthenticateChallengeError)
      const challenge = (refused as oauth.WWWAuthenticateChallengeError).cause[0]
      expect(challenge?.scheme).toBe('bearer')
      expect(challenge?.parameters).toMatchObject({
        error: 'invalid_token',
        resource_metadata: `${origin}/.well-known/oauth-protected-resource${path}`,
        scope: 'read',
      })
      expect((refused as oauth.WWWAuthenticateChallengeError).status).toBe(401)
    }
  })

  it('refuses an opaque token with no audience at all (it would be good anywhere)', async () => {
    const now = Math.floor(opaqueAs.clock.now() / 1000)
    await opaqueAs.tokenStore.saveToken({
      tokenHash: hashToken('no-audience-token'),
      clientId: 'confidential',
      grantType: 'client_credentials',
      userId: undefined,
      data: {},
      scopes: ['read'],
      familyId: undefined,
      issuedAt: now,
      expiresAt: now + 3600,
      sealed: undefined,
      uniqueKey: undefined,
      refreshTokenHash: undefined,
    })
    const response = await call('/api/mcp', 'no-audience-token')
    expect(response.status).toBe(401)
    expect(challengeOf(response).error).toBe('invalid_token')
  })

  it('answers a token without the needed scope 403 insufficient_scope, with scope and resource_metadata', async () => {
    const response = await call('/api/mcp/admin', await tokenFor(opaqueAs, [opaqueApi]))
    expect(response.status).toBe(403)
    expect(challengeOf(response)).toMatchObject({
      error: 'insufficient_scope',
      scope: 'admin',
      resource_metadata: `${origin}/.well-known/oauth-protected-resource/api/mcp`,
    })
  })
})
