import { requestIdOf } from '../events/request-id.ts'
import { traceGrant, tracesGrants } from '../tracing/channels.ts'
import type { TokenHandler } from './types.ts'

/** A token handler whose work is an `oauth2-stack:grant` trace when someone subscribes. */
export function tracedTokenHandler<Env>(handler: TokenHandler<Env>): TokenHandler<Env> {
  const { grantType } = handler
  // The handler as prototype: every other field it has (or gains) reads through.
  const traced = Object.create(handler) as { -readonly [K in keyof TokenHandler<Env>]: TokenHandler<Env>[K] }
  traced.handle = (context) =>
    tracesGrants()
      ? traceGrant({ grantType, clientId: context.client.clientId, requestId: requestIdOf(context.request) }, () => handler.handle(context))
      : handler.handle(context)
  return traced
}
