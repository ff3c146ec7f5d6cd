import { InvalidClient, InvalidRequest } from '../errors.ts'
import type { Request } from '../web/request.ts'
import type { ClientAuthMethod } from '../types.ts'

/** The credentials a token request presents, and by which method (RFC 6749 section 2.3). */
export interface PresentedCredentials {
  readonly method: ClientAuthMethod
  readonly clientId: string
  readonly secret: string | undefined
}

/**
 * Reads the client credentials of a token-endpoint request: `client_secret_basic` from the
 * `Authorization` header, `client_secret_post` from the body, or `none` (a bare `client_id`).
 *
 * RFC 6749 section 2.3: a client MUST NOT use more than one authentication method in a request, so a
 * Basic header together with `client_secret` in the body is `invalid_request`. Returns `undefined` when
 * the request names no client at all.
 */
export function readClientCredentials(request: Request): PresentedCredentials | undefined {
  const bodyId = request.postParam('client_id')
  const bodySecret = request.postParam('client_secret')
  const basic = readBasic(request.header('authorization'))
  if (basic !== undefined) {
    if (bodySecret !== undefined) {
      throw new InvalidRequest('Use one client authentication method: HTTP Basic or client_secret in the body, not both.')
    }
    if (bodyId !== undefined && bodyId !== basic.clientId) {
      throw new InvalidRequest('client_id in the body does not match the HTTP Basic credentials.')
    }
    return basic
  }
  if (bodyId === undefined) {
    if (bodySecret !== undefined) throw new InvalidRequest('client_secret was sent without client_id.')
    return undefined
  }
  if (bodySecret !== undefined) return { method: 'client_secret_post', clientId: bodyId, secret: bodySecret }
  return { method: 'none', clientId: bodyId, secret: undefined }
}

/**
 * Decodes `Authorization: Basic …`. RFC 6749 section 2.3.1: the id and the secret are each
 * form-urlencoded before being joined with `:` and base64-encoded, so both are form-decoded here.
 */
function readBasic(header: string | undefined): PresentedCredentials | undefined {
  if (header === undefined) return undefined
  const space = header.indexOf(' ')
  if (space === -1 || header.slice(0, space).toLowerCase() !== 'basic') return undefined
  const encoded = header.slice(space + 1).trim()
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new InvalidClient('Malformed HTTP Basic credentials.')
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) throw new InvalidClient('Malformed HTTP Basic credentials.')
  const clientId = formDecode(decoded.slice(0, colon))
  const secret = formDecode(decoded.slice(colon + 1))
  if (clientId === undefined || secret === undefined || clientId.length === 0) {
    throw new InvalidClient('Malformed HTTP Basic credentials.')
  }
  return { method: 'client_secret_basic', clientId, secret }
}

function formDecode(value: string): string | undefined {
  if (!value.includes('%') && !value.includes('+')) return value
  try {
    return decodeURIComponent(value.replaceAll('+', ' '))
  } catch {
    return undefined
  }
}
