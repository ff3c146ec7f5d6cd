import { describe, expect, it } from 'vitest'
import { AuthorizationController } from '../../../src/controller.ts'
import { ConfigurationError } from '../../../src/errors.ts'
import { AuthorizationCodeGrant, Scope } from '../../../src/grants/index.ts'
import { OpenIdConnect } from '../../../src/logout/index.ts'
import { LocalClientStore, LocalTokenStore } from '../../../src/stores/index.ts'
import { Request } from '../../../src/web/request.ts'
import { hashToken } from '../../../src/tokens/hash.ts'
import { MemorySigner } from '../../helpers/memory-signer.ts'
import { TestSiteAdapter } from '../../helpers/site-adapter.ts'

const store = new LocalTokenStore()

async function controller(available: readonly string[] | undefined, errors: string[] = []) {
  const clientStore = new LocalClientStore()
  await clientStore.addClient({ clientId: 'spa', redirectUris: ['https://spa.example/cb'], allowedCorsOrigins: ['https://spa.example'] })
  const result = new AuthorizationController({
    issuer: 'https://op.example/tenant',
    accessTokenStore: store,
    authCodeStore: store,
    clientStore,
    siteAdapter: new TestSiteAdapter([]),
    onError: (error) => errors.push(error.error),
    ...(available === undefined ? {} : { scope: new Scope({ available }) }),
  })
  return result.addGrant(new AuthorizationCodeGrant())
}

describe('OpenIdConnect feature', () => {
  it('refuses a signer without RS256 and a scope policy without openid', async () => {
    const ecOnly = await MemorySigner.create(['ES256'])
    expect(() => new OpenIdConnect({ signer: ecOnly, claims: async () => ({}) })).toThrow(ConfigurationError)
    const oidc = new OpenIdConnect({ signer: await MemorySigner.create(['RS256']), claims: async () => ({}) })
    const withoutOpenid = await controller(['read'])
    expect(() => withoutOpenid.use(oidc)).toThrow(/openid/)
  })

  it('announces the standard scopes when the controller lists none, serves both discovery paths, and end-session over the core sessions by default', async () => {
    const op = (await controller(undefined)).use(
      new OpenIdConnect({
        signer: await MemorySigner.create(['RS256']),
        claims: async () => ({}),
        safeFetch: async () => ({ status: 200, headers: {}, body: '' }),
      }),
    )
    expect(op.metadata.scopes_supported).toEqual(['openid', 'profile', 'email', 'address', 'phone', 'offline_access'])
    expect(op.metadata.end_session_endpoint).toBe('https://op.example/tenant/end_session')
    // The core's sessions record their clients: with a fetcher, back-channel logout is announced.
    expect(op.metadata.backchannel_logout_supported).toBe(true)
    expect(op.metadata.backchannel_logout_session_supported).toBe(true)
    // No session in this browser: signed out at once.
    expect((await op.dispatch(Request.fromUrl('GET', '/end_session'), {})).statusCode).toBe(200)
    const without = (await controller(['openid'])).use(
      new OpenIdConnect({
        signer: await MemorySigner.create(['RS256']),
        claims: async () => ({}),
        sessions: false,
        safeFetch: async () => ({ status: 200, headers: {}, body: '' }),
      }),
    )
    expect(without.metadata.end_session_endpoint).toBeUndefined()
    expect(without.metadata.backchannel_logout_supported).toBeUndefined()
    for (const path of ['/.well-known/openid-configuration', '/.well-known/openid-configuration/tenant']) {
      const response = await op.dispatch(Request.fromUrl('GET', path), {})
      expect(JSON.parse(response.body)).toEqual(op.metadata)
    }
  })

  it("one JWKS: with the controller serving one, the OpenID signer's keys join it and jwks_uri points to it", async () => {
    const controllerKeys = await MemorySigner.create(['RS256'])
    const oidcKeys = await MemorySigner.create(['RS256', 'ES256'])
    const make = (signer: MemorySigner) =>
      new AuthorizationController({
        issuer: 'https://op.example',
        accessTokenStore: store,
        authCodeStore: store,
        clientStore: new LocalClientStore(),
        siteAdapter: new TestSiteAdapter([]),
        signer,
        scope: new Scope({ available: ['openid'] }),
      }).addGrant(new AuthorizationCodeGrant())
    // The same signer: the controller's JWKS as it is (no route taken twice, which used to throw).
    const same = make(controllerKeys).use(new OpenIdConnect({ signer: controllerKeys, claims: async () => ({}) }))
    expect(same.metadata.jwks_uri).toBe('https://op.example/jwks')
    const sameKeys = JSON.parse((await same.dispatch(Request.fromUrl('GET', '/jwks'), {})).body) as { keys: unknown[] }
    expect(sameKeys).toEqual(await controllerKeys.jwks())
    // Different signers: one document with both key sets.
    const both = make(controllerKeys).use(new OpenIdConnect({ signer: oidcKeys, claims: async () => ({}) }))
    const served = JSON.parse((await both.dispatch(Request.fromUrl('GET', '/jwks'), {})).body) as { keys: { kid: string }[] }
    const expected = [...(await controllerKeys.jwks()).keys, ...(await oidcKeys.jwks()).keys].map((key) => key.kid)
    expect(served.keys.map((key) => key.kid)).toEqual(expected)
    expect((await both.dispatch(Request.fromUrl('OPTIONS', '/jwks'), {})).statusCode).toBeLessThan(300)
  })

  it('CORS on the token endpoint names the client by Basic credentials or client_id; preflights answer any origin', async () => {
    const op = (await controller(['openid'])).use(
      new OpenIdConnect({ signer: await MemorySigner.create(['RS256']), claims: async () => ({}) }),
    )
    const post = (headers: Record<string, string>, body: string) =>
      op.dispatch(
        Request.fromUrl('POST', '/token', {
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://spa.example', ...headers },
          body,
        }),
        {},
      )
    const byForm = await post({}, 'grant_type=authorization_code&code=x&client_id=spa&code_verifier=' + 'a'.repeat(43))
    expect(byForm.statusCode).toBe(400)
    expect(byForm.headers['access-control-allow-origin']).toBe('https://spa.example')
    const byBasic = await post({ authorization: `Basic ${Buffer.from('spa:').toString('base64')}` }, 'grant_type=authorization_code&code=x')
    expect(byBasic.headers['access-control-allow-origin']).toBe('https://spa.example')
    const unknown = await post({}, 'grant_type=authorization_code&code=x&client_id=other')
    expect(unknown.headers['access-control-allow-origin']).toBeUndefined()
    const preflight = await op.dispatch(Request.fromUrl('OPTIONS', '/revoke', { headers: { origin: 'https://any.example' } }), {})
    expect(preflight.statusCode).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe('https://any.example')
  })

  it('userinfo: a failing claims hook is a reported server_error, never a trace', async () => {
    const errors: string[] = []
    const now = Math.floor(Date.now() / 1000)
    await store.saveToken(
      {
        tokenHash: hashToken('token-1'),
        clientId: 'spa',
        grantType: 'authorization_code',
        userId: 'u1',
        data: {},
        scopes: ['openid'],
        familyId: undefined,
        issuedAt: now,
        expiresAt: now + 60,
        sealed: undefined,
        uniqueKey: undefined,
        refreshTokenHash: undefined,
      },
      undefined,
    )
    const failing = new OpenIdConnect({
      signer: await MemorySigner.create(['RS256']),
      claims: async () => {
        throw new Error('directory down')
      },
    })
    const op = (await controller(['openid'], errors)).use(failing)
    const response = await op.dispatch(Request.fromUrl('GET', '/userinfo', { headers: { authorization: 'Bearer token-1' } }), {})
    expect(response.statusCode).toBe(500)
    expect(JSON.parse(response.body)).toEqual({ error: 'server_error' })
    expect(response.body).not.toContain('directory down')
    expect(errors).toEqual(['server_error'])
  })
})
