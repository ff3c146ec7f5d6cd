import { isClientIdSyntax, isClientSecretSyntax } from '../checks/identifier.ts'
import { InvalidClient, TooManyRequests } from '../errors.ts'
import type { Limits } from '../limits/rate-limits.ts'
import type { ClientStore } from '../stores/types.ts'
import { checkClientSecret, DUMMY_SECRET_HASH, isKnownClientSecret } from '../tokens/hash.ts'
import type { Client } from '../types.ts'
import type { Request } from '../web/request.ts'
import { readClientCredentials } from './read-credentials.ts'
import { isSlowSecretHash } from '../checks/client-secret-strength.ts'

/** The rate limits as client authentication uses them (the controller's `clientAuthentication` limit). */
export type ClientAuthenticationLimits<Env> = Pick<
  Limits<Env>,
  'address' | 'clientAuthenticationStarts' | 'clientAuthenticationFailed' | 'clientAuthenticationSucceeded'
>

/**
 * Authenticates the client of a token-endpoint request (RFC 6749 section 2.3 and 3.2.1) and resolves to
 * its record. Throws `InvalidClient` — one description for every failure, so the answer does not tell
 * whether a client exists — or `InvalidRequest` for two methods at once.
 *
 * - Confidential clients must present their secret by a method their record allows; a confidential
 *   client sending only `client_id` is refused.
 * - Public clients (`none`) identify themselves with `client_id` and must not send a secret.
 * - Secrets are compared in constant time. Unknown clients are checked against a dummy hash, so they cost
 *   what a client with a generated secret costs (a short, scrypt-hashed secret costs more; client ids are
 *   not secrets, RFC 6749 section 2.2).
 * - With `limits`, wrong secrets are counted per (client, address) and a locked pair gets
 *   `TooManyRequests` before any secret is hashed (OAuth 2.1 section 2.4.1); for a short, scrypt-hashed
 *   secret every attempt is counted before the hash, so concurrent floods are bounded too.
 * - A `client_id` that no registration accepts (not `*VSCHAR`) or a secret with a control character (a NUL
 *   byte) is refused before any store call, on the unknown client's path: the same dummy compare, the
 *   same `invalid_client`.
 */
export async function authenticateClient<Env>(
  request: Request,
  clientStore: ClientStore,
  limits?: ClientAuthenticationLimits<Env>,
  environ?: Env,
): Promise<Client> {
  const presented = readClientCredentials(request)
  if (presented === undefined) throw new InvalidClient('Client authentication is required.')
  if (!isClientIdSyntax(presented.clientId) || (presented.secret !== undefined && !isClientSecretSyntax(presented.secret))) {
    return refuseUnknown(presented.secret)
  }
  const client = await clientStore.fetchByClientId(presented.clientId)
  if (presented.secret === undefined) {
    if (client?.clientSecretHash === undefined && client?.tokenEndpointAuthMethods.includes('none') === true) return client
    throw new InvalidClient('Client authentication failed.')
  }
  // A short secret costs a scrypt, so each attempt is counted before it — unless this process already
  // verified exactly this secret (then it is checked by an HMAC and is not a guess).
  const slow = isSlowSecretHash(client?.clientSecretHash) && !isKnownClientSecret(presented.secret, client?.clientSecretHash)
  // The client's address, asked only now that a secret is presented.
  const address = limits?.address(environ as Env, request)
  if (limits !== undefined && address !== undefined) {
    // A number when no store is needed (the common case): no hop then.
    const started = limits.clientAuthenticationStarts(presented.clientId, address, slow)
    const wait = typeof started === 'number' ? started : await started
    if (wait > 0)
      throw new TooManyRequests(`Too many failed client authentications; try again in ${wait} seconds.`, wait, {
        limit: 'clientAuthentication',
      })
  }
  const allowed = client !== undefined && client.tokenEndpointAuthMethods.includes(presented.method)
  const checked = checkClientSecret(presented.secret, client?.clientSecretHash ?? DUMMY_SECRET_HASH)
  const valid = typeof checked === 'boolean' ? checked : await checked
  if (client === undefined || !allowed || !valid) {
    if (limits !== undefined && address !== undefined) await limits.clientAuthenticationFailed(presented.clientId, address, slow)
    throw new InvalidClient('Client authentication failed.')
  }
  // Only an attempt counted before its hash has a count to clear (no call, no hop, otherwise).
  if (slow && limits !== undefined && address !== undefined) await limits.clientAuthenticationSucceeded(presented.clientId, address, slow)
  return client
}

/** What an unknown client costs and gets: a dummy compare when a secret was sent, then `invalid_client`. */
async function refuseUnknown(secret: string | undefined): Promise<never> {
  if (secret !== undefined) {
    const checked = checkClientSecret(secret, DUMMY_SECRET_HASH)
    if (typeof checked !== 'boolean') await checked
  }
  throw new InvalidClient('Client authentication failed.')
}
