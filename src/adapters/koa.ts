/**
 * The Koa adapter: `oauth2Middleware`.
 *
 * @module oauth2-stack/koa
 */
import type { Context, Middleware, Next } from 'koa'
import type { AuthorizationController } from '../controller.ts'
import type { ParsedForm } from '../internal/params.ts'
import { fromNodeRequest } from './node-request.ts'
import { BodyDeadlines, readBody } from './read-body.ts'

/** The `environ` the Koa adapter passes to the site adapter: Koa's context (and so `ctx.session`, `ctx.state`). */
export interface KoaEnviron {
  readonly ctx: Context
}

/** Options of {@link oauth2Middleware}. */
export interface KoaAdapterOptions {
  /** Mount point, e.g. `/oauth`; requests outside it go to the next middleware. Default none. */
  readonly prefix?: string
  /** Largest body read by the adapter itself, in bytes (413 beyond). Default 65536. */
  readonly maxBodyBytes?: number
  /** Time allowed to receive the body, in milliseconds (408 beyond). Default 10000. */
  readonly bodyTimeoutMs?: number
}

/**
 * Koa middleware serving every endpoint of the controller under `prefix`:
 * `app.use(oauth2Middleware(controller, { prefix: '/oauth' }))`. Other paths go to `next()`.
 *
 * Works with or without a body parser before it (`ctx.request.body` is used when set).
 */
export function oauth2Middleware(controller: AuthorizationController<KoaEnviron>, options: KoaAdapterOptions = {}): Middleware {
  const prefix = options.prefix ?? ''
  const maxBodyBytes = options.maxBodyBytes ?? 65_536
  const deadlines = new BodyDeadlines(options.bodyTimeoutMs ?? 10_000)
  return async (ctx: Context, next: Next) => {
    const path = ctx.path
    if (!path.startsWith(prefix) || !controller.handles(path.slice(prefix.length))) {
      await next()
      return
    }
    const parsed = (ctx.request as { body?: unknown }).body
    const { body, error } =
      parsed !== undefined && parsed !== null && typeof parsed === 'object'
        ? { body: parsed as ParsedForm, error: undefined }
        : typeof parsed === 'string'
          ? { body: parsed, error: undefined }
          : await readBody(ctx.req, maxBodyBytes, deadlines)
    const url = ctx.url.slice(prefix.length)
    const response = await controller.dispatch(fromNodeRequest(ctx.req, url, prefix, body, error), { ctx })
    ctx.status = response.statusCode
    ctx.set(response.headers)
    const cookies = response.setCookies
    if (cookies.length > 0) ctx.set('set-cookie', cookies)
    // A body we stopped reading cannot be drained reliably: close the connection after answering.
    if (error !== undefined) ctx.set('connection', 'close')
    ctx.body = response.body
    // Koa would guess a content type for string bodies; keep the controller's (or none, for redirects).
    if (response.headers['content-type'] === undefined) ctx.remove('content-type')
  }
}
