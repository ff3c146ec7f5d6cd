/**
 * The `node:http` adapter: `nodeHandler`.
 *
 * @module oauth2-stack/node
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthorizationController } from '../controller.ts'
import { serverErrorResponse } from '../web/error-response.ts'
import { fromNodeRequest, splitUrl, writeNodeResponse } from './node-request.ts'
import { BodyDeadlines, readBody } from './read-body.ts'

/** The `environ` that {@link nodeHandler} passes to `dispatch` and so to the site adapter. */
export interface NodeEnviron {
  readonly req: IncomingMessage
  readonly res: ServerResponse
}

/** Options of {@link nodeHandler}. */
export interface NodeHandlerOptions {
  /** Largest request body accepted, in bytes; larger ones get 413. Default 65536. */
  readonly maxBodyBytes?: number
  /** Time allowed to receive the body, in milliseconds; slower ones get 408. Default 10000. */
  readonly bodyTimeoutMs?: number
  /**
   * Called for paths that are not the controller's, e.g. to serve the rest of the application.
   * Default: a 404 JSON response.
   */
  readonly onNotFound?: (req: IncomingMessage, res: ServerResponse) => void
}

/**
 * Serves a controller over plain `node:http` (the seed's `oauth2.web.Wsgi`):
 * `http.createServer(nodeHandler(controller)).listen(8080)`.
 *
 * It reads the body once, with a size limit and a timeout, and hands the controller a framework-free
 * {@link "oauth2-stack/web"!Request}; all checks (method, content type, parameters) and all error formatting happen in the
 * core. Set the server's own `headersTimeout` and `requestTimeout` too, to bound slow clients before the
 * body.
 */
export function nodeHandler(
  controller: AuthorizationController<NodeEnviron>,
  options: NodeHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const maxBodyBytes = options.maxBodyBytes ?? 65_536
  const deadlines = new BodyDeadlines(options.bodyTimeoutMs ?? 10_000)
  const onNotFound = options.onNotFound
  return (req, res) => {
    const url = req.url ?? '/'
    if (onNotFound !== undefined && !controller.handles(splitUrl(url).path)) {
      onNotFound(req, res)
      return
    }
    readBody(req, maxBodyBytes, deadlines)
      .then(({ body, error }) =>
        controller.dispatch(fromNodeRequest(req, url, '', body, error), { req, res }).then((response) => {
          writeNodeResponse(res, response, error !== undefined)
        }),
      )
      .catch(() => {
        if (!res.headersSent) writeNodeResponse(res, serverErrorResponse(), true)
        else res.destroy()
      })
  }
}
