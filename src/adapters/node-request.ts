import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ParsedForm } from '../internal/params.ts'
import { Request, type BodyError } from '../web/request.ts'
import type { Response } from '../web/response.ts'

/** Splits a Node request URL into path and query without building a URL object. */
export function splitUrl(url: string): { path: string; query: string } {
  const question = url.indexOf('?')
  return question === -1 ? { path: url, query: '' } : { path: url.slice(0, question), query: url.slice(question + 1) }
}

/** Builds the core's {@link Request} from a Node request and a body read or parsed elsewhere. */
export function fromNodeRequest(
  req: IncomingMessage,
  url: string,
  basePath: string,
  body: string | ParsedForm | undefined,
  bodyError: BodyError | undefined,
): Request {
  const { path, query } = splitUrl(url)
  return new Request({ method: req.method ?? 'GET', path, basePath, query, headers: req.headers, body, bodyError })
}

/** Writes the core's {@link Response} to a Node response, once. */
export function writeNodeResponse(res: ServerResponse, response: Response, close: boolean): void {
  if (res.headersSent || res.destroyed) return
  const headers = response.headers
  headers['content-length'] = String(Buffer.byteLength(response.body))
  // A body we stopped reading cannot be drained reliably: close the connection after answering.
  if (close) headers.connection = 'close'
  const cookies = response.setCookies
  if (cookies.length > 0) {
    delete headers['set-cookie']
    res.setHeader('set-cookie', cookies)
  }
  res.writeHead(response.statusCode, headers)
  res.end(response.body)
}
