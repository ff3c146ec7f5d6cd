import { randomId } from '../internal/random-id.ts'
import type { SafeFetch } from '../fetch/types.ts'
import type { Signer } from '../keys/types.ts'
import { algorithmOf } from '../oidc/id-token.ts'
import type { Client } from '../types.ts'

/** The event of a logout token (OpenID Connect Back-Channel Logout 1.0 section 2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/** How long a logout token is valid, in seconds: long enough for delivery, short against replay. */
export const LOGOUT_TOKEN_LIFETIME = 120

/** What a logout is about: the user, and the login session when known. */
export interface LogoutSubject {
  readonly userId: string
  readonly sessionId: string | undefined
}

/**
 * Makes logout tokens and delivers them to the clients that registered a `backchannel_logout_uri`
 * (OpenID Connect Back-Channel Logout 1.0), through the safe fetcher: a registered URI is attacker-chosen
 * once registration is open, so it never reaches what the fetcher refuses.
 */
export class BackChannelLogout {
  readonly #issuer: string
  readonly #signer: Signer
  readonly #fetch: SafeFetch

  constructor(issuer: string, signer: Signer, fetch: SafeFetch) {
    this.#issuer = issuer
    this.#signer = signer
    this.#fetch = fetch
  }

  /**
   * Section 2.4: a JWT typed `logout+jwt` with `iss`, `aud`, `iat`, `exp`, `jti`, `events`, `sub` and
   * `sid` (when the session is known), and never a `nonce`.
   */
  token(client: Client, subject: LogoutSubject, now: number): Promise<string> {
    const payload: Record<string, unknown> = {
      iss: this.#issuer,
      aud: client.clientId,
      iat: now,
      exp: now + LOGOUT_TOKEN_LIFETIME,
      jti: randomId(16),
      sub: subject.userId,
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    }
    if (subject.sessionId !== undefined) payload.sid = subject.sessionId
    return this.#signer.sign(payload, { alg: algorithmOf(client), typ: 'logout+jwt' })
  }

  /**
   * Section 2.5: POSTs the logout token form-encoded to the client's URI; resolves whether the client
   * answered 200 or 204. Never rejects.
   */
  async deliver(client: Client, subject: LogoutSubject, now: number): Promise<boolean> {
    const uri = client.backchannelLogoutUri
    if (uri === undefined) return false
    try {
      const token = await this.token(client, subject, now)
      const response = await this.#fetch(uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }).toString(),
      })
      return response.status === 200 || response.status === 204
    } catch {
      return false
    }
  }
}
