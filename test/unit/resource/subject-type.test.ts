/**
 * Finding 4 of the security review (issue 17): a client registered under a user's name must not get
 * tokens a resource server takes for that user's (RFC 9068 section 5, RFC 9700 section 4.15). Tokens
 * are issued by a real authorization server over HTTP; the verified token says whose it is, for opaque
 * tokens and JWTs, and every guard passes that on.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Koa from 'koa'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createBearerGuard,
  createTokenVerifier,
  expressBearer,
  fetchBearer,
  koaBearer,
  nodeBearer,
  subjectTypeOfClaims,
  verifiedToken,
  type BearerGuardOptions,
  type VerifiedToken,
} from '../../../src/resource/index.ts'
import { JwtTokenGenerator } from '../../../src/tokens/index.ts'
import { postToken, startTestServer, USER, type TestServer } from '../../helpers/test-server.ts'

/** A confidential client whose id is the user's name. */
const NAMESAKE = { clientId: USER.username, clientSecret: 'N'.repeat(43), grantTypes: ['client_credentials', 'password'] } as const

async function token(server: TestServer, grant: 'client_credentials' | 'password'): Promise<string> {
  const form: Record<string, string> =
    grant === 'password'
      ? { grant_type: 'password', username: USER.username, password: USER.password }
      : { grant_type: 'client_credentials' }
  const response = await postToken(server.url, form, { basic: [NAMESAKE.clientId, NAMESAKE.clientSecret] })
  expect(response.status).toBe(200)
  return response.json.access_token as string
}

describe('opaque tokens: the store record says whose token it is', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ clients: [NAMESAKE] })
  })
  afterAll(() => server.close())

  it('a client-credentials token of client "alice" is the client\'s; a password token of user "alice" is the user\'s', async () => {
    const verify = createTokenVerifier({ issuer: server.issuer, store: server.tokenStore, clock: server.clock.now })
    const own = await verify(await token(server, 'client_credentials'))
    expect(own).toMatchObject({ clientId: 'alice', subject: 'alice', subjectType: 'client', format: 'opaque' })
    const user = await verify(await token(server, 'password'))
    expect(user).toMatchObject({ clientId: 'alice', subject: 'alice', subjectType: 'user', format: 'opaque' })
  })
})

describe('JWT access tokens: the issuer marks them, the verifier reads the mark', () => {
  let server: TestServer
  let generator: JwtTokenGenerator
  beforeAll(async () => {
    const key = await JwtTokenGenerator.generateKey('ES256', 'key-1')
    server = await startTestServer({
      clients: [NAMESAKE],
      controller: (issuer) => {
        generator = new JwtTokenGenerator({ issuer, keys: [key] })
        return { tokenGenerator: generator }
      },
    })
  })
  afterAll(() => server.close())

  it('client-credentials tokens carry sub = client_id (RFC 9068 section 2.2) and sub_type client; user tokens sub_type user', async () => {
    const own = await token(server, 'client_credentials')
    expect(decodeJwt(own)).toMatchObject({ sub: 'alice', client_id: 'alice', sub_type: 'client' })
    const user = await token(server, 'password')
    expect(decodeJwt(user)).toMatchObject({ sub: 'alice', client_id: 'alice', sub_type: 'user' })
    const verify = createTokenVerifier({ issuer: server.issuer, jwks: generator.jwks(), clock: server.clock.now })
    expect(await verify(own)).toMatchObject({ subject: 'alice', subjectType: 'client', format: 'jwt' })
    expect(await verify(user)).toMatchObject({ subject: 'alice', subjectType: 'user', format: 'jwt' })
  })

  it('the same with the store checked too (revocation)', async () => {
    const verify = createTokenVerifier({ issuer: server.issuer, jwks: generator.jwks(), store: server.tokenStore, clock: server.clock.now })
    expect((await verify(await token(server, 'client_credentials'))).subjectType).toBe('client')
    expect((await verify(await token(server, 'password'))).subjectType).toBe('user')
  })
})

describe('subjectTypeOfClaims: the rule for JWTs', () => {
  it.each<[string, Record<string, unknown>, 'user' | 'client' | undefined]>([
    ['marked client, sub = client_id', { sub: 'app', client_id: 'app', sub_type: 'client' }, 'client'],
    ['marked user, sub = client_id (a user named like the client)', { sub: 'app', client_id: 'app', sub_type: 'user' }, 'user'],
    ['marked user', { sub: 'alice', client_id: 'app', sub_type: 'user' }, 'user'],
    ['unmarked, sub = client_id: the safe side, client', { sub: 'app', client_id: 'app' }, 'client'],
    ['unmarked, no sub', { client_id: 'app' }, 'client'],
    ['unmarked, sub is someone else', { sub: 'alice', client_id: 'app' }, 'user'],
    ['marked client but sub is another (contradiction)', { sub: 'alice', client_id: 'app', sub_type: 'client' }, undefined],
    ['marked client without sub', { client_id: 'app', sub_type: 'client' }, undefined],
    ['an unknown mark', { sub: 'alice', client_id: 'app', sub_type: 'admin' }, undefined],
    ['a mark that is not a string', { sub: 'alice', client_id: 'app', sub_type: 1 }, undefined],
  ])('%s', (_why, claims, expected) => {
    expect(subjectTypeOfClaims(claims)).toBe(expected)
  })
})

describe('every guard passes subjectType on', () => {
  let server: TestServer
  let clientToken = ''
  let userToken = ''
  const servers: Server[] = []
  let options: BearerGuardOptions
  beforeAll(async () => {
    server = await startTestServer({ clients: [NAMESAKE] })
    options = { issuer: server.issuer, store: server.tokenStore, clock: server.clock.now }
    clientToken = await token(server, 'client_credentials')
    userToken = await token(server, 'password')
  })
  afterAll(async () => {
    for (const listening of servers) {
      listening.closeAllConnections()
      listening.close()
    }
    await server.close()
  })

  /** Serves `listener` and asks it with each token; returns the subject types the handler saw. */
  async function through(listener: Parameters<typeof createServer>[1]): Promise<unknown[]> {
    const listening = createServer(listener)
    servers.push(listening)
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/api`
    const seen: unknown[] = []
    for (const value of [clientToken, userToken]) {
      const response = await fetch(url, { headers: { authorization: `Bearer ${value}` } })
      expect(response.status).toBe(200)
      seen.push(((await response.json()) as { subjectType: unknown }).subjectType)
    }
    return seen
  }
  const body = (token: VerifiedToken | undefined): string => JSON.stringify({ subjectType: token?.subjectType })

  it('createBearerGuard', async () => {
    const guard = createBearerGuard(options)
    for (const [value, expected] of [
      [clientToken, 'client'],
      [userToken, 'user'],
    ] as const) {
      const result = await guard({ authorization: `Bearer ${value}`, query: undefined })
      expect(result.ok && result.token.subjectType).toBe(expected)
    }
  })

  it('nodeBearer', async () => {
    const guard = nodeBearer(options)
    expect(await through((req, res) => void guard(req, res).then((token) => token && res.end(body(token))))).toEqual(['client', 'user'])
  })

  it('expressBearer', async () => {
    const app = express()
    app.get('/api', expressBearer(options), (req, res) => {
      res.send(body(verifiedToken(req)))
    })
    expect(await through((req, res) => void app(req, res))).toEqual(['client', 'user'])
  })

  it('koaBearer', async () => {
    const app = new Koa()
    app.use(koaBearer(options))
    app.use((ctx) => {
      ctx.body = body(verifiedToken(ctx))
    })
    const callback = app.callback()
    expect(await through((req, res) => void callback(req, res))).toEqual(['client', 'user'])
  })

  it('fetchBearer', async () => {
    const guard = fetchBearer(options)
    for (const [value, expected] of [
      [clientToken, 'client'],
      [userToken, 'user'],
    ] as const) {
      const checked = await guard(new Request('http://api.example/api', { headers: { authorization: `Bearer ${value}` } }))
      expect(checked instanceof Response ? checked.status : checked.subjectType).toBe(expected)
    }
  })
})
