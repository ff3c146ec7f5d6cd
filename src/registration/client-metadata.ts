/**
 * Client metadata of a registration request (RFC 7591 section 2), validated and normalized into what the
 * server registers. Fields the server does not know are ignored (RFC 7591 section 2: "MUST ignore").
 *
 * @module
 */
import { checkRegisteredUri } from '../checks/registered-uri.ts'
import { hasControlCharacter } from '../checks/identifier.ts'
import type { ClientAuthMethod } from '../types.ts'
import { RegistrationError } from './errors.ts'

/** The metadata a registered client holds, with its RFC 7591 field names (as sent back to the client). */
export interface ClientMetadata {
  readonly redirect_uris: readonly string[]
  readonly token_endpoint_auth_method: ClientAuthMethod
  readonly grant_types: readonly string[]
  readonly response_types: readonly string[]
  /** OpenID Connect Dynamic Registration section 2: `web` or `native`; inferred when absent. */
  readonly application_type: 'web' | 'native'
  readonly client_name?: string
  readonly client_uri?: string
  readonly logo_uri?: string
  readonly tos_uri?: string
  readonly policy_uri?: string
  /** Space-separated scopes (RFC 7591 section 2); absent: the server's default scopes apply. */
  readonly scope?: string
  readonly contacts?: readonly string[]
  readonly software_id?: string
  readonly software_version?: string
}

/** What the server allows a registration to ask for. */
export interface MetadataRules {
  /** The grant types a registered client may have. */
  readonly grantTypes: ReadonlySet<string>
  /** The scopes the server knows; `undefined` when it defines none (then any scope is kept). */
  readonly availableScopes: ReadonlySet<string> | undefined
}

/** The authentication methods the token endpoint supports (RFC 7591 section 2). */
const AUTH_METHODS: ReadonlySet<string> = new Set(['client_secret_basic', 'client_secret_post', 'none'])
/** RFC 7591 section 2.1: the response type that goes with each redirect-based grant type. */
const RESPONSE_TYPE_OF: Readonly<Record<string, string>> = { authorization_code: 'code', implicit: 'token' }
const MAX_TEXT = 512
const MAX_LIST = 20
// RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/
const LOOPBACK = /^http:\/\/(?:127\.0\.0\.1|\[::1\]|localhost)(?::\d+)?(?:[/?]|$)/

/**
 * Validates the JSON body of a registration (or of an RFC 7592 update) and returns the metadata to
 * register. Throws a {@link RegistrationError} with the RFC 7591 section 3.2.2 code.
 */
export function parseClientMetadata(body: unknown, rules: MetadataRules): ClientMetadata {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RegistrationError('invalid_client_metadata', 'The request body must be a JSON object of client metadata.')
  }
  const input = body as Readonly<Record<string, unknown>>
  // oauth2-stack accepts no software statement (RFC 7591 section 2.3 makes them optional for the server).
  if (input.software_statement !== undefined) {
    throw new RegistrationError('unapproved_software_statement', 'This server accepts no software statement.')
  }
  // RFC 7591 section 2: omitted token_endpoint_auth_method means client_secret_basic.
  const method = optionalString(input, 'token_endpoint_auth_method') ?? 'client_secret_basic'
  if (!AUTH_METHODS.has(method)) {
    throw new RegistrationError(
      'invalid_client_metadata',
      'token_endpoint_auth_method must be client_secret_basic, client_secret_post or none.',
    )
  }
  // RFC 7591 section 2: grant_types defaults to authorization_code; response_types (default code) is
  // derived from the grant types when omitted, so a client_credentials client need not send [].
  const grantTypes = stringList(input, 'grant_types') ?? ['authorization_code']
  const responseTypes = stringList(input, 'response_types') ?? grantTypes.flatMap((grant) => RESPONSE_TYPE_OF[grant] ?? [])
  for (const grant of grantTypes) {
    if (!rules.grantTypes.has(grant)) {
      throw new RegistrationError('invalid_client_metadata', `grant_type ${JSON.stringify(grant)} may not be registered here.`)
    }
  }
  checkConsistency(grantTypes, responseTypes, method)
  const redirectUris = stringList(input, 'redirect_uris') ?? []
  // RFC 7591 section 2: redirect-based flows need redirection URIs.
  if (redirectUris.length === 0 && responseTypes.length > 0) {
    throw new RegistrationError('invalid_redirect_uri', 'redirect_uris is required for the authorization_code and implicit grants.')
  }
  for (const uri of redirectUris) {
    const problem = checkRegisteredUri(uri, { kind: 'redirect' })
    if (problem !== undefined) throw new RegistrationError('invalid_redirect_uri', `redirect ${problem.message}`)
  }
  const applicationType = optionalString(input, 'application_type') ?? inferApplicationType(redirectUris)
  if (applicationType !== 'web' && applicationType !== 'native') {
    throw new RegistrationError('invalid_client_metadata', 'application_type must be web or native.')
  }
  const metadata: Record<string, unknown> = {
    redirect_uris: dedupe(redirectUris),
    token_endpoint_auth_method: method,
    grant_types: dedupe(grantTypes),
    response_types: dedupe(responseTypes),
    application_type: applicationType,
  }
  const name = optionalString(input, 'client_name')
  if (name !== undefined) metadata.client_name = text('client_name', name)
  for (const field of ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const) {
    const uri = optionalString(input, field)
    if (uri === undefined) continue
    const problem = checkRegisteredUri(uri, { kind: 'client_page' })
    if (problem !== undefined) throw new RegistrationError('invalid_client_metadata', `${field}: ${problem.message}`)
    metadata[field] = uri
  }
  const scope = registeredScope(optionalString(input, 'scope'), rules.availableScopes)
  if (scope !== undefined) metadata.scope = scope
  const contacts = stringList(input, 'contacts')
  if (contacts !== undefined) metadata.contacts = contacts.map((contact) => text('contacts', contact))
  for (const field of ['software_id', 'software_version'] as const) {
    const value = optionalString(input, field)
    if (value !== undefined) metadata[field] = text(field, value)
  }
  return Object.freeze(metadata) as unknown as ClientMetadata
}

/**
 * `native` when every redirect URI is a loopback `http` one or a private-use scheme (RFC 8252 sections
 * 7.1 and 7.3), else `web`. Clients in the wild (the MCP TypeScript SDK among them) send no
 * `application_type`; OpenID Connect's default `web` would mislabel them.
 */
export function inferApplicationType(redirectUris: readonly string[]): 'web' | 'native' {
  if (redirectUris.length === 0) return 'web'
  return redirectUris.every((uri) => LOOPBACK.test(uri) || !/^https?:/.test(uri)) ? 'native' : 'web'
}

/** RFC 7591 section 2.1: grant and response types must go together; `none` cannot use client_credentials. */
function checkConsistency(grantTypes: readonly string[], responseTypes: readonly string[], method: string): void {
  for (const [grant, response] of Object.entries(RESPONSE_TYPE_OF)) {
    if (grantTypes.includes(grant) !== responseTypes.includes(response)) {
      throw new RegistrationError(
        'invalid_client_metadata',
        `grant_types ${grant} and response_types ${response} must be registered together (RFC 7591 section 2.1).`,
      )
    }
  }
  const unknown = responseTypes.find((type) => !Object.values(RESPONSE_TYPE_OF).includes(type))
  if (unknown !== undefined)
    throw new RegistrationError('invalid_client_metadata', `response_type ${JSON.stringify(unknown)} is not supported.`)
  if (method === 'none' && grantTypes.includes('client_credentials')) {
    throw new RegistrationError('invalid_client_metadata', 'A client without a secret (none) cannot use client_credentials.')
  }
  if (grantTypes.includes('refresh_token') && grantTypes.length === 1) {
    throw new RegistrationError('invalid_client_metadata', 'refresh_token needs a grant that issues refresh tokens.')
  }
}

/**
 * The scopes kept: RFC 7591 section 3.2.1 lets the server replace requested metadata, so scopes the
 * server does not know are dropped rather than refused; none left means the server's defaults.
 */
function registeredScope(value: string | undefined, available: ReadonlySet<string> | undefined): string | undefined {
  if (value === undefined) return undefined
  const tokens = value.split(' ').filter((token) => token !== '')
  if (tokens.some((token) => !SCOPE_TOKEN.test(token)))
    throw new RegistrationError('invalid_client_metadata', 'scope has a malformed scope token.')
  const kept = dedupe(available === undefined ? tokens : tokens.filter((token) => available.has(token)))
  return kept.length === 0 ? undefined : kept.join(' ')
}

function optionalString(input: Readonly<Record<string, unknown>>, field: string): string | undefined {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new RegistrationError('invalid_client_metadata', `${field} must be a string.`)
  return value
}

function stringList(input: Readonly<Record<string, unknown>>, field: string): string[] | undefined {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value) || value.length > MAX_LIST || value.some((item) => typeof item !== 'string')) {
    const code = field === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata'
    throw new RegistrationError(code, `${field} must be an array of at most ${MAX_LIST} strings.`)
  }
  return value as string[]
}

/** A short human-readable value: no control characters, at most 512 characters. */
function text(field: string, value: string): string {
  if (value.length > MAX_TEXT || hasControlCharacter(value)) {
    throw new RegistrationError('invalid_client_metadata', `${field} must be at most ${MAX_TEXT} characters without control characters.`)
  }
  return value
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)]
}
