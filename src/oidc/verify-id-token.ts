import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose'
import type { Signer } from '../keys/types.ts'

/** The claims of one of our own ID tokens, as read back from an `id_token_hint`. */
export interface IdTokenHintClaims {
  readonly sub: string
  /** The audiences (`aud`), always as a list. */
  readonly aud: readonly string[]
  readonly exp: number | undefined
  readonly sid: string | undefined
  /** Every claim, as signed. */
  readonly claims: Readonly<Record<string, unknown>>
}

/** What {@link verifyIdTokenHint} checks besides the signature. */
export interface IdTokenHintCheck {
  /** Our issuer identifier: `iss` must be it. */
  readonly issuer: string
  /** When given, `aud` must hold it. */
  readonly clientId?: string | undefined
  /**
   * Now, in epoch seconds, to refuse an expired token; omit it to accept expired ones, as RP-Initiated
   * Logout 1.0 section 2 asks of `id_token_hint` at the end-session endpoint.
   */
  readonly now?: number | undefined
}

/**
 * Verifies an ID token this server issued, for `id_token_hint` (at the end-session endpoint, and at
 * `/authorize`): the signature with one of the signer's published keys, in one of its algorithms, `iss`,
 * `aud` when a client is named, and `exp` only when `now` is given. A token with a `typ` (a logout token, a
 * JWT access token) is no ID token and is refused. Resolves `undefined` for anything that fails; never rejects.
 */
export async function verifyIdTokenHint(signer: Signer, token: string, check: IdTokenHintCheck): Promise<IdTokenHintClaims | undefined> {
  try {
    const header = decodeProtectedHeader(token)
    if (header.typ !== undefined && header.typ.toUpperCase() !== 'JWT') return undefined
    const keys = createLocalJWKSet({ keys: [...(await signer.jwks()).keys] })
    const { payload } = await compactVerify(token, keys, { algorithms: [...signer.algorithms] })
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>
    const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter(isString) : []
    if (claims.iss !== check.issuer || typeof claims.sub !== 'string' || aud.length === 0) return undefined
    if (check.clientId !== undefined && !aud.includes(check.clientId)) return undefined
    const exp = typeof claims.exp === 'number' ? claims.exp : undefined
    if (check.now !== undefined && (exp === undefined || exp <= check.now)) return undefined
    return { sub: claims.sub, aud, exp, sid: typeof claims.sid === 'string' ? claims.sid : undefined, claims }
  } catch {
    return undefined
  }
}

function isString(value: unknown): value is string {
  return typeof value === 'string'
}
