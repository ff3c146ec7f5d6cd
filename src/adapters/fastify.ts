/**
 * The Fastify adapter: `oauth2Plugin`.
 *
 * @module oauth2-stack/fastify
 */
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import type { AuthorizationController } from '../controller.ts'
import type { BodyError } from '../web/request.ts'
import type { Response } from '../web/response.ts'
import { fromNodeRequest, splitUrl } from './node-request.ts'

/** The `environ` the Fastify adapter passes to the site adapter: Fastify's request and reply. */
export interface FastifyEnviron {
  readonly request: FastifyRequest
  readonly reply: FastifyReply
}

/** Options of {@link oauth2Plugin}. */
export interface FastifyAdapterOptions {
  /** The controller to serve. */
  readonly controller: AuthorizationController<FastifyEnviron>
  /** Mount point, e.g. `/oauth`. Default none. */
  readonly prefix?: string
  /** Largest body accepted, in bytes (413 beyond). Default 65536. */
  readonly maxBodyBytes?: number
}

/**
 * A Fastify plugin (wrapped with `fastify-plugin`, named `oauth2-stack`) serving every endpoint of the
 * controller under `prefix`: `app.register(oauth2Plugin, { controller, prefix: '/oauth' })`.
 *
 * The routes live in their own encapsulated context with their own body parsing, so the app's parsers
 * (JSON, `@fastify/formbody`) are neither needed nor disturbed, and every body — form, JSON, oversized —
 * gets the core's RFC answer instead of Fastify's own errors.
 */
export const oauth2Plugin: FastifyPluginAsync<FastifyAdapterOptions> = fastifyPlugin(
  async (fastify: FastifyInstance, options: FastifyAdapterOptions) => {
    const { controller } = options
    const prefix = options.prefix ?? ''
    const maxBodyBytes = options.maxBodyBytes ?? 65_536
    await fastify.register(
      async (routes) => {
        routes.removeAllContentTypeParsers()
        const asText = (_request: FastifyRequest, body: string | Buffer, done: (error: null, body: string | Buffer) => void): void =>
          done(null, body)
        // The form type by name as well: Fastify caches the parser it finds for a named type, while the
        // catch-all is looked up afresh (a content-type parse) on every request.
        routes.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: maxBodyBytes }, asText)
        routes.addContentTypeParser('*', { parseAs: 'string', bodyLimit: maxBodyBytes }, asText)
        routes.setErrorHandler(async (error: FastifyError, request, reply) => {
          // Fastify's body errors (too large, malformed) become the core's RFC responses.
          const bodyError: BodyError = error.statusCode === 413 ? 'too_large' : 'aborted'
          return serve(request, reply, undefined, bodyError)
        })
        const serve = async (
          request: FastifyRequest,
          reply: FastifyReply,
          body: string | undefined,
          bodyError: BodyError | undefined,
        ): Promise<FastifyReply> => {
          const url = request.url.slice(prefix.length)
          const response: Response = await controller.dispatch(fromNodeRequest(request.raw, url, prefix, body, bodyError), {
            request,
            reply,
          })
          if (bodyError !== undefined) reply.header('connection', 'close')
          reply.code(response.statusCode).headers(response.headers)
          const cookies = response.setCookies
          if (cookies.length > 0) reply.header('set-cookie', cookies)
          return reply.send(response.body)
        }
        // One wildcard route, so endpoints added to the controller later (grants, metadata) are served too;
        // the app's own static routes still win in Fastify's router.
        routes.all('/*', async (request, reply) => {
          if (!controller.handles(splitUrl(request.url.slice(prefix.length)).path)) return reply.callNotFound()
          return serve(request, reply, typeof request.body === 'string' ? request.body : undefined, undefined)
        })
      },
      { prefix },
    )
  },
  { name: 'oauth2-stack', fastify: '5.x' },
)
