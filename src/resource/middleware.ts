import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Response } from '../web/response.ts'
import { createBearerGuard, type BearerGuardOptions } from './guard.ts'
import type { VerifiedToken } from './verify.ts'

/** The verified token of each request a guard let through. */
const tokens = new WeakMap<object, VerifiedToken>()

/**
 * The token a guard verified for this request object (the Node/Express/Fastify request, the Koa context,
 * or the Fetch request), or `undefined`.
 */
export function verifiedToken(request: object): VerifiedToken | undefined {
  return tokens.get(request)
}

function queryOf(url: string | undefined): string | undefined {
  const question = url?.indexOf('?') ?? -1
  return question === -1 || url === undefined ? undefined : url.slice(question + 1)
}

function writeNode(res: ServerResponse, response: Response): void {
  res.writeHead(response.statusCode, { ...response.headers, 'content-length': Buffer.byteLength(response.body) }).end(response.body)
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * `node:http`: `const token = await guard(req, res)`; `undefined` means the 4xx was already sent.
 */
export function nodeBearer(
  options: BearerGuardOptions,
  requiredScopes?: readonly string[],
): (req: IncomingMessage, res: ServerResponse) => Promise<VerifiedToken | undefined> {
  const guard = createBearerGuard(options)
  return async (req, res) => {
    const result = await guard({ authorization: header(req.headers.authorization), query: queryOf(req.url) }, requiredScopes)
    if (result.ok) {
      tokens.set(req, result.token)
      return result.token
    }
    writeNode(res, result.response)
    return undefined
  }
}

/** Express middleware: `app.get('/api', expressBearer(options, ['read']), handler)`; the token is `verifiedToken(req)`. */
export function expressBearer(
  options: BearerGuardOptions,
  requiredScopes?: readonly string[],
): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  const check = nodeBearer(options, requiredScopes)
  return (req, res, next) => {
    check(req, res).then((token) => token !== undefined && next(), next)
  }
}

/** The part of a Koa context the guard uses. */
export interface KoaBearerContext {
  readonly req: IncomingMessage
  status: number
  body: unknown
  set(field: Record<string, string>): void
}

/** Koa middleware: `app.use(koaBearer(options, ['read']))`; the token is `verifiedToken(ctx)`. */
export function koaBearer(
  options: BearerGuardOptions,
  requiredScopes?: readonly string[],
): (ctx: KoaBearerContext, next: () => Promise<unknown>) => Promise<void> {
  const guard = createBearerGuard(options)
  return async (ctx, next) => {
    const result = await guard({ authorization: header(ctx.req.headers.authorization), query: queryOf(ctx.req.url) }, requiredScopes)
    if (!result.ok) {
      ctx.status = result.response.statusCode
      ctx.set(result.response.headers)
      ctx.body = result.response.body
      return
    }
    tokens.set(ctx, result.token)
    await next()
  }
}

/** The parts of Fastify's request and reply the guard uses. */
export interface FastifyBearerRequest {
  readonly headers: Record<string, string | string[] | undefined>
  readonly url: string
}
export interface FastifyBearerReply {
  code(status: number): FastifyBearerReply
  headers(values: Record<string, string>): FastifyBearerReply
  send(body: string): unknown
}

/** A Fastify `preHandler` hook: `{ preHandler: fastifyBearer(options, ['read']) }`; the token is `verifiedToken(request)`. */
export function fastifyBearer(
  options: BearerGuardOptions,
  requiredScopes?: readonly string[],
): (request: FastifyBearerRequest, reply: FastifyBearerReply) => Promise<void> {
  const guard = createBearerGuard(options)
  return async (request, reply) => {
    const result = await guard({ authorization: header(request.headers.authorization), query: queryOf(request.url) }, requiredScopes)
    if (result.ok) {
      tokens.set(request, result.token)
      return
    }
    await reply.code(result.response.statusCode).headers(result.response.headers).send(result.response.body)
  }
}

/**
 * Fetch API (Hono, Bun, Deno, Workers): `const checked = await guard(request)`; a `Response` means refuse
 * with it, otherwise it is the verified token.
 */
export function fetchBearer(
  options: BearerGuardOptions,
  requiredScopes?: readonly string[],
): (request: globalThis.Request) => Promise<VerifiedToken | globalThis.Response> {
  const guard = createBearerGuard(options)
  return async (request) => {
    const result = await guard(
      { authorization: request.headers.get('authorization') ?? undefined, query: queryOf(request.url) },
      requiredScopes,
    )
    if (result.ok) {
      tokens.set(request, result.token)
      return result.token
    }
    const { statusCode, headers, body } = result.response
    return new globalThis.Response(body === '' ? null : body, { status: statusCode, headers })
  }
}
