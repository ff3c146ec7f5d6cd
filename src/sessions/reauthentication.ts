import { constantTimeEqual, createHmac } from '../internal/crypto.ts'
import type { ServerKey } from '../web/server-key.ts'
import type { AuthorizationParameters } from './authorization-parameters.ts'

/**
 * The query parameter of the login page's form action that carries when the authorization request first
 * demanded a new authentication, as `since.MAC`.
 */
export const REAUTH_PARAMETER = 'reauth_since'
/** `since.MAC`: epoch seconds and an HMAC-SHA-256, base64url. */
const VALUE = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/
/** How long a mark is honoured after the demand, in seconds (as long as a CSRF token lives). */
const LIFETIME = 3600
/** How far ahead of this server's clock a mark may be (another process's clock), in seconds. */
const SKEW = 60

/**
 * Whether the request asks for a new authentication by itself, whatever the session (OpenID Connect Core
 * section 3.1.2.1): `prompt=login`, `prompt=select_account`, or `max_age`.
 */
export function demandsReauthentication(parameters: AuthorizationParameters): boolean {
  return parameters.prompts.has('login') || parameters.prompts.has('select_account') || parameters.maxAge !== undefined
}

/**
 * Marks of "re-authentication demanded at `since`" for the login page's form action, so a login page the
 * core does not render (the host application's, reached with a redirect, and left with a redirect back to
 * the form action) can be told apart from the sign-in it was sent to replace. A mark is an HMAC under a
 * server-held key over the moment and the authorization request's parameters (what its CSRF tokens are
 * bound to: `state`, `nonce`, `code_challenge`, `prompt`, `max_age`, …), so it cannot be forged, moved back
 * in time, or carried to another request; it is honoured for an hour.
 */
export class ReauthenticationMarks {
  readonly #key: ServerKey
  readonly #now: () => number

  constructor(key: ServerKey, now: () => number) {
    this.#key = key
    this.#now = now
  }

  /** The mark of a demand made at `since` by the request whose parameters are `binding`. */
  async make(binding: string, since: number): Promise<string> {
    return `${since}.${mac(await this.#key.get(), since, binding)}`
  }

  /** When the demand was made, for a mark this server made for `binding` and still honours; else `undefined`. */
  async read(value: string | undefined, binding: string): Promise<number | undefined> {
    const parts = value === undefined ? null : VALUE.exec(value)
    if (parts === null) return undefined
    const [, sinceText = '', presented = ''] = parts
    const since = Number(sinceText)
    const age = this.#now() - since
    if (age < -SKEW || age > LIFETIME) return undefined
    return constantTimeEqual(mac(await this.#key.get(), since, binding), presented) ? since : undefined
  }
}

function mac(key: Buffer, since: number, binding: string): string {
  return createHmac('sha256', key).update(`reauth\0${since}\0${binding}`).digest('base64url')
}
