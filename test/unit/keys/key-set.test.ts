import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { ConfigurationError } from '../../../src/errors.ts'
import { KEY_SET_KIND, KeySet } from '../../../src/keys/key-set.ts'
import { rotated, signingKey, type KeyMaker, type StoredKeySet } from '../../../src/keys/key-record.ts'
import { KeySealer, KeySecretMismatchError } from '../../../src/keys/seal.ts'
import { createTokenVerifier } from '../../../src/resource/verify.ts'
import { LocalRecordStore } from '../../../src/stores/memory-record-store.ts'
import type { RecordStore } from '../../../src/stores/types.ts'
import { JwtTokenGenerator } from '../../../src/tokens/jwt.ts'
import { TestClock } from '../../helpers/records.ts'

const ISSUER = 'https://issuer.example'
const SECRET = 'unit-key-secret-0123456789-abcdefghijk'

describe('KeySealer', () => {
  it('opens what it sealed, for the same kid, issuer and secret only', () => {
    const sealer = new KeySealer(SECRET, ISSUER)
    const sealed = sealer.seal('kid-1', '{"d":"private"}')
    expect(sealed).toMatch(/^v1\./)
    expect(sealed).not.toContain('private')
    expect(sealer.open('kid-1', sealed)).toBe('{"d":"private"}')
    // Two seals of one text differ (a fresh IV each time).
    expect(sealer.seal('kid-1', '{"d":"private"}')).not.toBe(sealed)
    expect(() => sealer.open('kid-2', sealed)).toThrow(KeySecretMismatchError)
    expect(() => new KeySealer(SECRET, 'https://other.example').open('kid-1', sealed)).toThrow(KeySecretMismatchError)
    expect(() => new KeySealer(`${SECRET}x`, ISSUER).open('kid-1', sealed)).toThrow(KeySecretMismatchError)
    const altered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA')
    expect(() => sealer.open('kid-1', altered)).toThrow(KeySecretMismatchError)
    expect(() => sealer.open('kid-1', 'plain')).toThrow(KeySecretMismatchError)
  })

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => new KeySealer('x'.repeat(31), ISSUER)).toThrow(ConfigurationError)
    expect(() => new KeySealer(new Uint8Array(32), ISSUER)).not.toThrow()
  })
})

describe('key-set states (pure, with a given clock)', () => {
  let serial = 0
  const make: KeyMaker = async (alg, now, state, activatesAt) => ({
    kid: `k${++serial}`,
    alg,
    state,
    createdAt: now,
    activatesAt,
    publicJwk: { kty: 'EC' },
    sealedPrivate: 'v1.x',
  })
  const options = { refreshSeconds: 60, retireAfterSeconds: 3600 }
  const base = async (): Promise<StoredKeySet> => ({
    v: 1,
    keys: [await make('RS256', 1000, 'current', 1000), await make('RS256', 1000, 'next', 1060)],
  })

  it('rotation: current → retiring, next → current, a new next published now that signs a refresh interval later', async () => {
    const set = await base()
    const [current, next] = set.keys
    const after = await rotated(set, [], 5000, options, make)
    expect(after.keys.find((key) => key.kid === current?.kid)).toMatchObject({ state: 'retiring', retireAt: 5000 + 60 + 3600 })
    expect(after.keys.find((key) => key.kid === next?.kid)).toMatchObject({ state: 'current', activatesAt: 1060 })
    expect(after.keys.find((key) => key.state === 'next')).toMatchObject({ createdAt: 5000, activatesAt: 5060 })
    expect(signingKey(after.keys, 'RS256', 5000)?.kid).toBe(next?.kid)
  })

  it('two rotations within a refresh interval: the just-promoted key waits, the previous one still signs', async () => {
    const first = await rotated(await base(), [], 5000, options, make)
    const promotedFirst = first.keys.find((key) => key.state === 'current')
    const second = await rotated(first, [], 5010, options, make)
    const promotedSecond = second.keys.find((key) => key.state === 'current')
    expect(promotedSecond?.activatesAt).toBe(5060)
    expect(signingKey(second.keys, 'RS256', 5010)?.kid).toBe(promotedFirst?.kid)
    expect(signingKey(second.keys, 'RS256', 5060)?.kid).toBe(promotedSecond?.kid)
  })

  it('drops retiring keys past their time at the next rotation, and refuses to pile up retiring keys', async () => {
    let set = await rotated(await base(), [], 5000, options, make)
    set = await rotated(set, [], 5000 + 3660, options, make)
    expect(set.keys.filter((key) => key.state === 'retiring')).toHaveLength(1)
    for (let i = 0; i < 5; i++) set = await rotated(set, [], 9000 + i, options, make)
    await expect(rotated(set, [], 9100, options, make)).rejects.toThrow(/too many RS256 keys are still retiring/)
  })
})

describe('KeySet in one process', () => {
  it('reads the store once per refresh interval on the sign path, not once per token', async () => {
    const clock = new TestClock()
    const store = new LocalRecordStore({ clock: clock.now })
    let reads = 0
    const counting: RecordStore = {
      getRecord: (kind, key) => (reads++, store.getRecord(kind, key)),
      createRecord: (...args) => store.createRecord(...args),
      replaceRecord: (...args) => store.replaceRecord(...args),
      putRecord: (...args) => store.putRecord(...args),
      deleteRecord: (...args) => store.deleteRecord(...args),
      consumeOnce: (...args) => store.consumeOnce(...args),
      increment: (...args) => store.increment(...args),
      resetCounter: (...args) => store.resetCounter(...args),
    }
    const keys = new KeySet({ store: counting, issuer: ISSUER, secret: SECRET, clock: clock.now, refreshSeconds: 30 })
    await keys.load()
    const afterLoad = reads
    for (let i = 0; i < 20; i++) await keys.sign({ i }, { alg: 'RS256' })
    await keys.jwks()
    expect(reads).toBe(afterLoad)
    clock.advance(30)
    await keys.sign({}, { alg: 'RS256' })
    expect(reads).toBe(afterLoad + 1)
  })

  it('signs JWT access tokens for JwtTokenGenerator; createTokenVerifier checks them in-process with the KeySet', async () => {
    const clock = new TestClock()
    const store = new LocalRecordStore({ clock: clock.now })
    const keys = new KeySet({ store, issuer: ISSUER, secret: SECRET, clock: clock.now, algorithms: ['ES256'] })
    const generator = new JwtTokenGenerator({ issuer: ISSUER, signer: keys })
    const token = await generator.generate({
      kind: 'access_token',
      grantType: 'client_credentials',
      clientId: 'svc',
      userId: undefined,
      scopes: ['read'],
      issuedAt: clock.seconds,
      expiresAt: clock.seconds + 600,
    })
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' })
    const verify = createTokenVerifier({ issuer: ISSUER, jwks: keys, clock: clock.now })
    await expect(verify(token, ['read'])).resolves.toMatchObject({ clientId: 'svc', scopes: ['read'], subjectType: 'client' })
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [...(await generator.jwks()).keys] }), {
      currentDate: new Date(clock.ms),
      typ: 'at+jwt',
    })
    expect(payload).toMatchObject({ iss: ISSUER, aud: ISSUER, client_id: 'svc', scope: 'read' })
    // A token under an unknown key is refused as invalid_token, not a server error.
    const stranger = new KeySet({
      store: new LocalRecordStore({ clock: clock.now }),
      issuer: ISSUER,
      secret: SECRET,
      clock: clock.now,
      algorithms: ['ES256'],
    })
    const forged = await stranger.sign(payload, { alg: 'ES256', typ: 'at+jwt' })
    await expect(verify(forged)).rejects.toMatchObject({ error: 'invalid_token' })
    expect(() => new JwtTokenGenerator({ issuer: ISSUER, signer: keys, algorithm: 'EdDSA' })).toThrow(ConfigurationError)
  })

  it('keeps one record per issuer, under the keys kind, without an expiry', async () => {
    const clock = new TestClock()
    const store = new LocalRecordStore({ clock: clock.now })
    await new KeySet({ store, issuer: ISSUER, secret: SECRET, clock: clock.now }).load()
    await new KeySet({ store, issuer: 'https://other.example', secret: SECRET, clock: clock.now }).load()
    const one = await new KeySet({ store, issuer: ISSUER, secret: SECRET, clock: clock.now }).list()
    const two = await new KeySet({ store, issuer: 'https://other.example', secret: SECRET, clock: clock.now }).list()
    expect(one.map((key) => key.kid)).not.toEqual(expect.arrayContaining(two.map((key) => key.kid)))
    expect(KEY_SET_KIND).toBe('keys')
  })

  it('checks its options', () => {
    const store = new LocalRecordStore()
    expect(() => new KeySet({ store, issuer: ISSUER, secret: 'short' })).toThrow(ConfigurationError)
    expect(() => new KeySet({ store, issuer: ISSUER, secret: SECRET, refreshSeconds: 0 })).toThrow(ConfigurationError)
    expect(() => new KeySet({ store, issuer: ISSUER, secret: SECRET, refreshSeconds: 3601 })).toThrow(ConfigurationError)
    expect(() => new KeySet({ store, issuer: ISSUER, secret: SECRET, algorithms: ['HS256' as 'RS256'] })).toThrow(ConfigurationError)
    expect(new KeySet({ store, issuer: ISSUER, secret: SECRET, algorithms: ['ES256', 'RS256'] }).algorithms).toEqual(['RS256', 'ES256'])
  })
})
