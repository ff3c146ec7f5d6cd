import type { GrantExtensions, GrantServices } from './types.ts'

/**
 * Adds a feature's services for the grants (`GrantRegistry.extend`) to the controller's services, in
 * place (every endpoint holds the same object): `services.extensions` gains them, and an
 * `id_token_hint` verifier becomes `services.verifyIdTokenHint` unless the controller's
 * `sessions.verifyIdTokenHint` option already set one.
 */
export function extendServices<Env>(services: GrantServices<Env>, extensions: GrantExtensions): void {
  const target = services as { extensions?: GrantExtensions; verifyIdTokenHint?: GrantServices<Env>['verifyIdTokenHint'] }
  target.extensions = { ...services.extensions, ...extensions }
  if (extensions.verifyIdTokenHint !== undefined && services.verifyIdTokenHint === undefined) {
    target.verifyIdTokenHint = extensions.verifyIdTokenHint
  }
}
