/**
 * The Fetch-API adapter (Hono, Bun, Deno, Workers): `fetchHandler`.
 *
 * @module oauth2-stack/fetch
 */
import type { AuthorizationController } from '../controller.ts'
import { Request, type BodyError } from '../web/request.ts'
import { notFoundResponse } from '../web/error-response.ts'
import type { Response } from '../web/response.ts'

/** The `environ` the Fetch adapter passes to the site adapter: the runtime's own `Request`. */
export interface FetchEnviron {
  readonly request: globalThis.Request
}

/** Options of {@link fetchHandler}. */
export interface FetchAdapterOptions {
  /** Mount point, e.g. `/oauth`. Default none. */
  readonly prefix?: string
  /** Largest body accepted, in bytes (413 beyond). Default 65536. */
  readonly maxBodyBytes?: number
}

/**
 * A Fetch-API handler, `(request: Request) => Promise<Response>`, serving every endpoint of the
 * controller under `prefix` — for Hono (`app.all('/oauth/*', (c) => handler(c.req.raw))`), Bun
 * (`Bun.serve({ fetch: handler })`), Deno and Workers. Other paths get a 404 JSON response.
 *
 * Uses only Web standard APIs here; the core's crypto comes from `node:crypto` (all of it through
 * `internal/crypto.ts`), which Bun, Deno and Workers (with Node compatibility) provide.
 */
export function fetchHandler(
  controller: AuthorizationController<FetchEnviron>,
  options: FetchAdapterOptions = {},
): (request: globalThis.Request) => Promise<globalThis.Response> {
  const prefix = options.prefix ?? ''
  const maxBodyBytes = options.maxBodyBytes ?? 65_536
  return async (raw) => {
    const url = new URL(raw.url)
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname
    if (!url.pathname.startsWith(prefix) || !controller.handles(path)) {
      return toFetchResponse(notFoundResponse())
    }
    const { body, error } = await readFetchBody(raw, maxBodyBytes)
    const headers: Record<string, string> = {}
    raw.headers.forEach((value, name) => {
      headers[name] = value
    })
    const request = new Request({ method: raw.method, path, basePath: prefix, query: url.search.slice(1), headers, body, bodyError: error })
    const response = await controller.dispatch(request, { request: raw })
    if (error !== undefined) response.headers.connection = 'close'
    return toFetchResponse(response)
  }
}

function toFetchResponse(response: Response): globalThis.Response {
  const noBody = response.body.length === 0 || response.statusCode === 204 || response.statusCode === 304
  const cookies = response.setCookies
  // A plain object keeps runtimes on their fast path (e.g. @hono/node-server's light Response); pairs only
  // when several Set-Cookie values must go out.
  let headers: Record<string, string> | [string, string][] = response.headers
  if (cookies.length > 0) {
    headers = Object.entries(response.headers).filter(([name]) => name !== 'set-cookie')
    for (const cookie of cookies) headers.push(['set-cookie', cookie])
  }
  return new globalThis.Response(noBody ? null : response.body, { status: response.statusCode, headers })
}

/** Reads a Fetch body as text with a size limit, never throwing. */
async function readFetchBody(
  request: globalThis.Request,
  maxBytes: number,
): Promise<{ body: string | undefined; error: BodyError | undefined }> {
  // Touch `body` only when streaming is needed: some runtimes (e.g. @hono/node-server) build a full
  // Request the moment it is read, which costs more than the rest of the request.
  if (request.method === 'GET' || request.method === 'HEAD') return { body: undefined, error: undefined }
  const length = request.headers.get('content-length')
  if (length !== null && Number(length) > maxBytes) return { body: undefined, error: 'too_large' }
  if (length !== null && /^\d+$/.test(length)) {
    // Declared and within the limit: let the runtime read it in one go (its fastest path); a body longer
    // than declared is cut or refused by the HTTP layer itself.
    try {
      const text = await request.text()
      return Buffer.byteLength(text) > maxBytes ? { body: undefined, error: 'too_large' } : { body: text, error: undefined }
    } catch {
      return { body: undefined, error: 'aborted' }
    }
  }
  if (request.body === null) return { body: undefined, error: undefined }
  const reader = (request.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let size = 0
  let text = ''
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel()
        return { body: undefined, error: 'too_large' }
      }
      text += decoder.decode(value, { stream: true })
    }
    return { body: text + decoder.decode(), error: undefined }
  } catch {
    return { body: undefined, error: 'aborted' }
  }
}
