import { ConfigurationError } from '../errors.ts'
import type { EndpointFunction, GrantServices } from '../grants/types.ts'

/** A routed endpoint, as the controller keeps it. */
export interface WrappableRoute<Env> {
  handle(request: Parameters<EndpointFunction<Env>>[0], environ: Env): ReturnType<EndpointFunction<Env>>
}

/**
 * Replaces a route's handler by `wrap` of it (`GrantRegistry.wrapEndpoint`); a `ConfigurationError` when
 * the controller does not serve that endpoint: how a feature adds behaviour
 * to a built-in endpoint, e.g. OpenID Connect's CORS on the token and revocation endpoints.
 */
export function wrapRoute<Env>(
  route: WrappableRoute<Env> | undefined,
  wrap: (handle: EndpointFunction<Env>, services: GrantServices<Env>) => EndpointFunction<Env>,
  services: GrantServices<Env>,
): void {
  if (route === undefined) throw new ConfigurationError('the endpoint to wrap is not served (a JWKS needs a signer)')
  route.handle = wrap(route.handle.bind(route), services)
}
