/**
 * The contract of {@link KeySet} over a backend's {@link RecordStore}, written once and run on every backend
 * that can hold signing keys (memory, SQLite, PostgreSQL, MySQL, Redis; memcached refuses them): one set per
 * issuer created once by concurrent creators, private parts sealed at rest, signatures that verify with the
 * published keys, a rotation another process sees within its refresh interval, algorithms added later.
 *
 * ```ts
 * describeKeySetContract('PostgreSQL', async () => ({ recordStore, clock, close }))
 * ```
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sha256Base64url } from '../../src/internal/crypto.ts'
import { KEY_SET_KIND, KeySet, type KeySetOptions } from '../../src/keys/key-set.ts'
import { KeySecretMismatchError } from '../../src/keys/seal.ts'
import type { RecordStore } from '../../src/stores/types.ts'
import type { RecordStoreUnderTest } from './record-contract.ts'
import type { FakeClock } from './records.ts'

const ISSUER = 'https://issuer.example'
const SECRET = 'key-set-contract-secret-0123456789abcdef'

/** Registers the key-set contract for one backend. */
export function describeKeySetContract(name: string, factory: () => Promise<RecordStoreUnderTest>): void {
  describe(`${name}: key-set contract`, () => {
    let under: RecordStoreUnderTest | undefined
    let store: RecordStore
    let clock: FakeClock
    const keySet = (options: Partial<KeySetOptions> = {}): KeySet =>
      new KeySet({ store, issuer: ISSUER, secret: SECRET, clock: clock.now, refreshSeconds: 60, retireAfterSeconds: 3600, ...options })

    beforeEach(async () => {
      under = await factory()
      store = under.recordStore
      clock = under.clock
    })
    afterEach(async () => {
      await under?.close()
      under = undefined
    })

    it('two processes starting together create one key set; its private keys are sealed at rest', async () => {
      const [a, b] = [keySet({ algorithms: ['ES256'] }), keySet({ algorithms: ['ES256'] })]
      const [jwksA, jwksB] = await Promise.all([a.jwks(), b.jwks()])
      expect(jwksA.keys.map((key) => key.kid).sort()).toEqual(jwksB.keys.map((key) => key.kid).sort())
      // RS256 always, plus ES256: a current and a next key each.
      expect(jwksA.keys.map((key) => `${key.alg}`).sort()).toEqual(['ES256', 'ES256', 'RS256', 'RS256'])
      const stored = await store.getRecord(KEY_SET_KIND, sha256Base64url(ISSUER))
      expect(stored?.expiresAt).toBeUndefined()
      // No private JWK member in clear: the private parts are AES-GCM ciphertext.
      expect(stored?.value).not.toMatch(/"(d|p|q|dp|dq|qi)":/)
      for (const key of jwksA.keys) expect(Object.keys(key)).not.toContain('d')
    })

    it('signs with the current key; the signature verifies with the published JWKS in another process', async () => {
      const signer = keySet({ algorithms: ['ES256', 'EdDSA'] })
      const other = keySet({ algorithms: ['ES256', 'EdDSA'] })
      for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
        const jwt = await signer.sign({ iss: ISSUER, sub: 'alice', exp: clock.seconds + 60 }, { alg, typ: 'at+jwt' })
        expect(decodeProtectedHeader(jwt)).toMatchObject({ alg, typ: 'at+jwt' })
        const { payload } = await jwtVerify(jwt, createLocalJWKSet({ keys: [...(await other.jwks()).keys] }), {
          currentDate: new Date(clock.ms),
        })
        expect(payload.sub).toBe('alice')
        // The same process verifies without any JWKS document, through the key getter.
        await expect(jwtVerify(jwt, other.verificationKey, { currentDate: new Date(clock.ms) })).resolves.toBeDefined()
      }
    })

    it('a rotation made by one process reaches another within its refresh interval, never a key unpublished', async () => {
      const a = keySet()
      const b = keySet()
      const before = decodeProtectedHeader(await a.sign({ n: 1 }, { alg: 'RS256' })).kid
      const published = (await a.jwks()).keys.map((key) => key.kid)
      const after = await b.rotate()
      const current = after.find((key) => key.state === 'current')
      expect(after.find((key) => key.kid === before)?.state).toBe('retiring')
      // The new current key was the next one: published before the rotation.
      expect(published).toContain(current?.kid)
      // Within the refresh interval A still signs with the old key (still published) …
      clock.advance(59)
      expect(decodeProtectedHeader(await a.sign({ n: 2 }, { alg: 'RS256' })).kid).toBe(before)
      // … and once it has passed, with the new one; the new next key is in its JWKS.
      clock.advance(1)
      expect(decodeProtectedHeader(await a.sign({ n: 3 }, { alg: 'RS256' })).kid).toBe(current?.kid)
      const next = after.find((key) => key.state === 'next')
      expect((await a.jwks()).keys.map((key) => key.kid)).toEqual(expect.arrayContaining([before, current?.kid, next?.kid]))
    })

    it('keeps a retiring key published until what it signed has expired, then drops it', async () => {
      const a = keySet()
      const old = decodeProtectedHeader(await a.sign({}, { alg: 'RS256' })).kid
      const rotated = await a.rotate()
      expect(rotated.find((key) => key.kid === old)?.retireAt).toBe(clock.seconds + 60 + 3600)
      clock.advance(60 + 3599)
      expect((await a.jwks()).keys.map((key) => key.kid)).toContain(old)
      clock.advance(1)
      expect((await a.jwks()).keys.map((key) => key.kid)).not.toContain(old)
      expect((await keySet().list()).map((key) => key.kid)).not.toContain(old)
    })

    it('a process configured with another algorithm adds its keys to the shared set once', async () => {
      await keySet().load()
      const [a, b] = [keySet({ algorithms: ['EdDSA'] }), keySet({ algorithms: ['EdDSA'] })]
      await Promise.all([a.load(), b.load()])
      const keys = await keySet().list()
      expect(
        keys
          .filter((key) => key.alg === 'EdDSA')
          .map((key) => key.state)
          .sort(),
      ).toEqual(['current', 'next'])
      expect(keys.filter((key) => key.alg === 'RS256')).toHaveLength(2)
    })

    it('refuses a key set sealed under another secret', async () => {
      await keySet().load()
      await expect(keySet({ secret: 'another-secret-of-enough-length-0123456789' }).load()).rejects.toBeInstanceOf(KeySecretMismatchError)
    })
  })
}
