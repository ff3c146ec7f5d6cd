/**
 * The store contract, written once and run against every store (memory, SQLite, PostgreSQL, MySQL, and
 * the key-value stores): every method of `ClientStore`, `AuthCodeStore` and `AccessTokenStore`, the
 * rotation outcomes, family revocation, expiry, and the races that only the store can win — N parallel
 * `consumeCode` and `rotateRefreshToken` calls on one code or token, and `revokeFamily` racing rotations
 * and saves.
 *
 * A backend's test file is three lines:
 *
 * ```ts
 * describeStoreContract('SQLite', async () => { ... return { clientStore, tokenStore, clock, close } })
 * ```
 *
 * The factory runs before every test and must hand out an empty store whose `clock` option is the
 * {@link FakeClock} it returns; `close()` runs after every test and must leave nothing behind.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AdministeredClientStore } from '../../src/stores/from-url.ts'
import type { RotationOutcome, RotationRequest, TokenStore } from '../../src/stores/types.ts'
import { verifyClientSecret } from '../../src/tokens/hash.ts'
import type { AccessToken, AuthorizationCode, Client, RefreshToken } from '../../src/types.ts'
import { describeClientFieldsContract } from './client-fields-contract.ts'
import { describeFamilyContract } from './family-contract.ts'
import { access as accessRecord, code as codeRecord, FakeClock, refresh as refreshRecord, rotation as rotationRequest } from './records.ts'

export { FakeClock }
export type { AdministeredClientStore }

/** What a backend's factory hands the contract. */
export interface StoreUnderTest {
  readonly clientStore: AdministeredClientStore
  readonly tokenStore: TokenStore
  /** The clock the stores were given (their `clock` option is `clock.now`). */
  readonly clock: FakeClock
  /** Closes the stores and removes what the test stored. */
  close(): Promise<void>
}

const CALLBACK = 'https://client.example.com/cb'

/**
 * Like `Promise.all`, but waits for every call to finish before failing, so no call of a failed test is
 * still running against the store when the next test starts.
 */
export async function all<T>(calls: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(calls)
  const failed = results.find((result) => result.status === 'rejected')
  if (failed !== undefined) throw failed.reason
  return results.map((result) => (result as PromiseFulfilledResult<T>).value)
}

function count<T>(values: readonly T[], value: T): number {
  return values.filter((v) => v === value).length
}

/**
 * Registers the contract suite for one backend. `factory` runs before each test and returns a fresh,
 * empty store set; its `close()` runs after each test.
 */
export function describeStoreContract(name: string, factory: () => Promise<StoreUnderTest>): void {
  describeFamilyContract(name, factory)
  describeClientFieldsContract(name, factory)
  describe(`${name}: store contract`, () => {
    let under: StoreUnderTest | undefined
    let clients: AdministeredClientStore
    let tokens: TokenStore
    let clock: FakeClock

    beforeEach(async () => {
      under = await factory()
      clients = under.clientStore
      tokens = under.tokenStore
      clock = under.clock
    })

    afterEach(async () => {
      await under?.close()
      under = undefined
    })

    const code = (overrides: Partial<AuthorizationCode> = {}): AuthorizationCode => codeRecord(clock, overrides)
    const access = (overrides: Partial<AccessToken> = {}): AccessToken => accessRecord(clock, overrides)
    const refresh = (overrides: Partial<RefreshToken> = {}): RefreshToken => refreshRecord(clock, overrides)
    const rotation = (
      presented: string,
      n: number | string,
      overrides: Partial<RotationRequest> & { familyId?: string } = {},
    ): RotationRequest => rotationRequest(clock, presented, n, overrides)

    /** Every hash given is gone: neither an access nor a refresh token is returned for it. */
    async function expectGone(hashes: readonly string[]): Promise<void> {
      for (const hash of hashes) {
        expect(await tokens.fetchByToken(hash), `access ${hash}`).toBeUndefined()
        expect(await tokens.fetchByRefreshToken(hash), `refresh ${hash}`).toBeUndefined()
      }
    }

    describe('ClientStore', () => {
      it('answers undefined for an unknown client and lists none', async () => {
        expect(await clients.fetchByClientId('nobody')).toBeUndefined()
        expect(await clients.listClients()).toEqual([])
      })

      it('stores a confidential client as createClient builds it: secret hashed, never in plaintext', async () => {
        const added = await clients.addClient({
          clientId: 'abc',
          clientSecret: 'xyz',
          redirectUris: [CALLBACK, 'http://127.0.0.1/cb'],
          grantTypes: ['authorization_code', 'refresh_token'],
          responseTypes: ['code'],
          scopes: ['read', 'write'],
          requirePkce: true,
          name: 'Example — app',
          tokenEndpointAuthMethods: ['client_secret_post'],
        })
        const fetched = await clients.fetchByClientId('abc')
        expect(fetched).toEqual(added)
        expect(fetched?.redirectUris).toEqual([CALLBACK, 'http://127.0.0.1/cb'])
        expect(fetched?.requirePkce).toBe(true)
        expect(fetched?.name).toBe('Example — app')
        expect(JSON.stringify(fetched)).not.toContain('"xyz"')
        expect(await verifyClientSecret('xyz', fetched?.clientSecretHash ?? '')).toBe(true)
        expect(await verifyClientSecret('xyz!', fetched?.clientSecretHash ?? '')).toBe(false)
      })

      it('stores a public client with its defaults (no secret, no scopes, no name)', async () => {
        const added = await clients.addClient({ clientId: 'public-app', redirectUris: ['http://127.0.0.1/cb'] })
        const fetched = await clients.fetchByClientId('public-app')
        expect(fetched).toEqual(added)
        expect(fetched?.clientSecretHash).toBeUndefined()
        expect(fetched?.scopes).toBeUndefined()
        expect(fetched?.name).toBeUndefined()
        expect(fetched?.tokenEndpointAuthMethods).toEqual(['none'])
        expect(fetched?.grantTypes).toEqual(['*'])
      })

      it('refuses a short secret at registration on an issuer off loopback, unless weak secrets are allowed (RFC 6749 section 10.10)', async () => {
        const weak = { clientId: 'weak', clientSecret: 'xyz', redirectUris: [CALLBACK] }
        await expect(clients.addClient(weak, { issuer: 'https://as.example.com' })).rejects.toBeInstanceOf(TypeError)
        expect(await clients.fetchByClientId('weak')).toBeUndefined()
        await clients.addClient(weak, { issuer: 'http://localhost:8080' })
        await clients.addClient({ ...weak, clientId: 'weak-allowed' }, { issuer: 'https://as.example.com', allowWeakClientSecrets: true })
        await clients.addClient({ ...weak, clientId: 'strong', clientSecret: 'S'.repeat(43) }, { issuer: 'https://as.example.com' })
        expect((await clients.listClients()).map((client) => client.clientId).sort()).toEqual(['strong', 'weak', 'weak-allowed'])
      })

      it('replaces a client registered again under the same id', async () => {
        await clients.addClient({ clientId: 'abc', clientSecret: 'xyz', redirectUris: [CALLBACK], name: 'Old' })
        const replaced = await clients.addClient({ clientId: 'abc', redirectUris: ['http://127.0.0.1/new'] })
        expect(await clients.fetchByClientId('abc')).toEqual(replaced)
        expect((await clients.fetchByClientId('abc'))?.clientSecretHash).toBeUndefined()
        expect(await clients.listClients()).toHaveLength(1)
      })

      it('removes a client once: true, then false; it is no longer found or listed', async () => {
        await clients.addClient({ clientId: 'abc', redirectUris: [CALLBACK] })
        await clients.addClient({ clientId: 'def', redirectUris: [CALLBACK] })
        expect(await clients.removeClient('abc')).toBe(true)
        expect(await clients.removeClient('abc')).toBe(false)
        expect(await clients.removeClient('never')).toBe(false)
        expect(await clients.fetchByClientId('abc')).toBeUndefined()
        expect((await clients.listClients()).map((c) => c.clientId)).toEqual(['def'])
      })

      it('lists every client', async () => {
        const ids = ['zeta', 'alpha', 'mid-1', 'Mid-2']
        const added = new Map<string, Client>()
        for (const clientId of ids) added.set(clientId, await clients.addClient({ clientId, redirectUris: [CALLBACK] }))
        const listed = await clients.listClients()
        expect(listed.map((c) => c.clientId).sort()).toEqual([...ids].sort())
        for (const client of listed) expect(client).toEqual(added.get(client.clientId))
      })

      it('validates registrations as createClient does, storing nothing when one is refused', async () => {
        await expect(clients.addClient({ clientId: '' })).rejects.toThrow(TypeError)
        await expect(clients.addClient({ clientId: 'abc', redirectUris: ['not a uri'] })).rejects.toThrow(TypeError)
        await expect(clients.addClient({ clientId: 'abc', clientSecret: 'a', clientSecretHash: 'sha256$x$y' })).rejects.toThrow(TypeError)
        expect(await clients.listClients()).toEqual([])
      })

      it('matches client ids exactly: case and trailing spaces matter', async () => {
        await clients.addClient({ clientId: 'abc', redirectUris: [CALLBACK], name: 'lower' })
        await clients.addClient({ clientId: 'ABC', redirectUris: [CALLBACK], name: 'upper' })
        expect((await clients.fetchByClientId('abc'))?.name).toBe('lower')
        expect((await clients.fetchByClientId('ABC'))?.name).toBe('upper')
        expect(await clients.fetchByClientId('Abc')).toBeUndefined()
        expect(await clients.fetchByClientId('abc ')).toBeUndefined()
        await clients.addClient({ clientId: 'abc ', redirectUris: [CALLBACK], name: 'spaced' })
        expect((await clients.fetchByClientId('abc'))?.name).toBe('lower')
        expect((await clients.fetchByClientId('abc '))?.name).toBe('spaced')
      })
    })

    describe('AuthCodeStore (RFC 6749 section 4.1.2: a code is single-use)', () => {
      it('returns a saved code field for field, without consuming it', async () => {
        const saved = code()
        await tokens.saveCode(saved)
        expect(await tokens.fetchByCode('code-1')).toEqual(saved)
        expect(await tokens.fetchByCode('code-1')).toEqual(saved)
        expect((await tokens.consumeCode('code-1', clock.seconds))?.outcome).toBe('consumed')
      })

      it('keeps absent optional fields absent (no redirect_uri, no PKCE)', async () => {
        const saved = code({ redirectUri: undefined, codeChallenge: undefined, codeChallengeMethod: undefined, data: {}, scopes: [] })
        await tokens.saveCode(saved)
        const fetched = await tokens.fetchByCode('code-1')
        expect(fetched).toEqual(saved)
        expect(fetched?.redirectUri).toBeUndefined()
        expect(fetched?.codeChallengeMethod).toBeUndefined()
      })

      it('answers undefined for an unknown code, to fetch and to consume', async () => {
        expect(await tokens.fetchByCode('nope')).toBeUndefined()
        expect(await tokens.consumeCode('nope', clock.seconds)).toBeUndefined()
      })

      it('consumes a code once; every later redemption is reused, with the code, until it expires', async () => {
        const saved = code({ expiresAt: clock.seconds + 60 })
        await tokens.saveCode(saved)
        expect(await tokens.consumeCode('code-1', clock.seconds)).toEqual({ outcome: 'consumed', code: saved })
        expect(await tokens.fetchByCode('code-1')).toBeUndefined()
        expect(await tokens.consumeCode('code-1', clock.seconds)).toEqual({ outcome: 'reused', code: saved })
        clock.advance(59)
        expect(await tokens.consumeCode('code-1', clock.seconds)).toEqual({ outcome: 'reused', code: saved })
        clock.advance(1)
        expect(await tokens.consumeCode('code-1', clock.seconds)).toBeUndefined()
      })

      it('neither returns nor consumes an expired code (expiresAt <= now)', async () => {
        await tokens.saveCode(code({ expiresAt: clock.seconds + 10 }))
        expect(await tokens.consumeCode('code-1', clock.seconds + 10)).toBeUndefined()
        clock.advance(9)
        expect(await tokens.fetchByCode('code-1')).toBeDefined()
        clock.advance(1)
        expect(await tokens.fetchByCode('code-1')).toBeUndefined()
        expect(await tokens.consumeCode('code-1', clock.seconds)).toBeUndefined()
      })

      it('matches code hashes exactly: consuming one leaves codes differing in case untouched', async () => {
        await tokens.saveCode(code({ codeHash: 'AbC', familyId: 'f-upper' }))
        await tokens.saveCode(code({ codeHash: 'abc', familyId: 'f-lower' }))
        expect(await tokens.fetchByCode('ABC')).toBeUndefined()
        expect((await tokens.consumeCode('abc', clock.seconds))?.code.familyId).toBe('f-lower')
        expect((await tokens.fetchByCode('AbC'))?.familyId).toBe('f-upper')
        expect((await tokens.consumeCode('AbC', clock.seconds))?.outcome).toBe('consumed')
      })

      it('gives exactly one of 50 concurrent consumeCode calls "consumed", the other 49 "reused"', async () => {
        const saved = code()
        await tokens.saveCode(saved)
        const results = await all(Array.from({ length: 50 }, () => tokens.consumeCode('code-1', clock.seconds)))
        const outcomes = results.map((r) => r?.outcome)
        expect(count(outcomes, 'consumed')).toBe(1)
        expect(count(outcomes, 'reused')).toBe(49)
        for (const result of results) expect(result?.code).toEqual(saved)
      })

      it('consumes each of 20 codes exactly once when every code is redeemed 5 times at once', async () => {
        for (let i = 0; i < 20; i++) await tokens.saveCode(code({ codeHash: `code-${i}`, familyId: `fam-${i}` }))
        const results = await all(Array.from({ length: 100 }, (_, n) => tokens.consumeCode(`code-${n % 20}`, clock.seconds)))
        for (let i = 0; i < 20; i++) {
          const mine = results.filter((r) => r?.code.codeHash === `code-${i}`).map((r) => r?.outcome)
          expect(mine, `code-${i}`).toHaveLength(5)
          expect(count(mine, 'consumed'), `code-${i}`).toBe(1)
        }
      })
    })

    describe('AccessTokenStore: saving and fetching', () => {
      it('saves an access token with its refresh token and returns each field for field', async () => {
        const a = access({ sealed: 'sealed-blob', uniqueKey: 'key-1', refreshTokenHash: 'refresh-1' })
        const r = refresh()
        expect(await tokens.saveToken(a, r)).toBe(true)
        expect(await tokens.fetchByToken('access-1')).toEqual(a)
        expect(await tokens.fetchByRefreshToken('refresh-1')).toEqual(r)
        // An access token is not a refresh token and the reverse.
        expect(await tokens.fetchByToken('refresh-1')).toBeUndefined()
        expect(await tokens.fetchByRefreshToken('access-1')).toBeUndefined()
      })

      it('keeps a grant context on codes and tokens exactly (round trip), also through a rotation', async () => {
        const context = {
          subjectType: 'user',
          authTime: clock.seconds - 30,
          sessionId: 'session-1',
          grantId: 'grant-1',
          resources: ['https://api.example.com/', 'https://other.example.com/v1'],
          nonce: 'n-0S6_WzA2Mj',
        } as const
        const c = code({ context })
        await tokens.saveCode(c)
        expect(await tokens.fetchByCode('code-1')).toEqual(c)
        expect((await tokens.consumeCode('code-1', clock.seconds))?.code).toEqual(c)
        const a = access({ context })
        const r = refresh({ context: { subjectType: 'client' } })
        expect(await tokens.saveToken(a, r)).toBe(true)
        expect(await tokens.fetchByToken('access-1')).toEqual(a)
        expect(await tokens.fetchByRefreshToken('refresh-1')).toEqual(r)
        const next = rotation('refresh-1', 2)
        const rotated = { ...next, accessToken: { ...next.accessToken, context }, refreshToken: { ...next.refreshToken, context } }
        expect(await tokens.rotateRefreshToken(rotated)).toBe('rotated')
        expect((await tokens.fetchByToken('access-2'))?.context).toEqual(context)
        expect((await tokens.fetchByRefreshToken('refresh-2'))?.context).toEqual(context)
      })

      it('saves an access token without family, user or refresh token (client_credentials)', async () => {
        const a = access({ familyId: undefined, userId: undefined, grantType: 'client_credentials', data: {} })
        expect(await tokens.saveToken(a)).toBe(true)
        const fetched = await tokens.fetchByToken('access-1')
        expect(fetched).toEqual(a)
        expect(fetched?.familyId).toBeUndefined()
        expect(fetched?.userId).toBeUndefined()
      })

      it('keeps times past 2038 exact (64-bit seconds)', async () => {
        const far = 4_102_444_800 // 2100-01-01
        const a = access({ expiresAt: far })
        const r = refresh({ expiresAt: far, rotatedAt: undefined })
        await tokens.saveToken(a, r)
        await tokens.saveCode(code({ expiresAt: far }))
        expect((await tokens.fetchByToken('access-1'))?.expiresAt).toBe(far)
        expect((await tokens.fetchByRefreshToken('refresh-1'))?.expiresAt).toBe(far)
        expect((await tokens.fetchByCode('code-1'))?.expiresAt).toBe(far)
        expect(await tokens.rotateRefreshToken({ ...rotation('refresh-1', 2), now: far - 1 })).toBe('rotated')
        expect((await tokens.fetchByRefreshToken('refresh-1'))?.rotatedAt).toBe(far - 1)
      })

      it('answers undefined for unknown tokens', async () => {
        expect(await tokens.fetchByToken('nope')).toBeUndefined()
        expect(await tokens.fetchByRefreshToken('nope')).toBeUndefined()
        expect(await tokens.fetchExistingToken('nope')).toBeUndefined()
      })

      it('does not return an access or refresh token past its expiresAt', async () => {
        await tokens.saveToken(access({ expiresAt: clock.seconds + 30 }), refresh({ expiresAt: clock.seconds + 60 }))
        clock.advance(29)
        expect(await tokens.fetchByToken('access-1')).toBeDefined()
        clock.advance(1)
        expect(await tokens.fetchByToken('access-1')).toBeUndefined()
        expect(await tokens.fetchByRefreshToken('refresh-1')).toBeDefined()
        clock.advance(30)
        expect(await tokens.fetchByRefreshToken('refresh-1')).toBeUndefined()
      })

      it('matches token hashes exactly', async () => {
        await tokens.saveToken(access({ tokenHash: 'Tok', familyId: undefined }))
        expect(await tokens.fetchByToken('tok')).toBeUndefined()
        expect(await tokens.fetchByToken('TOK')).toBeUndefined()
        expect(await tokens.fetchByToken('Tok ')).toBeUndefined()
        expect(await tokens.fetchByToken('Tok')).toBeDefined()
      })

      it('revokeAccessToken deletes that access token only (RFC 7009); unknown hashes are ignored', async () => {
        await tokens.saveToken(access({ uniqueKey: 'k' }), refresh())
        await tokens.saveToken(access({ tokenHash: 'other', familyId: 'fam-2' }))
        await tokens.revokeAccessToken('access-1')
        await tokens.revokeAccessToken('never-issued')
        expect(await tokens.fetchByToken('access-1')).toBeUndefined()
        expect(await tokens.fetchExistingToken('k')).toBeUndefined()
        expect(await tokens.fetchByRefreshToken('refresh-1')).toBeDefined()
        expect(await tokens.fetchByToken('other')).toBeDefined()
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 2))).toBe('rotated')
      })
    })

    describe('AccessTokenStore: fetchExistingToken (uniqueToken)', () => {
      it('returns the newest unexpired access token saved with the key', async () => {
        expect(await tokens.fetchExistingToken('abc|u1|read')).toBeUndefined()
        await tokens.saveToken(access({ tokenHash: 'first', uniqueKey: 'abc|u1|read', familyId: undefined, sealed: 's1' }))
        expect(await tokens.fetchExistingToken('abc|u1|read')).toEqual(
          access({ tokenHash: 'first', uniqueKey: 'abc|u1|read', familyId: undefined, sealed: 's1' }),
        )
        await tokens.saveToken(access({ tokenHash: 'second', uniqueKey: 'abc|u1|read', familyId: undefined, sealed: 's2' }))
        expect((await tokens.fetchExistingToken('abc|u1|read'))?.tokenHash).toBe('second')
        expect(await tokens.fetchExistingToken('abc|u1|write')).toBeUndefined()
        expect(await tokens.fetchExistingToken('ABC|u1|read')).toBeUndefined()
      })

      it('returns undefined once the token expired', async () => {
        await tokens.saveToken(access({ uniqueKey: 'k', familyId: undefined, expiresAt: clock.seconds + 60 }))
        clock.advance(59)
        expect(await tokens.fetchExistingToken('k')).toBeDefined()
        clock.advance(1)
        expect(await tokens.fetchExistingToken('k')).toBeUndefined()
      })

      it('returns undefined once the family was revoked', async () => {
        await tokens.saveToken(access({ uniqueKey: 'k' }), refresh())
        await tokens.revokeFamily('fam-1')
        expect(await tokens.fetchExistingToken('k')).toBeUndefined()
      })

      it('finds a token saved with the key by a rotation', async () => {
        await tokens.saveToken(access({ uniqueKey: 'k' }), refresh())
        const request = rotation('refresh-1', 2)
        expect(await tokens.rotateRefreshToken({ ...request, accessToken: { ...request.accessToken, uniqueKey: 'k' } })).toBe('rotated')
        expect((await tokens.fetchExistingToken('k'))?.tokenHash).toBe('access-2')
      })
    })

    describe('AccessTokenStore: refresh token rotation (RFC 9700 section 4.14.2)', () => {
      it('rotates the current token: successor stored, presented token kept as rotated out', async () => {
        await tokens.saveToken(access(), refresh())
        clock.advance(5)
        const request = rotation('refresh-1', 2)
        expect(await tokens.rotateRefreshToken(request)).toBe('rotated')
        expect(await tokens.fetchByToken('access-2')).toEqual(request.accessToken)
        expect(await tokens.fetchByRefreshToken('refresh-2')).toEqual(request.refreshToken)
        expect(await tokens.fetchByRefreshToken('refresh-1')).toEqual(
          refresh({
            issuedAt: clock.seconds - 5,
            expiresAt: clock.seconds - 5 + 86_400,
            rotatedAt: clock.seconds,
            successorHash: 'refresh-2',
          }),
        )
      })

      it('rotates along a chain: each successor rotates in turn', async () => {
        await tokens.saveToken(access(), refresh())
        for (let n = 2; n <= 5; n++) {
          clock.advance(60)
          expect(await tokens.rotateRefreshToken(rotation(`refresh-${n - 1}`, n)), `rotation ${n}`).toBe('rotated')
        }
        expect((await tokens.fetchByRefreshToken('refresh-5'))?.rotatedAt).toBeUndefined()
        expect((await tokens.fetchByRefreshToken('refresh-4'))?.successorHash).toBe('refresh-5')
      })

      it('detects reuse of a rotated-out token and revokes the whole family, and only it', async () => {
        await tokens.saveToken(access(), refresh())
        await tokens.saveToken(
          access({ tokenHash: 'other-access', familyId: 'fam-2' }),
          refresh({ tokenHash: 'other-refresh', familyId: 'fam-2', accessTokenHash: 'other-access' }),
        )
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 2))).toBe('rotated')
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 3))).toBe('reused')
        await expectGone(['access-1', 'access-2', 'access-3', 'refresh-1', 'refresh-2', 'refresh-3'])
        expect(await tokens.fetchByToken('other-access')).toBeDefined()
        expect(await tokens.fetchByRefreshToken('other-refresh')).toBeDefined()
        // The successor cannot be used any more, and nothing more is accepted into the family.
        expect(await tokens.rotateRefreshToken(rotation('refresh-2', 4))).toBe('invalid')
        expect(await tokens.saveToken(access({ tokenHash: 'late' }), refresh({ tokenHash: 'late-r' }))).toBe(false)
        await expectGone(['access-4', 'refresh-4', 'late', 'late-r'])
      })

      it('with concurrentRefreshes 2, allows one retry within the grace interval: a sibling beside the first successor; a further retry is reuse', async () => {
        await tokens.saveToken(access(), refresh())
        const rotatedAt = clock.seconds
        const options = { graceSeconds: 30, concurrentRefreshes: 2 }
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 2, options))).toBe('rotated')
        clock.advance(10)
        const retry = rotation('refresh-1', 3, options)
        expect(await tokens.rotateRefreshToken(retry)).toBe('grace')
        // Both siblings live until one of them is used.
        expect((await tokens.fetchByRefreshToken('refresh-2'))?.rotatedAt).toBeUndefined()
        expect(await tokens.fetchByToken('access-2')).toBeDefined()
        expect(await tokens.fetchByRefreshToken('refresh-3')).toEqual(retry.refreshToken)
        expect(await tokens.fetchByToken('access-3')).toEqual(retry.accessToken)
        const original = await tokens.fetchByRefreshToken('refresh-1')
        // The latest successor (memcached keeps the first one here: its siblings are numbered apart).
        expect(['refresh-2', 'refresh-3']).toContain(original?.successorHash)
        expect(original?.rotatedAt).toBe(rotatedAt)
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 4, options))).toBe('reused')
        await expectGone(['refresh-1', 'refresh-2', 'refresh-3', 'access-2', 'access-3', 'access-4'])
      })

      it('grants the retry up to graceSeconds after the rotation, inclusive, and calls it reuse after', async () => {
        await tokens.saveToken(access(), refresh())
        await tokens.saveToken(
          access({ tokenHash: 'b-access', familyId: 'fam-b' }),
          refresh({ tokenHash: 'b-refresh', familyId: 'fam-b', accessTokenHash: 'b-access' }),
        )
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 2, { graceSeconds: 30 }))).toBe('rotated')
        expect(await tokens.rotateRefreshToken(rotation('b-refresh', 'b2', { graceSeconds: 30, familyId: 'fam-b' }))).toBe('rotated')
        clock.advance(30)
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 3, { graceSeconds: 30 }))).toBe('grace')
        clock.advance(1)
        expect(await tokens.rotateRefreshToken(rotation('b-refresh', 'b3', { graceSeconds: 30, familyId: 'fam-b' }))).toBe('reused')
        await expectGone(['b-access', 'b-refresh', 'access-b2', 'refresh-b2', 'access-b3', 'refresh-b3'])
        expect(await tokens.fetchByRefreshToken('refresh-3')).toBeDefined()
      })

      it('treats a later use of the sibling that lost (the other one was used first) as reuse, revoking the family', async () => {
        await tokens.saveToken(access(), refresh())
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 2, { graceSeconds: 30 }))).toBe('rotated')
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 3, { graceSeconds: 30 }))).toBe('grace')
        expect(await tokens.rotateRefreshToken(rotation('refresh-3', 5, { graceSeconds: 30 }))).toBe('rotated')
        expect(await tokens.fetchByToken('access-2')).toBeUndefined()
        expect(await tokens.rotateRefreshToken(rotation('refresh-2', 4, { graceSeconds: 30 }))).toBe('reused')
        await expectGone(['refresh-3', 'access-3', 'access-4', 'refresh-4', 'access-5', 'refresh-5'])
      })

      it('refuses a grace retry once the successor has itself been rotated (a replay, not a lost response)', async () => {
        await tokens.saveToken(access(), refresh())
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 2, { graceSeconds: 30 }))).toBe('rotated')
        expect(await tokens.rotateRefreshToken(rotation('refresh-2', 3, { graceSeconds: 30 }))).toBe('rotated')
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 4, { graceSeconds: 30 }))).toBe('reused')
        await expectGone(['refresh-3', 'access-3', 'refresh-4'])
      })

      it('refuses a token of another client (RFC 6749 section 6) without rotating or revoking anything', async () => {
        await tokens.saveToken(access(), refresh())
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 2, { clientId: 'other' }))).toBe('invalid')
        await expectGone(['access-2', 'refresh-2'])
        expect((await tokens.fetchByRefreshToken('refresh-1'))?.rotatedAt).toBeUndefined()
        expect(await tokens.fetchByToken('access-1')).toBeDefined()
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 3))).toBe('rotated')
      })

      it('refuses an unknown or expired refresh token, storing nothing', async () => {
        expect(await tokens.rotateRefreshToken(rotation('nope', 2))).toBe('invalid')
        await tokens.saveToken(access(), refresh({ expiresAt: clock.seconds + 10 }))
        clock.advance(10)
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 3))).toBe('invalid')
        await expectGone(['access-2', 'refresh-2', 'access-3', 'refresh-3'])
      })

      it('refuses a token whose family was revoked', async () => {
        await tokens.saveToken(access(), refresh())
        await tokens.revokeFamily('fam-1')
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 2))).toBe('invalid')
        await expectGone(['access-2', 'refresh-2'])
      })

      it('gives exactly one of 50 concurrent rotations of one token "rotated"; with graceSeconds 0 the replays revoke the family', async () => {
        await tokens.saveToken(access(), refresh())
        const outcomes = await all(Array.from({ length: 50 }, (_, i) => tokens.rotateRefreshToken(rotation('refresh-1', `c${i}`))))
        expect(count(outcomes, 'rotated')).toBe(1)
        expect(count(outcomes, 'grace')).toBe(0)
        // The first replay is reuse and revokes the family; later ones present a revoked token: invalid.
        expect(count(outcomes, 'reused')).toBeGreaterThanOrEqual(1)
        expect(count(outcomes, 'reused') + count(outcomes, 'invalid')).toBe(49)
        await expectGone(['access-1', 'refresh-1', ...Array.from({ length: 50 }, (_, i) => [`access-c${i}`, `refresh-c${i}`]).flat()])
        expect(await tokens.saveToken(access({ tokenHash: 'late' }), refresh({ tokenHash: 'late-r' }))).toBe(false)
      })

      it('gives exactly one of 50 concurrent rotations "rotated" and at most one "grace" with concurrentRefreshes 2', async () => {
        await tokens.saveToken(access(), refresh())
        const outcomes: RotationOutcome[] = await all(
          Array.from({ length: 50 }, (_, i) =>
            tokens.rotateRefreshToken(rotation('refresh-1', `c${i}`, { graceSeconds: 30, concurrentRefreshes: 2 })),
          ),
        )
        expect(count(outcomes, 'rotated')).toBe(1)
        expect(count(outcomes, 'grace')).toBeLessThanOrEqual(1)
        expect(count(outcomes, 'reused')).toBeGreaterThanOrEqual(1)
        expect(count(outcomes, 'rotated') + count(outcomes, 'grace') + count(outcomes, 'reused') + count(outcomes, 'invalid')).toBe(50)
        // Replays beyond the one grace retry revoke the family.
        await expectGone(['refresh-1', ...Array.from({ length: 50 }, (_, i) => [`access-c${i}`, `refresh-c${i}`]).flat()])
      })
    })

    describe('AccessTokenStore: revokeFamily', () => {
      it('deletes every access and refresh token of the family, rotated-out ones included, and nothing else', async () => {
        await tokens.saveToken(access(), refresh())
        expect(await tokens.rotateRefreshToken(rotation('refresh-1', 2))).toBe('rotated')
        await tokens.saveToken(access({ tokenHash: 'keep', familyId: 'fam-2' }), refresh({ tokenHash: 'keep-r', familyId: 'fam-2' }))
        await tokens.saveToken(access({ tokenHash: 'no-family', familyId: undefined }))
        await tokens.revokeFamily('fam-1')
        await expectGone(['access-1', 'access-2', 'refresh-1', 'refresh-2'])
        expect(await tokens.fetchByToken('keep')).toBeDefined()
        expect(await tokens.fetchByRefreshToken('keep-r')).toBeDefined()
        expect(await tokens.fetchByToken('no-family')).toBeDefined()
      })

      it('makes a later saveToken into the family resolve false and store nothing', async () => {
        await tokens.saveToken(access(), refresh())
        await tokens.revokeFamily('fam-1')
        expect(await tokens.saveToken(access({ tokenHash: 'late' }), refresh({ tokenHash: 'late-r' }))).toBe(false)
        expect(await tokens.saveToken(access({ tokenHash: 'late-2' }))).toBe(false)
        expect(await tokens.saveToken(access({ tokenHash: 'late-3', familyId: undefined }), refresh({ tokenHash: 'late-3r' }))).toBe(false)
        await expectGone(['late', 'late-r', 'late-2', 'late-3', 'late-3r'])
        // Other families are unaffected.
        expect(await tokens.saveToken(access({ tokenHash: 'fresh', familyId: 'fam-2' }))).toBe(true)
      })

      it('refuses tokens into a family revoked before it had any (a code replay racing the first exchange)', async () => {
        await tokens.revokeFamily('fam-new')
        expect(await tokens.saveToken(access({ familyId: 'fam-new' }), refresh({ familyId: 'fam-new' }))).toBe(false)
        await expectGone(['access-1', 'refresh-1'])
      })

      it('is idempotent', async () => {
        await tokens.saveToken(access(), refresh())
        await tokens.revokeFamily('fam-1')
        await tokens.revokeFamily('fam-1')
        await expectGone(['access-1', 'refresh-1'])
        expect(await tokens.saveToken(access({ tokenHash: 'late' }))).toBe(false)
      })

      it('still refuses the family 23 hours later', async () => {
        await tokens.revokeFamily('fam-1')
        clock.advance(23 * 3_600)
        await tokens.saveToken(access({ tokenHash: 'unrelated', familyId: undefined }))
        expect(await tokens.saveToken(access())).toBe(false)
      })

      it('leaves no live token when revokeFamily races a rotation and a save into the family', async () => {
        const families = Array.from({ length: 24 }, (_, f) => `race-${f}`)
        for (const f of families) {
          await tokens.saveToken(
            access({ tokenHash: `${f}-a0`, familyId: f }),
            refresh({ tokenHash: `${f}-r0`, familyId: f, accessTokenHash: `${f}-a0` }),
          )
        }
        const work: Promise<unknown>[] = []
        for (const [index, f] of families.entries()) {
          const operations: (() => Promise<unknown>)[] = [
            () => tokens.rotateRefreshToken(rotation(`${f}-r0`, `${f}-1`, { familyId: f })),
            () => tokens.saveToken(access({ tokenHash: `${f}-a2`, familyId: f }), refresh({ tokenHash: `${f}-r2`, familyId: f })),
          ]
          // The revocation comes first, in the middle or last, so it lands at different points.
          operations.splice(index % 3, 0, () => tokens.revokeFamily(f))
          for (const operation of operations) work.push(operation())
        }
        const results = await all(work)
        for (const result of results) expect([undefined, true, false, 'rotated', 'invalid']).toContain(result)
        for (const f of families) {
          await expectGone([`${f}-a0`, `${f}-r0`, `access-${f}-1`, `refresh-${f}-1`, `${f}-a2`, `${f}-r2`])
          expect(await tokens.saveToken(access({ tokenHash: `${f}-late`, familyId: f }))).toBe(false)
        }
      })

      it('leaves no live token when a code replay (revokeFamily) races the first exchange (saveToken)', async () => {
        for (let i = 0; i < 20; i++) await tokens.saveCode(code({ codeHash: `code-${i}`, familyId: `fam-${i}` }))
        const exchange = async (i: number): Promise<string> => {
          const consumed = await tokens.consumeCode(`code-${i}`, clock.seconds)
          if (consumed?.outcome === 'consumed') {
            const saved = await tokens.saveToken(
              access({ tokenHash: `a-${i}`, familyId: consumed.code.familyId }),
              refresh({ tokenHash: `r-${i}`, familyId: consumed.code.familyId, accessTokenHash: `a-${i}` }),
            )
            return saved ? 'issued' : 'refused'
          }
          if (consumed?.outcome === 'reused') {
            await tokens.revokeFamily(consumed.code.familyId)
            return 'revoked'
          }
          return 'unknown'
        }
        const outcomes = await all(Array.from({ length: 40 }, (_, n) => exchange(n % 20)))
        expect(count(outcomes, 'revoked')).toBe(20)
        expect(count(outcomes, 'issued') + count(outcomes, 'refused')).toBe(20)
        for (let i = 0; i < 20; i++) await expectGone([`a-${i}`, `r-${i}`])
      })
    })
  })
}
