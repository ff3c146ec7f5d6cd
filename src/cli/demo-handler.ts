import type { IncomingMessage, ServerResponse } from 'node:http'
import { fromNodeRequest, writeNodeResponse } from '../adapters/node-request.ts'
import type { NodeEnviron } from '../adapters/node-http.ts'
import { BodyDeadlines, readBody } from '../adapters/read-body.ts'
import type { AuthorizationController } from '../controller.ts'
import { requestIdOf } from '../events/request-id.ts'
import type { Request } from '../web/request.ts'
import { Response } from '../web/response.ts'
import { authSchemeOf, clientIdOf, paramsOf, type RequestLogger } from './request-log.ts'

/** Answers a path that is not the controller's (the home page, the playground), or `undefined` for a 404. */
export type PageRoute = (request: Request) => Response | undefined | Promise<Response | undefined>

/** Options of {@link demoRequestHandler}. */
export interface DemoRequestHandlerOptions {
  /** Pages beside the controller's endpoints. */
  readonly pages?: PageRoute
  /** Where one line per request goes; none when omitted. */
  readonly logger?: RequestLogger | undefined
  /** Largest request body accepted, in bytes. Default 65536. */
  readonly maxBodyBytes?: number
  /** Time allowed to receive the body, in milliseconds. Default 10000. */
  readonly bodyTimeoutMs?: number
}

/**
 * The demo server's `node:http` listener: what `nodeHandler` does (body limit and timeout, the core's
 * `Request`, the controller's `Response` written once), plus the demo's own pages and one log line per
 * request with the client it names (see `request-log.ts` for what is redacted).
 */
export function demoRequestHandler(
  controller: AuthorizationController<NodeEnviron>,
  options: DemoRequestHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const maxBodyBytes = options.maxBodyBytes ?? 65_536
  const deadlines = new BodyDeadlines(options.bodyTimeoutMs ?? 10_000)
  const { logger, pages } = options
  return (req, res) => {
    const started = performance.now()
    const time = new Date()
    const url = req.url ?? '/'
    let request: Request | undefined
    let response: Response | undefined
    if (logger !== undefined) {
      res.once('close', () => {
        const path = request?.path ?? url.split('?')[0] ?? '/'
        logger.request({
          method: req.method ?? 'GET',
          path,
          status: res.statusCode,
          durationMs: performance.now() - started,
          time,
          requestId: request === undefined ? undefined : requestIdOf(request),
          clientId: request === undefined ? undefined : clientIdOf(request),
          auth: request === undefined ? undefined : authSchemeOf(request),
          error: response === undefined ? undefined : errorOf(response),
          params: request === undefined ? undefined : paramsOf(request),
        })
      })
    }
    readBody(req, maxBodyBytes, deadlines)
      .then(async ({ body, error }) => {
        request = fromNodeRequest(req, url, '', body, error)
        if (controller.handles(request.path)) {
          response = await controller.dispatch(request, { req, res })
        } else {
          response = (await pages?.(request)) ?? Response.json(404, { error: 'not_found', error_description: 'Nothing at this path.' })
        }
        writeNodeResponse(res, response, error !== undefined)
      })
      .catch(() => {
        if (!res.headersSent) writeNodeResponse(res, Response.json(500, { error: 'server_error' }), true)
        else res.destroy()
      })
  }
}

/** The OAuth error code of a response: the JSON body's `error`, or the `error` of an error redirect. */
function errorOf(response: Response): string | undefined {
  const location = response.headers.location
  if (location !== undefined) {
    try {
      const url = new URL(location)
      const params = new URLSearchParams(url.hash.length > 1 ? url.hash.slice(1) : url.search)
      return params.get('error') ?? undefined
    } catch {
      return undefined
    }
  }
  if (response.statusCode < 400 || !(response.headers['content-type'] ?? '').startsWith('application/json')) return undefined
  try {
    const parsed: unknown = JSON.parse(response.body)
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed && typeof parsed.error === 'string') return parsed.error
  } catch {
    // not JSON after all
  }
  return undefined
}
