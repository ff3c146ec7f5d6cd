import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthorizationController } from '../controller.ts'
import { Request, type BodyError } from '../web/request.ts'
import { Response } from '../web/response.ts'

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
 * {@link Request}; all checks (method, content type, parameters) and all error formatting happen in the
 * core. Set the server's own `headersTimeout` and `requestTimeout` too, to bound slow clients before the
 * body.
 */
export function nodeHandler(
  controller: AuthorizationController<NodeEnviron>,
  options: NodeHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const maxBodyBytes = options.maxBodyBytes ?? 65_536
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 10_000
  const onNotFound = options.onNotFound
  return (req, res) => {
    const url = req.url ?? '/'
    const question = url.indexOf('?')
    const path = question === -1 ? url : url.slice(0, question)
    if (onNotFound !== undefined && !controller.handles(path)) {
      onNotFound(req, res)
      return
    }
    readBody(req, maxBodyBytes, bodyTimeoutMs).then(
      async ({ body, error }) => {
        const request = new Request({
          method: req.method ?? 'GET',
          path,
          query: question === -1 ? '' : url.slice(question + 1),
          headers: req.headers,
          body,
          bodyError: error,
        })
        const response = await controller.dispatch(request, { req, res })
        write(res, response, error !== undefined)
      },
      () => write(res, Response.json(400, { error: 'invalid_request', error_description: 'The request could not be read.' }), true),
    ).catch(() => {
      if (!res.headersSent) write(res, Response.json(500, { error: 'server_error' }), true)
      else res.destroy()
    })
  }
}

interface BodyResult {
  readonly body: string | undefined
  readonly error: BodyError | undefined
}

const NO_BODY: BodyResult = { body: undefined, error: undefined }

function readBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<BodyResult> {
  const method = req.method
  const length = req.headers['content-length']
  if ((method === 'GET' || method === 'HEAD') && length === undefined && req.headers['transfer-encoding'] === undefined) {
    return Promise.resolve(NO_BODY)
  }
  if (length !== undefined && Number(length) > maxBytes) return Promise.resolve({ body: undefined, error: 'too_large' })
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const finish = (result: BodyResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('aborted', onAborted)
      if (result.error !== undefined) req.resume()
      resolve(result)
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > maxBytes) finish({ body: undefined, error: 'too_large' })
      else chunks.push(chunk)
    }
    const onEnd = (): void => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')
      finish({ body, error: undefined })
    }
    const onError = (): void => finish({ body: undefined, error: 'aborted' })
    const onAborted = (): void => finish({ body: undefined, error: 'aborted' })
    const timer = setTimeout(() => finish({ body: undefined, error: 'timeout' }), timeoutMs)
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('aborted', onAborted)
  })
}

function write(res: ServerResponse, response: Response, close: boolean): void {
  if (res.headersSent || res.destroyed) return
  const headers: Record<string, string | number> = { ...response.headers, 'content-length': Buffer.byteLength(response.body) }
  // A body we stopped reading cannot be drained reliably: close the connection after answering.
  if (close) headers.connection = 'close'
  res.writeHead(response.statusCode, headers)
  res.end(response.body)
}
