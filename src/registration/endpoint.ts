/**
 * The registration endpoint (RFC 7591 section 3) and, at the same path with `?client_id=`, the client
 * configuration endpoint (RFC 7592 section 2): POST registers; GET reads, PUT updates and DELETE removes
 * a registration with its registration access token.
 *
 * @module
 */
import { TemporarilyUnavailable, TooManyRequests } from '../errors.ts'
import type { GrantServices } from '../grants/types.ts'
import { constantTimeEqual } from '../internal/crypto.ts'
import { jsonErrorResponse, toOAuthError } from '../web/error-response.ts'
import type { Request } from '../web/request.ts'
import { Response } from '../web/response.ts'
import { parseClientMetadata, type ClientMetadata, type MetadataRules } from './client-metadata.ts'
import { ClientIndexFull } from './client-index.ts'
import { registrationPreflight, withRegistrationCors } from './cors.ts'
import { invalidTokenResponse, methodNotAllowed, RegistrationError, registrationErrorResponse } from './errors.ts'
import type { RegistrationPolicy } from './policy.ts'
import type { IssuedCredentials, RegisteredClient, RegisteredClients } from './registered-clients.ts'

/** What the endpoint is built from (the feature's resolved options). */
export interface RegistrationEndpointOptions {
  readonly path: string
  readonly registered: RegisteredClients
  readonly rules: MetadataRules
  readonly initialAccessToken: ((token: string, request: Request) => boolean | Promise<boolean>) | undefined
  readonly policy: RegistrationPolicy | undefined
  /** Whether RFC 7592 read/update/delete is served. */
  readonly management: boolean
  /** Whether answers carry `Access-Control-Allow-Origin: *` and preflights are answered (cors.ts). */
  readonly cors: boolean
}

const JSON_TYPE = 'application/json'
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/** Answers one request at the registration path; never rejects. */
export async function handleRegistration<Env>(
  options: RegistrationEndpointOptions,
  request: Request,
  environ: Env,
  services: GrantServices<Env>,
): Promise<Response> {
  if (!options.cors) return answer(options, request, environ, services)
  if (request.method === 'OPTIONS') return registrationPreflight(request, options.management)
  return withRegistrationCors(await answer(options, request, environ, services))
}

/** The endpoint's answer, before CORS. */
async function answer<Env>(
  options: RegistrationEndpointOptions,
  request: Request,
  environ: Env,
  services: GrantServices<Env>,
): Promise<Response> {
  const realm = services.issuer.replaceAll('"', '')
  try {
    const clientId = request.getParam('client_id')
    if (clientId === undefined) {
      if (request.method !== 'POST') return methodNotAllowed('POST')
      return await register(options, request, environ, services, realm)
    }
    if (!options.management) return methodNotAllowed('POST')
    return await manage(options, clientId, request, environ, services, realm)
  } catch (error) {
    if (error instanceof RegistrationError) return registrationErrorResponse(error)
    const oauthError =
      error instanceof ClientIndexFull
        ? new TemporarilyUnavailable('No more clients can be registered now; try again later.', { cause: error })
        : toOAuthError(error)
    services.reportError(oauthError, request)
    return jsonErrorResponse(oauthError, realm)
  }
}

/** RFC 7591 section 3.1: a registration request; 201 with the client information on success. */
async function register<Env>(
  options: RegistrationEndpointOptions,
  request: Request,
  environ: Env,
  services: GrantServices<Env>,
  realm: string,
): Promise<Response> {
  // Per address, before any other work (RFC 7591 section 5 leaves abuse protection to the server).
  const wait = await services.limits.registrationRequested(services.limits.address(environ, request))
  if (wait > 0) {
    return jsonErrorResponse(
      new TooManyRequests('Too many registrations from this address; try again later.', wait, { limit: 'registration' }),
      realm,
    )
  }
  if (options.initialAccessToken !== undefined) {
    // RFC 7591 section 3: an initial access token, checked as RFC 6750 says.
    const token = bearerToken(request)
    if (token === undefined || !(await options.initialAccessToken(token, request))) return invalidTokenResponse(realm, token !== undefined)
  }
  const metadata = await allowed(options, parseClientMetadata(jsonBody(request), options.rules), request, environ, services, undefined)
  const issued = await options.registered.create(metadata)
  emitChange(services, request, 'client.registered', issued.client.clientId, metadata)
  return Response.json(201, clientInformation(options, services, issued))
}

/** RFC 7592 section 2: read, update or delete with the registration access token. */
async function manage<Env>(
  options: RegistrationEndpointOptions,
  clientId: string,
  request: Request,
  environ: Env,
  services: GrantServices<Env>,
  realm: string,
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'PUT' && request.method !== 'DELETE') return methodNotAllowed('GET, PUT, DELETE')
  const token = bearerToken(request)
  // RFC 7592 section 2.1: an unknown client and a wrong token both get 401, so ids cannot be probed.
  const current = token === undefined ? undefined : await options.registered.authorize(clientId, token)
  if (current === undefined || token === undefined) return invalidTokenResponse(realm, token !== undefined)
  if (request.method === 'DELETE') {
    await options.registered.delete(clientId)
    emitChange(services, request, 'client.deleted', clientId, undefined)
    // RFC 7592 section 2.3: 204 No Content.
    return new Response(204, { 'cache-control': 'no-store', pragma: 'no-cache' }, '')
  }
  if (request.method === 'GET')
    return Response.json(200, clientInformation(options, services, { client: current, secret: undefined, registrationAccessToken: token }))
  const body = jsonBody(request)
  checkUpdateBody(body, clientId)
  const metadata = await allowed(options, parseClientMetadata(body, options.rules), request, environ, services, clientId)
  const updated = await options.registered.update(current, metadata)
  // Changed by someone else since it was read: the client reads and tries again.
  if (updated === undefined)
    throw new RegistrationError('invalid_client_metadata', 'The registration changed meanwhile; read it and try again.')
  emitChange(services, request, 'client.updated', clientId, metadata)
  return Response.json(200, clientInformation(options, services, { ...updated, registrationAccessToken: token }))
}

/**
 * RFC 7592 section 2.2: the update carries the `client_id`; it must not carry the fields the server
 * assigns, and a `client_secret`, if sent, must be the current one (it cannot be checked against a hash
 * cheaply here, so it is ignored: secrets are never replaced by the client).
 */
function checkUpdateBody(body: unknown, clientId: string): void {
  if (typeof body !== 'object' || body === null) return
  const fields = body as Readonly<Record<string, unknown>>
  if (fields.client_id !== clientId)
    throw new RegistrationError('invalid_client_metadata', 'client_id must be sent and match the registration.')
  for (const field of ['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at']) {
    if (fields[field] !== undefined) throw new RegistrationError('invalid_client_metadata', `${field} must not be sent in an update.`)
  }
}

/** The policy hook's decision: the metadata to register, or a refusal. */
async function allowed<Env>(
  options: RegistrationEndpointOptions,
  metadata: ClientMetadata,
  request: Request,
  environ: Env,
  services: GrantServices<Env>,
  clientId: string | undefined,
): Promise<ClientMetadata> {
  if (options.policy === undefined) return metadata
  const decision = await options.policy({ metadata, request, address: services.limits.address(environ, request), clientId })
  if (decision.type === 'allow') return decision.metadata ?? metadata
  throw new RegistrationError(decision.error ?? 'invalid_client_metadata', decision.description)
}

/** RFC 7591 section 3.2.1 / RFC 7592 section 3: the registered metadata and what the server assigned. */
function clientInformation<Env>(
  options: RegistrationEndpointOptions,
  services: GrantServices<Env>,
  issued: IssuedCredentials,
): Record<string, unknown> {
  const client: RegisteredClient = issued.client
  const base = services.issuer.replace(/\/$/, '')
  return {
    client_id: client.clientId,
    client_id_issued_at: client.issuedAt,
    // The secret is shown once, when issued; client_secret_expires_at 0: it expires only with the registration.
    ...(issued.secret === undefined ? {} : { client_secret: issued.secret }),
    ...(client.secretHash === undefined ? {} : { client_secret_expires_at: 0 }),
    ...client.metadata,
    ...(options.management && issued.registrationAccessToken !== undefined
      ? {
          registration_access_token: issued.registrationAccessToken,
          registration_client_uri: `${base}${options.path}?client_id=${encodeURIComponent(client.clientId)}`,
        }
      : {}),
  }
}

/** The audit event of a registration, an update or a deletion (no secret, no token: ids and URIs only). */
function emitChange<Env>(
  services: GrantServices<Env>,
  request: Request,
  type: 'client.registered' | 'client.updated' | 'client.deleted',
  clientId: string,
  metadata: ClientMetadata | undefined,
): void {
  services.emit(request, {
    type,
    clientId,
    tokenEndpointAuthMethod: metadata?.token_endpoint_auth_method,
    redirectUris: metadata === undefined ? [] : [...metadata.redirect_uris],
  })
}

/** The JSON body (RFC 7591 section 3.1), or the object a framework's JSON parser already made of it. */
function jsonBody(request: Request): unknown {
  if (request.contentType !== JSON_TYPE) throw new RegistrationError('invalid_request', `The request must be sent as ${JSON_TYPE}.`)
  const body = request.rawBody
  if (typeof body !== 'string') return body
  try {
    return JSON.parse(body) as unknown
  } catch {
    throw new RegistrationError('invalid_client_metadata', 'The request body is not valid JSON.')
  }
}

/** The `Authorization: Bearer` token (RFC 6750 section 2.1), or `undefined`. */
function bearerToken(request: Request): string | undefined {
  const header = request.header('authorization')
  return header === undefined ? undefined : BEARER.exec(header)?.[1]
}

/** A fixed initial access token, compared in constant time. */
export function fixedToken(expected: string): (token: string) => boolean {
  return (token) => constantTimeEqual(token, expected)
}
