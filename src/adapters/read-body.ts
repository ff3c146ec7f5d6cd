import type { IncomingMessage } from 'node:http'
import type { BodyError } from '../web/request.ts'

/** The outcome of reading a request body: its text, or why it could not be read. */
export interface BodyResult {
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
    // An aborted request emits 'error' (ECONNRESET). This listener stays attached: an 'error' event
    // without one would crash the process.
    req.on('error', this.#onAborted)
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
    if (result.error !== undefined) {
      // Stop collecting and let the rest of the body drain; after 'end' nothing more arrives, so the
      // listeners need no removal then.
      const req = this.#req
      req.off('data', this.#onData)
      req.off('end', this.#onEnd)
      req.resume()
    }
    this.#resolve(result)
  }
}

/**
 * The bodies being read by one handler, swept by a single coarse timer instead of one timer per request
 * (a timer per request showed in the profile); a body past its deadline settles as `timeout`. One per
 * adapter instance.
 */
export class BodyDeadlines {
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

/**
 * Reads a Node request body once, as UTF-8 text, with a size limit (checked against Content-Length first,
 * then while reading) and the deadline of `deadlines`. Never rejects.
 */
export function readBody(req: IncomingMessage, maxBytes: number, deadlines: BodyDeadlines): Promise<BodyResult> {
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
