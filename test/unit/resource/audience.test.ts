/**
 * The resource side's audience rule (RFC 8707, no token passthrough), its challenges (RFC 9728 section
 * 5.1) and the protected resource metadata builder, without HTTP: the edges the flow suites do not reach.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { ConfigurationError } from '../../../src/errors.ts'
import { BearerError, createBearerGuard, createTokenVerifier, protectedResourceMetadata } from '../../../src/resource/index.ts'
import { LocalTokenStore } from '../../../src/stores/index.ts'
import { hashToken } from '../../../src/tokens/hash.ts'
import type { GrantContext } from '../../../src/types.ts'

const ISSUER = 'https://as.example'
const RESOURCE = 'https://api.example.com'
const NOW = Date.UTC(2026, 0, 1)
const clock = (): number => NOW

async function saveOpaque(store: LocalTokenStore, token: string, context: GrantContext | undefined): Promise<void> {
  const issuedAt = Math.floor(NOW / 1000)
  await store.saveToken({
    tokenHash: hashToken(token),
    clientId: 'client-1',
    grantType: 'client_credentials',
    userId: undefined,
    data: {},
    scopes: ['read'],
    familyId: undefined,
    issuedAt,
    expiresAt: issuedAt + 3600,
    sealed: undefined,
    uniqueKey: undefined,
    refreshTokenHash: undefined,
    ...(context === undefined ? {} : { context }),
  })
}

const refusal = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'accepted',
    (error: unknown) => (error instanceof BearerError ? error.error : error),
  )

describe('createTokenVerifier with a resource: opaque tokens', () => {
  const store = new LocalTokenStore({ clock })
  beforeAll(async () => {
    await saveOpaque(store, 'for-api', { subjectType: 'client', resources: [RESOURCE, 'https://other.example'] })
    await saveOpaque(store, 'for-other', { subjectType: 'client', resources: ['https://other.example'] })
    await saveOpaque(store, 'for-nobody', undefined)
  })

  it('accepts a token whose stored audience names the resource (any spelling of it in the options)', async () => {
    const verify = createTokenVerifier({ issuer: ISSUER, store, clock, resource: 'HTTPS://API.example.com/' })
    expect((await verify('for-api')).audience).toEqual([RESOURCE, 'https://other.example'])
  })

  it('refuses a token for another resource, and one with no audience, as invalid_token', async () => {
    const verify = createTokenVerifier({ issuer: ISSUER, store, clock, resource: RESOURCE })
    expect(await refusal(verify('for-other'))).toBe('invalid_token')
    expect(await refusal(verify('for-nobody'))).toBe('invalid_token')
  })

  it('checks no audience without a resource (as before)', async () => {
    const verify = createTokenVerifier({ issuer: ISSUER, store, clock })
    expect(await refusal(verify('for-other'))).toBe('accepted')
  })

  it('refuses a resource that is no absolute URI at start-up', () => {
    expect(() => createTokenVerifier({ issuer: ISSUER, store, resource: 'api.example.com' })).toThrow(ConfigurationError)
  })
})

describe('createTokenVerifier with a resource: JWTs', () => {
  let sign: (aud: string | string[] | undefined) => Promise<string>
  let jwks: { keys: object[] }
  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' }] }
    sign = (aud) => {
      const jwt = new SignJWT({ client_id: 'client-1', scope: 'read', sub_type: 'client' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setSubject('client-1')
        .setIssuedAt(NOW / 1000)
        .setExpirationTime(NOW / 1000 + 600)
      return (aud === undefined ? jwt : jwt.setAudience(aud)).sign(privateKey)
    }
  })

  it.each([
    ['the resource', RESOURCE, 'accepted'],
    ['the resource with a trailing slash and upper case', 'https://API.example.com/', 'accepted'],
    ['an array naming it', ['https://other.example', RESOURCE], 'accepted'],
    ['another resource', 'https://other.example', 'invalid_token'],
    ['the issuer (an audience-less issuer default)', ISSUER, 'invalid_token'],
    ['no aud at all', undefined, 'invalid_token'],
  ])('aud %s: %s', async (_name, aud, outcome) => {
    const verify = createTokenVerifier({ issuer: ISSUER, jwks, clock, resource: RESOURCE })
    expect(await refusal(verify(await sign(aud)))).toBe(outcome)
  })
})

describe('the guard challenges (RFC 9728 section 5.1)', () => {
  const store = new LocalTokenStore({ clock })
  const challengeOf = async (options: Parameters<typeof createBearerGuard>[0]): Promise<string | undefined> => {
    const result = await createBearerGuard(options)({ authorization: undefined, query: undefined }, ['read'])
    return result.ok ? undefined : result.response.headers['www-authenticate']
  }

  it('points resource_metadata at the well-known URL of the resource, or where told, or nowhere', async () => {
    expect(await challengeOf({ issuer: ISSUER, store, resource: 'https://api.example.com/mcp', realm: 'api' })).toBe(
      'Bearer realm="api", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp", scope="read"',
    )
    expect(
      await challengeOf({ issuer: ISSUER, store, resource: RESOURCE, realm: 'api', resourceMetadata: 'https://meta.example/prm' }),
    ).toBe('Bearer realm="api", resource_metadata="https://meta.example/prm", scope="read"')
    expect(await challengeOf({ issuer: ISSUER, store, resource: RESOURCE, realm: 'api', resourceMetadata: false })).toBe(
      'Bearer realm="api", scope="read"',
    )
    // A resource that is no http(s) URL has no well-known URL of its own.
    expect(await challengeOf({ issuer: ISSUER, store, resource: 'urn:example:api', realm: 'api' })).toBe('Bearer realm="api", scope="read"')
  })

  it('refuses a resourceMetadata that is no URL, or would break the header, at start-up', () => {
    expect(() => createBearerGuard({ issuer: ISSUER, store, resourceMetadata: 'not a url' })).toThrow(ConfigurationError)
    expect(() => createBearerGuard({ issuer: ISSUER, store, resourceMetadata: 'https://x.example/"a' })).toThrow(ConfigurationError)
  })
})

describe('protectedResourceMetadata (RFC 9728 section 2 and 3)', () => {
  it('answers its own path only, GET and HEAD, 405 otherwise', () => {
    const metadata = protectedResourceMetadata({ resource: 'https://api.example.com/v1/', authorizationServers: [ISSUER] })
    expect(metadata.path).toBe('/.well-known/oauth-protected-resource/v1/')
    expect(metadata.document).toEqual({
      resource: 'https://api.example.com/v1/',
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
    })
    expect(metadata.answer('GET', '/.well-known/oauth-protected-resource')).toBeUndefined()
    expect(JSON.parse(metadata.answer('GET', metadata.path)!.body)).toEqual(metadata.document)
    expect(metadata.answer('HEAD', metadata.path)!.body).toBe('')
    const post = metadata.answer('POST', metadata.path)!
    expect(post.statusCode).toBe(405)
    expect(post.headers.allow).toBe('GET, HEAD')
  })

  it('refuses a resource that is no http(s) URL, and a document without authorization server', () => {
    expect(() => protectedResourceMetadata({ resource: 'urn:example:api', authorizationServers: [ISSUER] })).toThrow(ConfigurationError)
    expect(() => protectedResourceMetadata({ resource: 'https://api.example.com/#x', authorizationServers: [ISSUER] })).toThrow(
      ConfigurationError,
    )
    expect(() => protectedResourceMetadata({ resource: RESOURCE, authorizationServers: [] })).toThrow(ConfigurationError)
  })
})
