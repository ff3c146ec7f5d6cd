/**
 * How strong a client secret must be (RFC 6749 section 10.10, RFC 6819 section 5.1.4.2.2). Generated
 * secrets have 256 bits and are hashed with a fast salted SHA-256; shorter, human-chosen ones (the seed's
 * `xyz`) are hashed with scrypt, which makes every wrong guess cost the server about 30 ms of CPU. So on
 * an issuer that is not a loopback one, short secrets are refused at registration unless the host opts
 * in with `allowWeakClientSecrets`; the seed's examples on `http://localhost` keep working.
 *
 * @module
 */
import { ConfigurationError } from '../errors.ts'
import type { Client } from '../types.ts'

/** The shortest secret treated as strong: 43 base64url characters, 256 bits. */
export const STRONG_SECRET_LENGTH = 43

/** Where the registration happens: the issuer it serves, and whether weak secrets are allowed anyway. */
export interface ClientSecretPolicy {
  /** The issuer identifier; on a loopback issuer (development) any secret is accepted. */
  readonly issuer: string
  /** Accept secrets shorter than 43 characters on any issuer. Default `false`. */
  readonly allowWeakClientSecrets?: boolean
}

/** Whether the issuer is a development one on a loopback host (`localhost`, `127.0.0.1`, `[::1]`). */
export function isLoopbackIssuer(issuer: string): boolean {
  try {
    return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(issuer).hostname)
  } catch {
    return false
  }
}

/** Whether a stored secret hash is of a short, scrypt-hashed secret (slow to check). */
export function isSlowSecretHash(secretHash: string | undefined): boolean {
  return secretHash?.startsWith('scrypt$') === true
}

/** The clients whose stored secret is short, when the policy does not allow them; for a start-up warning. */
export function weakSecretClients(clients: readonly Client[], policy: ClientSecretPolicy): Client[] {
  if (policy.allowWeakClientSecrets === true || isLoopbackIssuer(policy.issuer)) return []
  return clients.filter((client) => isSlowSecretHash(client.clientSecretHash))
}

/** Throws a `TypeError` when the policy refuses this secret (short, on a non-loopback issuer, not allowed). */
export function checkClientSecretStrength(clientId: string, secret: string, policy: ClientSecretPolicy): void {
  if (secret.length >= STRONG_SECRET_LENGTH || policy.allowWeakClientSecrets === true || isLoopbackIssuer(policy.issuer)) return
  throw new ConfigurationError(
    `client ${clientId}: a client secret of fewer than ${STRONG_SECRET_LENGTH} characters is refused on ${policy.issuer}; ` +
      'use one from generateClientSecret(), or set allowWeakClientSecrets',
  )
}
