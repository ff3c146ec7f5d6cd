// Reading a JWT in the page, with no library: base64url decoding, the header and payload as JSON, the
// at_hash an access token gives, and one line on each standard ID-token claim. Decoding only: nothing
// here verifies a signature.

/** A JWT's parts: the header and payload as JSON objects, the signature as sent (base64url). */
interface DecodedJwt {
  readonly header: Json
  readonly payload: Json
  readonly signature: string
}

/** RFC 7515 section 2 / RFC 4648 section 5: base64url, unpadded, to bytes; undefined when it is not base64url. */
function b64urlDecode(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** A base64url part holding UTF-8 JSON (RFC 7519 section 7.2), when it is a JSON object. */
function jsonPart(text: string): Json | undefined {
  const bytes = b64urlDecode(text)
  if (bytes === undefined) return undefined
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined
  } catch {
    return undefined
  }
}

/** A compact JWS (three base64url parts) decoded, or undefined when it is not one. */
function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [head = '', body = '', signature = ''] = parts
  const header = jsonPart(head)
  const payload = jsonPart(body)
  if (header === undefined || payload === undefined || b64urlDecode(signature) === undefined) return undefined
  return { header, payload, signature }
}

/**
 * OpenID Connect Core 1.0 section 3.1.3.6: at_hash is the left half of the hash of the access token's
 * ASCII, base64url, with the hash of the ID token's alg (SHA-512 for EdDSA, as for Ed25519); undefined for
 * an alg it names no hash for.
 */
async function atHashFor(alg: unknown, accessToken: string): Promise<string | undefined> {
  const bits = typeof alg === 'string' ? (alg === 'EdDSA' ? '512' : /^(?:RS|PS|ES|HS)(256|384|512)$/.exec(alg)?.[1]) : undefined
  if (bits === undefined) return undefined
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-' + bits, new TextEncoder().encode(accessToken)))
  return b64url(digest.slice(0, digest.length / 2))
}

/** One short line on each standard claim of an ID token (OpenID Connect Core 1.0 sections 2 and 3.1.3.6). */
const CLAIM_NOTES: Readonly<Record<string, string>> = {
  iss: 'Issuer: the server that made the token. Must be exactly the issuer the app asked.',
  sub: 'Subject: the user\u2019s id at this issuer, never reassigned. iss and sub together name the account.',
  aud: 'Audience: the client the token is for. Must contain the app\u2019s own client_id.',
  exp: 'Expiry: reject the token after this time.',
  iat: 'Issued at: when the server made the token.',
  auth_time: 'When the user last actually signed in (what max_age is measured against).',
  nonce:
    'The app\u2019s random value from the authorization request, echoed back: ties the token to this sign-in, so a replayed one is refused.',
  at_hash: 'Half of a hash of the access token: binds the access token that came with this ID token.',
  sid: 'The login session at the server: logout messages name it, so the app ends the right session.',
  azp: 'Authorized party: the client the token was issued to, when aud names others too.',
  acr: 'How strongly the user was authenticated (authentication context class).',
  amr: 'How the user was authenticated (password, one-time code, \u2026).',
}

/** The scope that releases a user claim (OpenID Connect Core 1.0 section 5.4). */
const CLAIM_SCOPES: Readonly<Record<string, string>> = {
  name: 'profile',
  given_name: 'profile',
  family_name: 'profile',
  preferred_username: 'profile',
  email: 'email',
  email_verified: 'email',
}

/** The line shown for a claim: the standard one, else which scope released it. */
function claimNote(name: string): string {
  const standard = CLAIM_NOTES[name]
  if (standard !== undefined) return standard
  const scopeName = CLAIM_SCOPES[name]
  return scopeName === undefined ? 'A claim about the user.' : 'A claim about the user, released with the ' + scopeName + ' scope.'
}

/** A NumericDate (seconds since 1970, RFC 7519 section 2) as a UTC date and time, or undefined. */
function claimDate(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined
  const date = new Date(value * 1000)
  return Number.isNaN(date.getTime())
    ? undefined
    : date
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
}
