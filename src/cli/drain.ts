/**
 * Graceful shutdown of a `node:http` server: requests that began before the shutdown are answered (with
 * `Connection: close`), requests that begin after it get 503 `temporarily_unavailable` with
 * `Connection: close` and `Retry-After`, and the drain is bounded: after `timeoutMs` the connections
 * still open are cut. A refresh that is answered completes its rotation, so no token family is lost
 * or revoked by a shutdown.
 *
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

/** Default bound of a drain, in milliseconds. */
export const DEFAULT_DRAIN_MS = 10_000

/**
 * How long a drain keeps idle keep-alive connections open once the requests in flight are answered: a
 * request a client wrote just before the signal may still be on its way on a connection the server sees
 * as idle, and closing that connection would cut it. Late arrivals get 503 with `Connection: close`.
 */
const SETTLE_MS = 300

/** How a drain ended. */
export interface DrainResult {
  /** Whether every request that began before the shutdown was answered within the bound. */
  readonly drained: boolean
  /** Requests still running when the bound was reached (their connections were cut). */
  readonly abandoned: number
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void

/** Counts the requests in flight on one server and drains them on {@link Drain.drain}. */
export class Drain {
  readonly #server: Server
  readonly #active = new Set<ServerResponse>()
  #draining = false
  #idle: (() => void) | undefined

  constructor(server: Server) {
    this.#server = server
  }

  /** Whether the server is shutting down (then every new request is refused). */
  get draining(): boolean {
    return this.#draining
  }

  /** Requests being answered now. */
  get active(): number {
    return this.#active.size
  }

  /** Wraps a request listener: counts its requests, and refuses new ones once draining. */
  listener(handle: Listener): Listener {
    return (req, res) => {
      if (this.#draining) {
        refuse(res)
        return
      }
      this.#active.add(res)
      res.once('close', () => {
        this.#active.delete(res)
        if (this.#active.size === 0) this.#idle?.()
      })
      handle(req, res)
    }
  }

  /**
   * Stops taking requests, waits (at most `timeoutMs`) for the ones in flight, stops listening, and
   * cuts whatever connection is still open at the bound. Resolves once the server is closed.
   */
  async drain(timeoutMs: number = DEFAULT_DRAIN_MS): Promise<DrainResult> {
    this.#draining = true
    const deadline = Date.now() + timeoutMs
    // Answers still being prepared end their connection: the client opens a new one elsewhere.
    for (const res of this.#active) if (!res.headersSent) res.setHeader('connection', 'close')
    await this.#whenIdle(timeoutMs)
    await sleep(Math.min(SETTLE_MS, Math.max(0, deadline - Date.now())))
    await this.#whenIdle(Math.max(0, deadline - Date.now()))
    // Stop listening; Node closes the idle keep-alive connections and waits for the others.
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    const abandoned = this.#active.size
    if (abandoned > 0) this.#server.closeAllConnections()
    await Promise.race([closed, sleep(Math.max(0, deadline - Date.now()))])
    this.#server.closeAllConnections()
    await closed
    return { drained: abandoned === 0, abandoned }
  }

  #whenIdle(timeoutMs: number): Promise<void> {
    if (this.#active.size === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.#idle = done
    })
  }
}

/** The answer to a request that arrives during the drain. */
function refuse(res: ServerResponse): void {
  const body = JSON.stringify({ error: 'temporarily_unavailable', error_description: 'The server is shutting down; try again.' })
  res.writeHead(503, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'retry-after': '1',
    connection: 'close',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
