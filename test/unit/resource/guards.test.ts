/**
 * RFC 6750 bearer-token guards in every framework, over real HTTP: the same protected route behind
 * node:http, Express (4 and 5), Fastify, Koa (2 and 3) and Hono (Fetch), checked for the RFC 6750 section 3 answers.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import express from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import Koa2 from 'koa2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  expressBearer,
  fastifyBearer,
  fetchBearer,
  koaBearer,
  nodeBearer,
  verifiedToken,
  type BearerGuardOptions,
} from '../../../src/resource/index.ts'
import { LocalTokenStore } from '../../../src/stores/index.ts'
import { hashToken } from '../../../src/tokens/hash.ts'

const ISSUER = 'https://as.example'
const NOW = Date.UTC(2026, 0, 1)
const store = new LocalTokenStore({ clock: () => NOW })
const options: BearerGuardOptions = { issuer: ISSUER, store, clock: () => NOW, realm: 'api' }

async function saveToken(token: string, scopes: readonly string[], expiresIn = 3600): Promise<void> {
  const issuedAt = Math.floor(NOW / 1000)
  await store.saveToken({
    tokenHash: hashToken(token),
    clientId: 'client-1',
    grantType: 'client_credentials',
    userId: 'alice',
    data: {},
    scopes,
    familyId: undefined,
    issuedAt,
    expiresAt: issuedAt + expiresIn,
    sealed: undefined,
    uniqueKey: undefined,
    refreshTokenHash: undefined,
  })
}

type Framework = 'node' | 'express' | 'express4' | 'fastify' | 'koa' | 'koa2' | 'hono'

async function protectedServer(framework: Framework): Promise<{ url: string; server: Server }> {
  const server = createServer()
  const ok = (subject: string | undefined): string => JSON.stringify({ hello: subject })
  switch (framework) {
    case 'node': {
      const guard = nodeBearer(options, ['read'])
      server.on('request', (req, res) => {
        void guard(req, res).then((token) => token && res.writeHead(200, { 'content-type': 'application/json' }).end(ok(token.subject)))
      })
      break
    }
    case 'express':
    case 'express4': {
      const app = framework === 'express4' ? express4() : express()
      app.get('/api', expressBearer(options, ['read']), (req, res) => {
        res.type('json').send(ok(verifiedToken(req)?.subject))
      })
      server.on('request', (req, res) => {
        app(req, res)
      })
      break
    }
    case 'koa':
    case 'koa2': {
      const app = framework === 'koa2' ? new Koa2() : new Koa()
      app.use(koaBearer(options, ['read']))
      app.use((ctx) => {
        ctx.type = 'json'
        ctx.body = ok(verifiedToken(ctx)?.subject)
      })
      const callback = app.callback()
      server.on('request', (req, res) => {
        void callback(req, res)
      })
      break
    }
    case 'fastify': {
      const app = Fastify({
        serverFactory: (handler) => {
          server.on('request', handler)
          return server
        },
      })
      app.get('/api', { preHandler: fastifyBearer(options, ['read']) }, async (request, reply) =>
        reply.type('application/json').send(ok(verifiedToken(request)?.subject)),
      )
      await app.ready()
      break
    }
    case 'hono': {
      const app = new Hono()
      const guard = fetchBearer(options, ['read'])
      app.get('/api', async (c) => {
        const checked = await guard(c.req.raw)
        return checked instanceof Response ? checked : c.body(ok(checked.subject), 200, { 'content-type': 'application/json' })
      })
      const listener = getRequestListener(app.fetch)
      server.on('request', (req, res) => {
        void listener(req, res)
      })
      break
    }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, server }
}

describe.each<Framework>(['node', 'express', 'express4', 'fastify', 'koa', 'koa2', 'hono'])('RFC 6750 bearer guard on %s', (framework) => {
  let target: { url: string; server: Server }
  beforeAll(async () => {
    await saveToken('good-token', ['read', 'write'])
    await saveToken('write-only', ['write'])
    await saveToken('expired-token', ['read'], -1)
    target = await protectedServer(framework)
  })
  afterAll(() => {
    target.server.closeAllConnections()
    target.server.close()
  })

  const get = (headers: Record<string, string> = {}, query = ''): Promise<Response> => fetch(`${target.url}${query}`, { headers })

  it('lets a valid token with the scope through, with the token available to the handler', async () => {
    const response = await get({ authorization: 'Bearer good-token' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ hello: 'alice' })
  })

  it('answers a request without a token with a bare 401 challenge (3.1: no error code)', async () => {
    const response = await get()
    expect(response.status).toBe(401)
    // RFC 6750 section 3: no error code, but the scope the resource needs (MCP: so a client knows what to ask for).
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api", scope="read"')
  })

  it('answers unknown and expired tokens with 401 invalid_token', async () => {
    for (const token of ['unknown-token', 'expired-token']) {
      const response = await get({ authorization: `Bearer ${token}` })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="api", error="invalid_token", error_description="[^"]+", scope="read"$/,
      )
      expect(((await response.json()) as { error: string }).error).toBe('invalid_token')
    }
  })

  it('answers a token without the scope with 403 insufficient_scope naming the scope', async () => {
    const response = await get({ authorization: 'Bearer write-only' })
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
    expect(response.headers.get('www-authenticate')).toContain('scope="read"')
  })

  it('refuses a token in the query string unless enabled (2.3), and malformed headers with 400', async () => {
    const query = await get({}, '?access_token=good-token')
    expect(query.status).toBe(400)
    expect(((await query.json()) as { error: string }).error).toBe('invalid_request')
    const malformed = await get({ authorization: 'Bearer not a token' })
    expect(malformed.status).toBe(400)
    const basic = await get({ authorization: 'Basic Zm9vOmJhcg==' })
    expect(basic.status).toBe(401)
    expect(basic.headers.get('www-authenticate')).toBe('Bearer realm="api", scope="read"')
  })
})
