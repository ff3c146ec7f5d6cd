/**
 * A grant's context (`GrantContext`) kept exactly through a token store: on codes (saved, fetched,
 * consumed), access tokens (by hash and by `uniqueKey`), refresh tokens, and the successors of a rotation;
 * a record saved without one reads back without one. Registered by the key-value stores' test files
 * (Redis per driver, memcached), whose JSON codecs must put the optional `context` back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TokenStore } from '../../src/stores/types.ts'
import type { GrantContext } from '../../src/types.ts'
import { access, code, type FakeClock, refresh, rotation } from './records.ts'

/** What a backend's factory hands this test. */
export interface ContextStoreUnderTest {
  readonly tokenStore: TokenStore
  readonly clock: FakeClock
  close(): Promise<void>
}

/** Registers the round trip of a grant's context for one backend. */
export function describeGrantContextRoundTrip(name: string, factory: () => Promise<ContextStoreUnderTest>): void {
  describe(`${name}: grant context`, () => {
    let under: ContextStoreUnderTest | undefined
    beforeEach(async () => {
      under = await factory()
    })
    afterEach(async () => {
      await under?.close()
      under = undefined
    })

    it('keeps a grant context exactly through codes, tokens and a rotation; none stays none', async () => {
      const { tokenStore: store, clock } = under!
      const context: GrantContext = {
        subjectType: 'user',
        authTime: clock.seconds - 5,
        sessionId: 'sid-1',
        grantId: 'grant-1',
        resources: ['https://api.example.com/', 'urn:example:resource'],
        nonce: 'n-0S6_WzA2Mj',
      }
      await store.saveCode(code(clock, { context }))
      expect((await store.fetchByCode('code-1'))?.context).toStrictEqual(context)
      expect((await store.consumeCode('code-1', clock.seconds))?.code.context).toStrictEqual(context)

      await store.saveToken(access(clock, { context, uniqueKey: 'u-1' }), refresh(clock, { context }))
      expect((await store.fetchByToken('access-1'))?.context).toStrictEqual(context)
      expect((await store.fetchExistingToken('u-1'))?.context).toStrictEqual(context)
      expect((await store.fetchByRefreshToken('refresh-1'))?.context).toStrictEqual(context)

      const narrower: GrantContext = { subjectType: 'client' }
      const request = rotation(clock, 'refresh-1', 2)
      const rotated = {
        ...request,
        accessToken: { ...request.accessToken, context: narrower },
        refreshToken: { ...request.refreshToken, context: narrower },
      }
      expect(await store.rotateRefreshToken(rotated)).toBe('rotated')
      expect((await store.fetchByRefreshToken('refresh-2'))?.context).toStrictEqual(narrower)
      expect((await store.fetchByToken('access-2'))?.context).toStrictEqual(narrower)

      const plain = access(clock, { tokenHash: 'access-plain', familyId: undefined })
      await store.saveToken(plain)
      const read = await store.fetchByToken('access-plain')
      expect(read).toEqual(plain)
      expect(read?.context).toBeUndefined()
    })
  })
}
