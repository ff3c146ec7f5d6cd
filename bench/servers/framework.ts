/**
 * One framework, two ways: `framework.ts <node|express|fastify|koa|hono> <trivial|oauth2>`.
 * `trivial` is the framework's own route that reads the urlencoded body and answers a fixed JSON (its
 * baseline); `oauth2` is oauth2-stack's adapter for it serving client_credentials from memory.
 */
import { createServer, type Server } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { AuthorizationController } from 'oauth2-stack'
import { oauth2Router } from 'oauth2-stack/express'
import { oauth2Plugin } from 'oauth2-stack/fastify'
import { fetchHandler } from 'oauth2-stack/fetch'
import { ClientCredentialsGrant, Scope } from 'oauth2-stack/grant'
import { oauth2Middleware } from 'oauth2-stack/koa'
import { LocalClientStore, LocalTokenStore } from 'oauth2-stack/store'
import { nodeHandler } from 'oauth2-stack/web'
import { announce, BENCH_CLIENT } from './shared.ts'

const [framework = 'node', mode = 'trivial'] = process.argv.slice(2)
const fixed = JSON.stringify({ access_token: 'x'.repeat(43), token_type: 'Bearer', expires_in: 3600 })

async function controller(): Promise<AuthorizationController<never>> {
  const clientStore = new LocalClientStore()
  await clientStore.addClient({
    clientId: BENCH_CLIENT.clientId,
    clientSecret: BENCH_CLIENT.clientSecret,
    redirectUris: [BENCH_CLIENT.redirectUri],
  })
  const tokenStore = new LocalTokenStore()
  const result = new AuthorizationController<never>({
    issuer: 'http://127.0.0.1',
    accessTokenStore: tokenStore,
    authCodeStore: tokenStore,
    clientStore,
    scope: new Scope({ available: ['read', 'write'], default: ['read'] }),
  })
  result.addGrant(new ClientCredentialsGrant())
  return result
}

function readText(req: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

const server: Server = createServer()
const oauth = mode === 'oauth2'
switch (framework) {
  case 'node': {
    if (oauth) server.on('request', nodeHandler(await controller()))
    else
      server.on('request', (req, res) => {
        void readText(req).then((text) => {
          new URLSearchParams(text)
          res.writeHead(200, { 'content-type': 'application/json' }).end(fixed)
        })
      })
    break
  }
  case 'express': {
    const app = express()
    if (oauth) app.use(oauth2Router(await controller()))
    else app.post('/token', express.urlencoded({ extended: false }), (_req, res) => res.type('json').send(fixed))
    server.on('request', (req, res) => {
      app(req, res)
    })
    break
  }
  case 'koa': {
    const app = new Koa()
    if (oauth) app.use(oauth2Middleware(await controller()))
    else
      app.use(async (ctx) => {
        new URLSearchParams(await readText(ctx.req))
        ctx.type = 'json'
        ctx.body = fixed
      })
    const callback = app.callback()
    server.on('request', (req, res) => void callback(req, res))
    break
  }
  case 'fastify': {
    const app = Fastify({
      serverFactory: (handler) => {
        server.on('request', handler)
        return server
      },
    })
    if (oauth) await app.register(oauth2Plugin, { controller: await controller() })
    else {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
        done(null, new URLSearchParams(body as string)),
      )
      app.post('/token', async (_request, reply) => reply.type('application/json').send(fixed))
    }
    await app.ready()
    break
  }
  case 'hono': {
    const app = new Hono()
    if (oauth) {
      const handler = fetchHandler(await controller())
      app.all('*', (c) => handler(c.req.raw))
    } else
      app.post('/token', async (c) => {
        await c.req.parseBody()
        return c.body(fixed, 200, { 'content-type': 'application/json' })
      })
    const listener = getRequestListener(app.fetch)
    server.on('request', (req, res) => void listener(req, res))
    break
  }
  default:
    throw new Error(`unknown framework ${framework}`)
}
announce(server)
