/**
 * The registration policy hook: the host decides, per request, whether a registration (or an RFC 7592
 * update) may go ahead, and may narrow what is registered.
 *
 * @module
 */
import type { Request } from '../web/request.ts'
import type { ClientMetadata } from './client-metadata.ts'
import type { RegistrationErrorCode } from './errors.ts'

/** What the policy is asked about. */
export interface RegistrationPolicyContext {
  /** The validated metadata about to be registered. */
  readonly metadata: ClientMetadata
  /** The HTTP request (headers, e.g. a software identity the host checks itself). */
  readonly request: Request
  /** The client's address as the rate limits count it. */
  readonly address: string
  /** The `client_id` of an RFC 7592 update; `undefined` for a new registration. */
  readonly clientId: string | undefined
}

/**
 * The policy's decision: `allow` (optionally with the metadata to register instead, e.g. a narrower
 * `scope`), or `refuse` with the RFC 7591 section 3.2.2 error to answer (default `invalid_client_metadata`).
 */
export type RegistrationPolicyResult =
  | { readonly type: 'allow'; readonly metadata?: ClientMetadata }
  | {
      readonly type: 'refuse'
      readonly error?: Exclude<RegistrationErrorCode, 'invalid_request'>
      /** Sent as `error_description`: no secrets, printable ASCII. */
      readonly description: string
    }

/**
 * Decides whether a registration may go ahead.
 *
 * @example
 * ```ts
 * import type { RegistrationPolicy } from 'oauth2-stack'
 *
 * // Only loopback redirect URIs: local tools may register themselves, web apps may not.
 * const policy: RegistrationPolicy = ({ metadata }) =>
 *   metadata.application_type === 'native'
 *     ? { type: 'allow' }
 *     : { type: 'refuse', error: 'invalid_redirect_uri', description: 'Only native clients may register here.' }
 * ```
 */
export type RegistrationPolicy = (context: RegistrationPolicyContext) => RegistrationPolicyResult | Promise<RegistrationPolicyResult>
