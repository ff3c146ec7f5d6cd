/**
 * Property: no audit event and no log line ever carries a secret. Generated client secrets, passwords,
 * codes, PKCE verifiers and tokens (wrong ones, and the real tokens the server hands out) go through
 * every endpoint of a controller; every event, every call of the controller's logger and every line
 * `oauth2-stack serve` would print for those requests (the request log, the events, the logger) is
 * searched for each of them, and for the `Authorization` header that carried them.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DemoSiteAdapter } from '../../../src/cli/demo-site-adapter.ts'
import { authSchemeOf, clientIdOf, paramsOf, RequestLogger } from '../../../src/cli/request-log.ts'
import { requestIdOf } from '../../../src/events/request-id.ts'
import type { AuditEvent } from '../../../src/events/types.ts'
import type { Logger } from '../../../src/events/logger.ts'
import { AuthorizationCodeGrant, ClientCredentialsGrant, RefreshToken, ResourceOwnerGrant, Scope } from '../../../src/grants/index.ts'
import { AuthorizationController } from '../../../src/index.ts'
import { LocalClientStore, LocalTokenStore } from '../../../src/stores/index.ts'
import { Request } from '../../../src/web/index.ts'

const ALNUM = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789']
/** A secret-looking value: long enough that it cannot occur by chance in an id, a time or a scope. */
const secret = (min: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...ALNUM), minLength: min, maxLength: min + 24 })
const FORM = 'application/x-www-form-urlencoded'
const ENVIRON = { req: { socket: { remoteAddress: '198.51.100.7' } } }
const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

const secrets = fc.record({
  clientSecret: secret(43),
  wrongSecret: secret(16),
  password: secret(16),
  wrongPassword: secret(16),
  code: secret(16),
  verifier: secret(43),
  refreshToken: secret(16),
  token: secret(16),
  username: fc.stringMatching(/^[a-z]{3,12}$/),
})

describe('no event or log line carries a secret', () => {
  it('holds for generated secrets, passwords, codes, verifiers and tokens at every endpoint', async () => {
    await fc.assert(
      fc.asyncProperty(secrets, async (s) => {
        // The wrong ones must be wrong.
        fc.pre(s.password !== s.wrongPassword && s.clientSecret !== s.wrongSecret)
        const events: AuditEvent[] = []
        const lines: string[] = []
        const requestLog = new RequestLogger({ format: 'json', write: (line) => lines.push(line) })
        const forward = requestLog.asLogger()
        const record =
          (level: keyof Logger) =>
          (fields: Readonly<Record<string, unknown>>, message: string): void => {
            lines.push(
              JSON.stringify({ level, message, fields }, (_key, value: unknown) =>
                value instanceof Error ? `${value.stack ?? ''} ${String(value.cause)}` : value,
              ),
            )
            forward[level](fields, message)
          }
        const clientStore = new LocalClientStore()
        await clientStore.addClient({ clientId: 'app', clientSecret: s.clientSecret, redirectUris: ['https://app.example/cb'] })
        const tokenStore = new LocalTokenStore()
        const controller = new AuthorizationController({
          issuer: 'https://auth.example',
          accessTokenStore: tokenStore,
          authCodeStore: tokenStore,
          clientStore,
          siteAdapter: new DemoSiteAdapter([{ username: s.username, password: s.password, data: {} }]),
          scope: new Scope({ available: ['read'], default: ['read'] }),
          logger: { error: record('error'), warn: record('warn'), info: record('info'), debug: record('debug') },
          onEvent: (event) => {
            events.push(event)
            requestLog.audit(event)
          },
        })
        controller
          .addGrant(new AuthorizationCodeGrant())
          .addGrant(new ClientCredentialsGrant())
          .addGrant(new ResourceOwnerGrant())
          .addGrant(new RefreshToken({ expiresIn: 3600 }))

        const basic = (secretValue: string): string => `Basic ${Buffer.from(`app:${secretValue}`).toString('base64')}`
        const post = async (path: string, form: Record<string, string>, authorization?: string): Promise<Record<string, unknown>> => {
          const headers: Record<string, string> = { 'content-type': FORM }
          if (authorization !== undefined) headers.authorization = authorization
          const request = new Request({ method: 'POST', path, headers, body: new URLSearchParams(form).toString() })
          const response = await controller.dispatch(request, ENVIRON)
          // The line serve's request log writes for it.
          requestLog.request({
            method: request.method,
            path: request.path,
            status: response.statusCode,
            durationMs: 1,
            time: new Date(0),
            requestId: requestIdOf(request),
            clientId: clientIdOf(request),
            auth: authSchemeOf(request),
            params: paramsOf(request),
          })
          return response.body === '' ? {} : (JSON.parse(response.body.startsWith('{') ? response.body : '{}') as Record<string, unknown>)
        }

        const good = basic(s.clientSecret)
        const issued = await post('/token', { grant_type: 'password', username: s.username, password: s.password, scope: 'read' }, good)
        const access = String(issued.access_token)
        const refresh = String(issued.refresh_token)
        await post('/token', { grant_type: 'password', username: s.username, password: s.wrongPassword }, good)
        await post('/token', { grant_type: 'client_credentials' }, basic(s.wrongSecret))
        await post('/token', { grant_type: 'client_credentials', client_id: 'app', client_secret: s.wrongSecret })
        const service = await post('/token', { grant_type: 'client_credentials', client_id: 'app', client_secret: s.clientSecret })
        await post(
          '/token',
          { grant_type: 'authorization_code', code: s.code, code_verifier: s.verifier, redirect_uri: 'https://app.example/cb' },
          good,
        )
        const rotated = await post('/token', { grant_type: 'refresh_token', refresh_token: refresh }, good)
        await post('/token', { grant_type: 'refresh_token', refresh_token: refresh }, good)
        await post('/token', { grant_type: 'refresh_token', refresh_token: s.refreshToken }, good)
        await post('/introspect', { token: access }, good)
        await post('/revoke', { token: s.token }, good)
        await post('/revoke', { token: String(service.access_token), token_type_hint: 'access_token' }, good)
        await post('/authorize', {
          response_type: 'code',
          client_id: 'app',
          username: s.username,
          password: s.password,
          csrf_token: s.token,
        })
        await flush()

        expect(events.map((event) => event.type)).toEqual(
          expect.arrayContaining(['token.issued', 'user.login_failed', 'token.refreshed', 'refresh.reused']),
        )
        const everything = [...events.map((event) => JSON.stringify(event)), ...lines]
        const hidden = [
          s.clientSecret,
          s.wrongSecret,
          s.password,
          s.wrongPassword,
          s.code,
          s.verifier,
          s.refreshToken,
          s.token,
          access,
          refresh,
          String(service.access_token),
          String(rotated.access_token),
          String(rotated.refresh_token),
          good.slice(6),
          basic(s.wrongSecret).slice(6),
        ]
        for (const text of everything) for (const value of hidden) expect(text).not.toContain(value)
      }),
      { numRuns: 40 },
    )
  }, 60_000)
})
