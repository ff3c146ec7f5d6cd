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
  const deadlines = new BodyDeadlines(options.bodyTimeoutMs ?? 10_000)
  const onNotFound = options.onNotFound
  return (req, res) => {
    const url = req.url ?? '/'
    const question = url.indexOf('?')
    const path = question === -1 ? url : url.slice(0, question)
    if (onNotFound !== undefined && !controller.handles(path)) {
      onNotFound(req, res)
      return
    }
    readBody(req, maxBodyBytes, deadlines).then(
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
const TOO_LARGE: BodyResult = { body: undefined, error: 'too_large' }
const TIMEOUT: BodyResult = { body: undefined, error: 'timeout' }
const ABORTED: BodyResult = { body: undefined, error: 'aborted' }

/** A body being read: collects chunks up to the limit and settles once. */
class PendingBody {
  readonly startedAt: number = Date.now()
  readonly #req: IncomingMessage
  readonly #maxBytes: number
  readonly #deadlines: BodyDeadlines
  readonly #resolve: (result: BodyResult) => void
  readonly #chunks: Buffer[] = []
  #size = 0
  #settled = false

  constructor(req: IncomingMessage, maxBytes: number, deadlines: BodyDeadlines, resolve: (result: BodyResult) => void) {
    this.#req = req
    this.#maxBytes = maxBytes
    this.#deadlines = deadlines
    this.#resolve = resolve
    req.on('data', this.#onData)
    req.on('end', this.#onEnd)
    req.on('error', this.#onAborted)
    req.on('aborted', this.#onAborted)
    deadlines.add(this)
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#size += chunk.length
    if (this.#size > this.#maxBytes) this.finish(TOO_LARGE)
    else this.#chunks.push(chunk)
  }

  readonly #onEnd = (): void => {
    const chunks = this.#chunks
    const body = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')
    this.finish({ body, error: undefined })
  }

  readonly #onAborted = (): void => this.finish(ABORTED)

  finish(result: BodyResult): void {
    if (this.#settled) return
    this.#settled = true
    this.#deadlines.delete(this)
    const req = this.#req
    req.off('data', this.#onData)
    req.off('end', this.#onEnd)
    req.off('error', this.#onAborted)
    req.off('aborted', this.#onAborted)
    if (result.error !== undefined) req.resume()
    this.#resolve(result)
  }
}

/**
 * The bodies being read by one handler, swept by a single coarse timer instead of one timer per request
 * (a timer per request showed in the profile); a body past its deadline settles as `timeout`.
 */
class BodyDeadlines {
  readonly #pending = new Set<PendingBody>()
  readonly #timeoutMs: number
  #timer: NodeJS.Timeout | undefined

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs
  }

  add(body: PendingBody): void {
    this.#pending.add(body)
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#sweep(), Math.max(50, Math.min(1000, this.#timeoutMs / 4))).unref()
    }
  }

  delete(body: PendingBody): void {
    this.#pending.delete(body)
  }

  #sweep(): void {
    const expired = Date.now() - this.#timeoutMs
    for (const body of this.#pending) if (body.startedAt <= expired) body.finish(TIMEOUT)
  }
}

function readBody(req: IncomingMessage, maxBytes: number, deadlines: BodyDeadlines): Promise<BodyResult> {
  const method = req.method
  const length = req.headers['content-length']
  if ((method === 'GET' || method === 'HEAD') && length === undefined && req.headers['transfer-encoding'] === undefined) {
    return Promise.resolve(NO_BODY)
  }
  if (length !== undefined && Number(length) > maxBytes) {
    req.resume()
    return Promise.resolve(TOO_LARGE)
  }
  return new Promise((resolve) => new PendingBody(req, maxBytes, deadlines, resolve))
}

function write(res: ServerResponse, response: Response, close: boolean): void {
  if (res.headersSent || res.destroyed) return
  const headers = response.headers
  headers['content-length'] = String(Buffer.byteLength(response.body))
  // A body we stopped reading cannot be drained reliably: close the connection after answering.
  if (close) headers.connection = 'close'
  res.writeHead(response.statusCode, headers)
  res.end(response.body)
}
