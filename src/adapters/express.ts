/**
 * The Express adapter (Express 4 and 5): `oauth2Router`, `oauth2ErrorHandler`.
 *
 * @module oauth2-stack/express
 */
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse, Router } from 'express'
import { Router as createRouter } from 'express'
import type { AuthorizationController } from '../controller.ts'
import type { ParsedForm } from '../internal/params.ts'
import { serverErrorResponse } from '../web/error-response.ts'
import { fromNodeRequest, writeNodeResponse } from './node-request.ts'
import type { BodyError } from '../web/request.ts'
import { BodyDeadlines, readBody } from './read-body.ts'

/** The `environ` the Express adapter passes to the site adapter: Express's own request and response. */
export interface ExpressEnviron {
  readonly req: ExpressRequest
  readonly res: ExpressResponse
}

/** Options of {@link oauth2Router}. */
export interface ExpressAdapterOptions {
  /** Largest body read by the adapter itself, in bytes (413 beyond). Default 65536. */
  readonly maxBodyBytes?: number
  /** Time allowed to receive the body, in milliseconds (408 beyond). Default 10000. */
  readonly bodyTimeoutMs?: number
}

/**
 * An Express `Router` serving every endpoint of the controller. Mount it where you like:
 * `app.use('/oauth', oauth2Router(controller))` serves `/oauth/authorize` and `/oauth/token`.
 *
 * Works whether or not the app parsed bodies already (`express.urlencoded()` before it): a parsed form is
 * taken as it is, otherwise the adapter reads the body with the core's limits. The site adapter receives
 * `{ req, res }`, so login can use the app's session (`req.session`, `req.user`).
 */
export function oauth2Router(controller: AuthorizationController<ExpressEnviron>, options: ExpressAdapterOptions = {}): Router {
  const maxBodyBytes = options.maxBodyBytes ?? 65_536
  const deadlines = new BodyDeadlines(options.bodyTimeoutMs ?? 10_000)
  const router = createRouter()
  const serve = serveWith(controller)
  router.use((req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    if (!controller.handles(req.path)) {
      next()
      return
    }
    const parsed = parsedBody(req)
    serve(
      req,
      res,
      next,
      parsed === undefined ? readBody(req, maxBodyBytes, deadlines) : Promise.resolve({ body: parsed, error: undefined }),
    )
  })
  return router
}

/**
 * Express error middleware for apps whose own body parser runs before the router: when that parser
 * refuses a body (too large, malformed), the OAuth endpoints still answer with the core's RFC error
 * instead of Express's HTML page. Mount it right after the router:
 * `app.use('/oauth', oauth2Router(controller), oauth2ErrorHandler(controller))`.
 * (Express skips a mounted router for errors, so the router cannot catch them itself.)
 */
export function oauth2ErrorHandler(
  controller: AuthorizationController<ExpressEnviron>,
): (error: unknown, req: ExpressRequest, res: ExpressResponse, next: NextFunction) => void {
  const serve = serveWith(controller)
  return (error, req, res, next) => {
    const status = (error as { status?: unknown } | null)?.status
    if (!controller.handles(req.path) || typeof status !== 'number' || status >= 500) {
      next(error)
      return
    }
    serve(req, res, next, Promise.resolve({ body: undefined, error: status === 413 ? 'too_large' : 'aborted' }))
  }
}

function serveWith(
  controller: AuthorizationController<ExpressEnviron>,
): (req: ExpressRequest, res: ExpressResponse, next: NextFunction, body: Promise<AdapterBody>) => void {
  return (req, res, next, body) => {
    body
      .then(async ({ body: text, error }) => {
        const request = fromNodeRequest(req, req.url, req.baseUrl, text, error)
        writeNodeResponse(res, await controller.dispatch(request, { req, res }), error !== undefined)
      })
      .catch((error: unknown) => {
        if (!res.headersSent) writeNodeResponse(res, serverErrorResponse(), true)
        else next(error)
      })
  }
}

/** A body read by the adapter or parsed by the app, or why there is none. */
interface AdapterBody {
  readonly body: string | ParsedForm | undefined
  readonly error: BodyError | undefined
}

/** The body a body parser already produced, if any (`req.body` is `undefined` in Express 5 otherwise). */
function parsedBody(req: ExpressRequest): ParsedForm | string | undefined {
  const body: unknown = req.body
  if (typeof body === 'string') return body
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) return body as ParsedForm
  if (Buffer.isBuffer(body)) return body.toString('utf8')
  return undefined
}
