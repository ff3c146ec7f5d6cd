/**
 * `oauth2-stack client add`: registers a client and prints its generated secret once. Its options are
 * checked here, before the store is opened, by the same rules `createClient` applies (a wrong value is a
 * usage error, exit 2), and the registration goes to the store's `addClient`.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { checkCorsOrigin } from '../checks/cors-origin.ts'
import { hasControlCharacter } from '../checks/identifier.ts'
import { checkRegisteredUri, type RegisteredUriKind } from '../checks/registered-uri.ts'
import type { ClientRegistration } from '../stores/client-registration.ts'
import { generateClientSecret } from '../tokens/hash.ts'
import { help, withStore } from './admin.ts'
import { booleanOption, closest, FailureError, listOption, parseCommand, stringOption, UsageError, type ParsedCommand } from './args.ts'
import { clientJson, describeClient } from './client-view.ts'
import { checkScopes } from './config.ts'
import type { CliIo } from './io.ts'
import { escapeControlCharacters as printable, terminalJson } from './printable.ts'
import { STORE_OPTIONS } from './settings.ts'

/** The ID token algorithms `client add --id-token-alg` accepts (those `createClient` does). */
export const ID_TOKEN_ALGS: readonly NonNullable<ClientRegistration['idTokenSignedResponseAlg']>[] = ['RS256', 'ES256', 'EdDSA']

/** The grant types `client add --grant` accepts. */
export const GRANT_TYPES: readonly string[] = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'implicit',
  'password',
  'urn:ietf:params:oauth:grant-type:device_code',
]

/** `oauth2-stack client add`: registers a client and prints its generated secret once. */
export async function clientAdd(args: readonly string[], io: CliIo): Promise<number> {
  const command = 'client add'
  const parsed = parseCommand(
    command,
    args,
    {
      ...STORE_OPTIONS,
      name: { type: 'string' },
      id: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      grant: { type: 'string', multiple: true },
      scope: { type: 'string', multiple: true },
      public: { type: 'boolean' },
      json: { type: 'boolean' },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'backchannel-logout-uri': { type: 'string' },
      'id-token-alg': { type: 'string' },
      'cors-origin': { type: 'string', multiple: true },
    },
    0,
  )
  if (help(parsed, command, io)) return 0
  const name = stringOption(parsed, 'name')
  if (name?.trim() === '') throw new UsageError('--name must not be empty', command)
  if (name !== undefined && hasControlCharacter(name)) throw new UsageError('--name must not contain control characters', command)
  const isPublic = booleanOption(parsed, 'public') === true
  const redirectUris = checkedUris(parsed, 'redirect-uri', 'redirect', command)
  const openid = openIdOptions(parsed, command)
  const grants = [...new Set(listOption(parsed, 'grant'))]
  for (const grant of grants) {
    if (!GRANT_TYPES.includes(grant)) {
      const guess = closest(grant, GRANT_TYPES)
      throw new UsageError(
        `--grant ${JSON.stringify(grant)} is not a grant type${guess === undefined ? '' : ` (did you mean ${guess}?)`}; use one of ${GRANT_TYPES.join(', ')}`,
        command,
      )
    }
  }
  if (grants.length === 0) {
    if (redirectUris.length > 0) grants.push('authorization_code', 'refresh_token')
    else if (isPublic) throw new UsageError('a public client needs --redirect-uri (for the authorization code flow) or --grant', command)
    else grants.push('client_credentials')
  }
  if (isPublic && grants.includes('client_credentials')) {
    throw new UsageError(
      'a public client cannot use client_credentials (it has no secret to authenticate with); drop --public or that --grant',
      command,
    )
  }
  const redirecting = grants.filter((grant) => grant === 'authorization_code' || grant === 'implicit')
  if (redirecting.length > 0 && redirectUris.length === 0) {
    throw new UsageError(`--grant ${redirecting.join(', ')} needs at least one --redirect-uri`, command)
  }
  const scopes = checkScopes(listOption(parsed, 'scope'), '--scope', command)
  const id = stringOption(parsed, 'id') ?? generatedId(name)
  if (!/^[\x20-\x7e]+$/.test(id)) throw new UsageError('--id must be printable ASCII characters (RFC 6749 appendix A.1)', command)
  const responseTypes = [...(grants.includes('authorization_code') ? ['code'] : []), ...(grants.includes('implicit') ? ['token'] : [])]
  const secret = isPublic ? undefined : generateClientSecret()

  return withStore(parsed, io, async (store) => {
    if ((await store.clientStore.fetchByClientId(id)) !== undefined) {
      throw new FailureError(`client ${id} already exists; remove it first (oauth2-stack client rm ${id}) or pick another --id`)
    }
    const client = await store.clientStore.addClient({
      clientId: id,
      ...(secret === undefined ? {} : { clientSecret: secret }),
      redirectUris,
      grantTypes: grants,
      responseTypes,
      ...(scopes.length === 0 ? {} : { scopes }),
      ...(name === undefined ? {} : { name }),
      ...openid,
    })
    if (booleanOption(parsed, 'json') === true) {
      io.out(`${terminalJson({ ...clientJson(client), ...(secret === undefined ? {} : { client_secret: secret }) })}\n`)
    } else {
      io.out(`Registered ${isPublic ? 'public' : 'confidential'} client ${printable(client.clientId)}.\n\n`)
      io.out(`  client_id      ${printable(client.clientId)}\n`)
      if (secret !== undefined) io.out(`  client_secret  ${secret}\n`)
      io.out('\n')
      io.out(describeClient(client).replace(/^(?=.)/gm, '  '))
      if (secret !== undefined) {
        io.out('\nCopy the client secret now: it is stored hashed and cannot be shown again.\n')
      }
    }
    if (!store.persistent) io.err('warning: this store keeps nothing after the command exits; use a sqlite: or database --store\n')
    return 0
  })
}

function generatedId(name: string | undefined): string {
  const slug = (name ?? '')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
  const suffix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x')
  return slug === '' ? `client-${suffix}` : `${slug}-${suffix}`
}

/** The values of a repeatable URI option, each checked by the one rule for registered URIs of its kind. */
function checkedUris(
  parsed: ParsedCommand,
  option: string,
  kind: Extract<RegisteredUriKind, 'redirect' | 'post_logout_redirect'>,
  command: string,
): string[] {
  const uris = [...listOption(parsed, option)]
  const what = kind === 'redirect' ? 'redirect' : 'post-logout redirect'
  for (const uri of uris) {
    const problem = checkRegisteredUri(uri, { kind })
    if (problem !== undefined) throw new UsageError(`--${option}: ${what} ${problem.message}`, command)
  }
  return uris
}

/**
 * The OpenID Connect options, checked: `--post-logout-redirect-uri` (RP-Initiated Logout 1.0 section
 * 3.1, the redirect URI rules), `--backchannel-logout-uri` (Back-Channel Logout 1.0 section 2.2: https,
 * or http on loopback), `--id-token-alg` and `--cors-origin` (origins only, RFC 6454 section 6.2).
 */
function openIdOptions(parsed: ParsedCommand, command: string): Partial<ClientRegistration> {
  const postLogout = checkedUris(parsed, 'post-logout-redirect-uri', 'post_logout_redirect', command)
  const backchannel = stringOption(parsed, 'backchannel-logout-uri')
  if (backchannel !== undefined) {
    const problem = checkRegisteredUri(backchannel, { kind: 'backchannel_logout' })
    if (problem !== undefined) throw new UsageError(`--backchannel-logout-uri: back-channel logout ${problem.message}`, command)
  }
  const alg = stringOption(parsed, 'id-token-alg')
  const idTokenAlg = ID_TOKEN_ALGS.find((known) => known === alg)
  if (alg !== undefined && idTokenAlg === undefined) {
    throw new UsageError(`--id-token-alg ${JSON.stringify(alg)} is not one of ${ID_TOKEN_ALGS.join(', ')}`, command)
  }
  const origins = [...new Set(listOption(parsed, 'cors-origin'))]
  for (const origin of origins) {
    const problem = checkCorsOrigin(origin)
    if (problem !== undefined) throw new UsageError(`--cors-origin: ${problem}`, command)
  }
  return {
    ...(postLogout.length === 0 ? {} : { postLogoutRedirectUris: postLogout }),
    ...(backchannel === undefined ? {} : { backchannelLogoutUri: backchannel }),
    ...(idTokenAlg === undefined ? {} : { idTokenSignedResponseAlg: idTokenAlg }),
    ...(origins.length === 0 ? {} : { allowedCorsOrigins: origins }),
  }
}
