/**
 * Rules for identifiers and credentials that come from requests, applied before any store sees them: a NUL
 * byte makes PostgreSQL fail the query (a 503 instead of a 401), and a trailing NUL slips through
 * scrypt (HMAC pads short keys with zero bytes, so `xyz` and `xyz\0` derive the same key).
 *
 * @module
 */

// C0 controls, DEL and C1 controls (ECMA-48): NUL, CR, LF, ESC, CSI (U+009B), …
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/
// RFC 6749 appendix A.1: client-id = *VSCHAR, VSCHAR = %x20-7E.
const VSCHARS = /^[\x20-\x7e]+$/

/** Whether `value` holds a control character (U+0000–U+001F, U+007F–U+009F). */
export function hasControlCharacter(value: string): boolean {
  return CONTROL_CHARACTER.test(value)
}

/**
 * Whether `value` can be a `client_id`: one or more visible ASCII characters or spaces (RFC 6749 appendix
 * A.1, `*VSCHAR`), as every client registration requires. Anything else names no client, so it is refused
 * without asking a store.
 */
export function isClientIdSyntax(value: string): boolean {
  return VSCHARS.test(value)
}

/**
 * Whether `value` can be a client secret: no control characters (RFC 6749 appendix A.2 allows only
 * VSCHAR; other printable Unicode is tolerated for existing secrets).
 */
export function isClientSecretSyntax(value: string): boolean {
  return !hasControlCharacter(value)
}
