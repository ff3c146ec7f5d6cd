import type { IncomingMessage, ServerResponse } from 'node:http'
import { canonicalResourceUri, protectedResourceMetadataUrl } from '../checks/resource-uri.ts'
import { ConfigurationError } from '../errors.ts'
import { PUBLIC_JSON_HEADERS, Response } from '../web/response.ts'

/** Options of {@link protectedResourceMetadata}: what a protected resource says about itself (RFC 9728). */
export interface ProtectedResourceMetadataOptions {
  /**
   * The resource's URI, an `https` (or, for development, `http`) URL — the same as the guards'
   * `resource`. Served in canonical form as `resource`, which clients compare with the URL they called.
   */
  readonly resource: string
  /** The issuers of the authorization servers that issue tokens for it (`authorization_servers`). At least one. */
  readonly authorizationServers: readonly string[]
  /** The scopes the resource understands (`scopes_supported`). `offline_access` is left out: it is the AS's business. */
  readonly scopesSupported?: readonly string[]
  /** How tokens may be sent (`bearer_methods_supported`, RFC 6750 section 2). Default `['header']`. */
  readonly bearerMethodsSupported?: readonly ('header' | 'body' | 'query')[]
  /** A name for people (`resource_name`). */
  readonly resourceName?: string
  /** A page for developers (`resource_documentation`). */
  readonly resourceDocumentation?: string
}

/** The protected resource metadata document (RFC 9728 section 2), field names as on the wire. */
export interface ProtectedResourceMetadataDocument {
  readonly resource: string
  readonly authorization_servers: readonly string[]
  readonly scopes_supported?: readonly string[]
  readonly bearer_methods_supported: readonly string[]
  readonly resource_name?: string
  readonly resource_documentation?: string
}

/** A resource's metadata, ready to serve: the document, where it lives, and a framework-free answer. */
export interface ProtectedResourceMetadata {
  readonly document: ProtectedResourceMetadataDocument
  /** Its URL: the well-known segment inserted before the resource's path (RFC 9728 section 3.1). */
  readonly url: string
  /** Its path at the resource's origin, e.g. `/.well-known/oauth-protected-resource/mcp`. */
  readonly path: string
  /** The answer for a request to `path` (200 JSON, 405 for other methods), or `undefined` for any other path. */
  answer(method: string, path: string): Response | undefined
}

/**
 * Builds a resource's protected resource metadata (RFC 9728) once, for a host to serve at the origin
 * root — a guard mounted on a route cannot answer there. The path has the well-known segment inserted
 * before the resource's path: `https://api.example.com/mcp` is described at
 * `https://api.example.com/.well-known/oauth-protected-resource/mcp`, the URL the guards send as
 * `resource_metadata`. Throws a `TypeError` for a resource that is not an http(s) URI or no authorization
 * server.
 *
 * @example
 * ```ts
 * import { expressBearer, expressProtectedResourceMetadata, protectedResourceMetadata } from 'oauth2-stack/resource'
 *
 * const resource = 'https://api.example.com/mcp'
 * const metadata = protectedResourceMetadata({ resource, authorizationServers: [issuer], scopesSupported: ['mcp'] })
 * app.use(expressProtectedResourceMetadata(metadata)) // at the root of the app
 * app.post('/mcp', expressBearer({ issuer, jwks: new URL(`${issuer}/jwks`), resource }, ['mcp']), (_req, res) => {
 *   res.json({ ok: true })
 * })
 * ```
 */
export function protectedResourceMetadata(options: ProtectedResourceMetadataOptions): ProtectedResourceMetadata {
  const resource = canonicalResourceUri(options.resource)
  if (resource === undefined || !/^https?:\/\//.test(resource)) {
    throw new ConfigurationError('protectedResourceMetadata: resource must be an http(s) URL without fragment')
  }
  // RFC 9728 section 2: authorization_servers is optional there, but MCP clients need it to go on.
  if (options.authorizationServers.length === 0) throw new ConfigurationError('protectedResourceMetadata: name an authorization server')
  const document: ProtectedResourceMetadataDocument = {
    // RFC 9728 section 3.3: the client checks that `resource` is the resource it called.
    resource,
    authorization_servers: [...options.authorizationServers],
    // The MCP specification: a resource SHOULD NOT list offline_access.
    ...(options.scopesSupported === undefined
      ? {}
      : { scopes_supported: options.scopesSupported.filter((scope) => scope !== 'offline_access') }),
    bearer_methods_supported: [...(options.bearerMethodsSupported ?? ['header'])],
    ...(options.resourceName === undefined ? {} : { resource_name: options.resourceName }),
    ...(options.resourceDocumentation === undefined ? {} : { resource_documentation: options.resourceDocumentation }),
  }
  const url = protectedResourceMetadataUrl(resource)
  const { pathname } = new URL(url)
  const body = JSON.stringify(document)
  return {
    document,
    url,
    path: pathname,
    answer(method, path) {
      if (path !== pathname) return undefined
      if (method !== 'GET' && method !== 'HEAD') {
        const refused = Response.json(405, { error: 'invalid_request', error_description: 'Metadata is read with GET.' })
        refused.headers.allow = 'GET, HEAD'
        return refused
      }
      return new Response(200, { ...PUBLIC_JSON_HEADERS }, method === 'HEAD' ? '' : body)
    },
  }
}

function pathOf(url: string | undefined): string {
  const question = url?.indexOf('?') ?? -1
  return url === undefined ? '/' : question === -1 ? url : url.slice(0, question)
}

/**
 * `node:http`: answers the metadata request and resolves `true`, or resolves `false` for any other path.
 * Express: `app.use(expressProtectedResourceMetadata(metadata))`.
 */
export function nodeProtectedResourceMetadata(metadata: ProtectedResourceMetadata): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const response = metadata.answer(req.method ?? 'GET', pathOf(req.url))
    if (response === undefined) return false
    res.writeHead(response.statusCode, { ...response.headers, 'content-length': Buffer.byteLength(response.body) }).end(response.body)
    return true
  }
}

/** Express middleware serving the metadata at its path; other requests go on. Mount it at the app's root. */
export function expressProtectedResourceMetadata(
  metadata: ProtectedResourceMetadata,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const serve = nodeProtectedResourceMetadata(metadata)
  return (req, res, next) => {
    if (!serve(req, res)) next()
  }
}

/** Koa middleware serving the metadata at its path; other requests go on. */
export function koaProtectedResourceMetadata(
  metadata: ProtectedResourceMetadata,
): (
  ctx: { readonly method: string; readonly path: string; status: number; body: unknown; set(field: Record<string, string>): void },
  next: () => Promise<unknown>,
) => Promise<void> {
  return async (ctx, next) => {
    const response = metadata.answer(ctx.method, ctx.path)
    if (response === undefined) {
      await next()
      return
    }
    ctx.status = response.statusCode
    ctx.set(response.headers)
    ctx.body = response.body
  }
}

/**
 * A Fastify route handler: `app.route({ method: ['GET', 'HEAD'], url: metadata.path, handler: fastifyProtectedResourceMetadata(metadata) })`.
 */
export function fastifyProtectedResourceMetadata(
  metadata: ProtectedResourceMetadata,
): (request: { readonly method: string }, reply: FastifyMetadataReply) => Promise<FastifyMetadataReply> {
  return async (request, reply) => {
    const response = metadata.answer(request.method, metadata.path) as Response
    // An async Fastify handler that sent its reply returns it.
    return reply.code(response.statusCode).headers(response.headers).send(response.body)
  }
}

/** The part of Fastify's reply the metadata handler uses. */
export interface FastifyMetadataReply {
  code(status: number): FastifyMetadataReply
  headers(values: Record<string, string>): FastifyMetadataReply
  send(body: string): FastifyMetadataReply
}

/** Fetch API (Hono, Bun, Deno, Workers): the metadata `Response` for its path, else `undefined`. */
export function fetchProtectedResourceMetadata(
  metadata: ProtectedResourceMetadata,
): (request: globalThis.Request) => globalThis.Response | undefined {
  return (request) => {
    const response = metadata.answer(request.method, new URL(request.url).pathname)
    if (response === undefined) return undefined
    return new globalThis.Response(response.body === '' ? null : response.body, { status: response.statusCode, headers: response.headers })
  }
}
