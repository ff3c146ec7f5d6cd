import type { EndpointFunction, GrantServices } from '../grants/types.ts'

/** A routed endpoint, as the controller keeps it. */
export interface WrappableRoute<Env> {
  handle(request: Parameters<EndpointFunction<Env>>[0], environ: Env): ReturnType<EndpointFunction<Env>>
}

/**
 * Replaces a route's handler by `wrap` of it (`GrantRegistry.wrapEndpoint`): how a feature adds behaviour
 * to a built-in endpoint, e.g. OpenID Connect's CORS on the token and revocation endpoints.
 */
export function wrapRoute<Env>(
  route: WrappableRoute<Env>,
  wrap: (handle: EndpointFunction<Env>, services: GrantServices<Env>) => EndpointFunction<Env>,
  services: GrantServices<Env>,
): void {
  route.handle = wrap(route.handle.bind(route), services)
}
