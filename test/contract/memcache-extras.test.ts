/**
 * What the memcached store does guarantee, beyond the shared contract: a single winner for each code and
 * each rotation across processes (here: several memjs clients), revocation that wins against a concurrent
 * save, native expiry (relative, and absolute beyond 30 days), safe keys,
 * records refused without an expiry, and failures reported as StoreUnavailableError without hanging.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { Client as MemjsClient } from 'memjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../src/errors.ts'
import { MemcacheTokenStore } from '../../src/stores/memcache.ts'
import type { RotationOutcome, RotationRequest } from '../../src/stores/types.ts'
import type { AccessToken, AuthorizationCode, RefreshToken } from '../../src/types.ts'
import { deleteByPrefix, keysByPrefix, MEMCACHED_SERVERS, MEMCACHED_URL, ttlOf, uniquePrefix } from './memcache-helpers.ts'
import { probeService, whenReachable } from './services.ts'

const prefix = uniquePrefix('memcache-extras')
/** The shared clock of every "process", in milliseconds. */
const nowMs = Date.now()
const clock = (): number => nowMs
const seconds = (): number => Math.floor(nowMs / 1000)

/** A memjs client made as the store asks of a client passed in: no retries, no failover. */
function newClient(): MemjsClient {
  return MemjsClient.create(MEMCACHED_SERVERS, { retries: 1, failover: false, timeout: 0.5, logger: { log: () => undefined } })
}

let clientA: MemjsClient
let clientB: MemjsClient

const service = await probeService('memcached', MEMCACHED_URL, 11211)

whenReachable(service, () => {
  beforeAll(() => {
    clientA = newClient()
    clientB = newClient()
  })

  afterAll(async () => {
    clientA.close()
    clientB.close()
    await deleteByPrefix(prefix)
  })

  function code(codeHash: string, overrides: Partial<AuthorizationCode> = {}): AuthorizationCode {
    return {
      codeHash,
      clientId: 'abc',
      redirectUri: undefined,
      effectiveRedirectUri: 'https://client.example.com/cb',
      scopes: [],
      userId: 'u1',
      data: {},
      codeChallenge: undefined,
      codeChallengeMethod: undefined,
      familyId: `${codeHash}-family`,
      issuedAt: seconds(),
      expiresAt: seconds() + 60,
      ...overrides,
    }
  }

  function access(tokenHash: string, familyId: string | undefined, overrides: Partial<AccessToken> = {}): AccessToken {
    return {
      tokenHash,
      clientId: 'abc',
      grantType: 'authorization_code',
      userId: 'u1',
      data: {},
      scopes: ['read'],
      familyId,
      issuedAt: seconds(),
      expiresAt: seconds() + 3_600,
      sealed: undefined,
      uniqueKey: undefined,
      refreshTokenHash: undefined,
      ...overrides,
    }
  }

  function refresh(tokenHash: string, familyId: string, accessTokenHash: string, overrides: Partial<RefreshToken> = {}): RefreshToken {
    return {
      tokenHash,
      clientId: 'abc',
      userId: 'u1',
      data: {},
      scopes: ['read'],
      familyId,
      issuedAt: seconds(),
      expiresAt: seconds() + 86_400,
      rotatedAt: undefined,
      graceUsed: false,
      successorHash: undefined,
      accessTokenHash,
      ...overrides,
    }
  }

  function rotation(presented: string, n: string, family: string, graceSeconds = 0, concurrentRefreshes = 2): RotationRequest {
    return {
      presentedHash: presented,
      clientId: 'abc',
      now: seconds(),
      graceSeconds,
      concurrentRefreshes,
      accessToken: access(`${family}-a${n}`, family, { grantType: 'refresh_token' }),
      refreshToken: refresh(`${family}-r${n}`, family, `${family}-a${n}`),
    }
  }

  function count(outcomes: readonly RotationOutcome[], outcome: RotationOutcome): number {
    return outcomes.filter((o) => o === outcome).length
  }

  describe('MemcacheTokenStore: single winners across processes', () => {
    it('redeems a code saved through one client exactly once through the other, under a 50-way race', async () => {
      const a = new MemcacheTokenStore({ client: clientA, prefix, clock })
      const b = new MemcacheTokenStore({ client: clientB, prefix, clock })
      await a.saveCode(code('race-code'))
      expect(await b.fetchByCode('race-code')).toEqual(code('race-code'))
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? a : b).consumeCode('race-code', seconds())))
      expect(results.filter((r) => r?.outcome === 'consumed')).toHaveLength(1)
      expect(results.filter((r) => r?.outcome === 'reused')).toHaveLength(49)
      expect(await a.fetchByCode('race-code')).toBeUndefined()
    })

    it('lets exactly one of 50 concurrent rotations win; the replays revoke the family', async () => {
      const stores = [
        new MemcacheTokenStore({ client: clientA, prefix, clock }),
        new MemcacheTokenStore({ client: clientB, prefix, clock }),
      ] as const
      await stores[0].saveToken(access('rot-a0', 'rot'), refresh('rot-r0', 'rot', 'rot-a0'))
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => stores[i % 2]!.rotateRefreshToken(rotation('rot-r0', `c${i}`, 'rot'))),
      )
      // At most one claims the rotation. memcached's steps are not one transaction: when a replay's
      // revocation lands before the winner has stored its successor, the winner's save is refused too and
      // it answers `invalid` (no token is handed out that would not work), so zero winners is correct.
      const rotated = count(outcomes, 'rotated')
      expect(rotated).toBeLessThanOrEqual(1)
      expect(count(outcomes, 'grace')).toBe(0)
      expect(count(outcomes, 'reused')).toBeGreaterThanOrEqual(1)
      expect(count(outcomes, 'reused') + count(outcomes, 'invalid')).toBe(50 - rotated)
      // Whoever won, nothing of the family is left usable, and nothing new is let into it.
      for (let i = 0; i < 50; i++) {
        expect(await stores[1].fetchByRefreshToken(`rot-rc${i}`)).toBeUndefined()
        expect(await stores[1].fetchByToken(`rot-ac${i}`)).toBeUndefined()
      }
      expect(await stores[1].saveToken(access('rot-late', 'rot'))).toBe(false)
    })

    it('gives at most one "grace" among 50 concurrent retries with concurrentRefreshes 2, and leaves no loser token behind', async () => {
      const store = new MemcacheTokenStore({ client: clientA, prefix, clock })
      await store.saveToken(access('gr-a0', 'gr'), refresh('gr-r0', 'gr', 'gr-a0'))
      expect(await store.rotateRefreshToken(rotation('gr-r0', '1', 'gr', 30))).toBe('rotated')
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.rotateRefreshToken(rotation('gr-r0', `c${i}`, 'gr', 30))),
      )
      expect(count(outcomes, 'rotated')).toBe(0)
      expect(count(outcomes, 'grace')).toBeLessThanOrEqual(1)
      // Replays beyond the one grace retry revoke the family: nothing of it is left.
      expect(count(outcomes, 'reused')).toBeGreaterThanOrEqual(1)
      for (let i = 0; i < 50; i++) {
        expect(await store.fetchByRefreshToken(`gr-rc${i}`)).toBeUndefined()
        expect(await store.fetchByToken(`gr-ac${i}`)).toBeUndefined()
      }
      expect(await store.fetchByRefreshToken('gr-r1')).toBeUndefined()
    })

    it('resolves a sibling claimed while the successor is used: both win and the sibling is retired, or it is reuse (20 rounds)', async () => {
      const store = new MemcacheTokenStore({ client: clientA, prefix, clock })
      for (let round = 0; round < 20; round++) {
        const family = `gs${round}`
        await store.saveToken(access(`${family}-a0`, family), refresh(`${family}-r0`, family, `${family}-a0`))
        expect(await store.rotateRefreshToken(rotation(`${family}-r0`, '1', family, 30))).toBe('rotated')
        // The client refreshes the old token again while the successor is being used.
        const outcomes = await Promise.all([
          store.rotateRefreshToken(rotation(`${family}-r0`, '2', family, 30)),
          store.rotateRefreshToken(rotation(`${family}-r1`, '3', family, 30)),
        ])
        const why = `round ${round} ${outcomes.join()}`
        if (outcomes.includes('reused')) {
          // The successor was used first: the retry was a replay, and nothing of the family is left.
          for (const n of ['0', '1', '2', '3']) {
            expect(await store.fetchByRefreshToken(`${family}-r${n}`), `${why} r${n}`).toBeUndefined()
            expect(await store.fetchByToken(`${family}-a${n}`), `${why} a${n}`).toBeUndefined()
          }
          continue
        }
        // The sibling came first: the first sibling used (r1) won, the other one is retired.
        expect(outcomes, why).toEqual(['grace', 'rotated'])
        expect(await store.fetchByToken(`${family}-a2`), why).toBeUndefined()
        expect(await store.fetchByToken(`${family}-a3`), why).toBeDefined()
        expect(await store.rotateRefreshToken(rotation(`${family}-r2`, '4', family, 30)), why).toBe('reused')
        expect(await store.fetchByToken(`${family}-a3`), why).toBeUndefined()
      }
    })

    it('never leaves a token of a family that a concurrent revokeFamily revoked (50 races)', async () => {
      const saver = new MemcacheTokenStore({ client: clientA, prefix, clock })
      const revoker = new MemcacheTokenStore({ client: clientB, prefix, clock })
      for (let i = 0; i < 50; i++) {
        const family = `rv${i}`
        await saver.saveToken(access(`${family}-a0`, family), refresh(`${family}-r0`, family, `${family}-a0`))
        // Whichever lands first, nothing of the family may survive both.
        await Promise.all([
          saver.saveToken(access(`${family}-a1`, family), refresh(`${family}-r1`, family, `${family}-a1`)),
          revoker.revokeFamily(family),
        ])
        for (const n of ['0', '1']) {
          expect(await saver.fetchByToken(`${family}-a${n}`)).toBeUndefined()
          expect(await saver.fetchByRefreshToken(`${family}-r${n}`)).toBeUndefined()
        }
        expect(await saver.saveToken(access(`${family}-a2`, family))).toBe(false)
      }
    })
  })

  describe('MemcacheTokenStore: native expiry and keys', () => {
    it('sets memcached expiry from the record: relative seconds up to 30 days, an absolute Unix time beyond', async () => {
      const store = new MemcacheTokenStore({ client: clientA, prefix, clock })
      await store.saveCode(code('ttl-code', { expiresAt: seconds() + 60 }))
      await store.saveToken(
        access('ttl-a', 'ttl', { expiresAt: seconds() + 3_600 }),
        refresh('ttl-r', 'ttl', 'ttl-a', { expiresAt: seconds() + 90 * 86_400 }),
      )
      // memcached keeps time in whole seconds and converts absolute times with an offset of its own, so
      // its reading may differ from ours by a second or two.
      const near = (actual: number | undefined, expected: number): void => {
        expect(actual).toBeGreaterThanOrEqual(expected - 3)
        expect(actual).toBeLessThanOrEqual(expected + 3)
      }
      near(await ttlOf(`${prefix}code:ttl-code`), 60)
      near(await ttlOf(`${prefix}at:ttl-a`), 3_600)
      // 90 days: sent as an absolute time; read as a relative one it would be 1970 and already expired.
      near(await ttlOf(`${prefix}rt:ttl-r`), 90 * 86_400)
      near(await ttlOf(`${prefix}fam:ttl`), 90 * 86_400)
      expect(await store.fetchByRefreshToken('ttl-r')).toBeDefined()
      await store.consumeCode('ttl-code', seconds())
      near(await ttlOf(`${prefix}consumed:ttl-code`), 60)
      await store.revokeFamily('ttl')
      near(await ttlOf(`${prefix}revoked:ttl`), 86_400)
    })

    it('computes expiry from the store clock, so a fake clock far from real time still keeps entries their lifetime', async () => {
      let fake = Date.UTC(2020, 0, 1)
      const store = new MemcacheTokenStore({ client: clientA, prefix, clock: () => fake })
      const at = Math.floor(fake / 1000)
      await store.saveToken(access('fake-a', undefined, { issuedAt: at, expiresAt: at + 600 }))
      const ttl = await ttlOf(`${prefix}at:fake-a`)
      expect(ttl).toBeGreaterThanOrEqual(598)
      expect(ttl).toBeLessThanOrEqual(600)
      expect(await store.fetchByToken('fake-a')).toBeDefined()
      fake += 600_000
      expect(await store.fetchByToken('fake-a')).toBeUndefined()
    })

    it('keys by the hashes it is given under its prefix, and hashes key parts memcached would refuse', async () => {
      const store = new MemcacheTokenStore({ client: clientA, prefix: `${prefix}k:`, clock })
      const unique = `abc user with spaces\n${'x'.repeat(300)}`
      await store.saveToken(access('k-a', 'k-fam', { uniqueKey: unique }))
      expect((await store.fetchExistingToken(unique))?.tokenHash).toBe('k-a')
      const keys = (await keysByPrefix(`${prefix}k:`)).map((key) => key.slice(`${prefix}k:`.length)).sort()
      expect(keys).toHaveLength(3)
      expect(keys[0]).toBe('at:k-a')
      expect(keys[1]).toBe('fam:k-fam')
      expect(keys[2]).toMatch(/^uniq:#[A-Za-z0-9_-]{43}$/)
    })

    it('keys records under their kind, hashing keys memcached would refuse (spaces, colons) or that would pass 250 bytes', async () => {
      // A prefix of the longest length allowed (100), so a 140-character key would make a 252-byte key.
      const long = 'x'.repeat(100 - prefix.length - 1)
      const store = new MemcacheTokenStore({ client: clientA, prefix: `${prefix}${long}:`, clock })
      const url = `https://client.example.com/${'p'.repeat(485)}`
      await store.putRecord('session', 'plain-key', 'a', seconds() + 60)
      await store.putRecord('client_doc', url, 'b', seconds() + 60)
      await store.putRecord('session', 'with space', 'c', seconds() + 60)
      await store.putRecord('session', 'y'.repeat(140), 'd', seconds() + 60)
      expect((await store.getRecord('client_doc', url))?.value).toBe('b')
      expect((await store.getRecord('session', 'with space'))?.value).toBe('c')
      expect((await store.getRecord('session', 'y'.repeat(140)))?.value).toBe('d')
      const keys = (await keysByPrefix(`${prefix}${long}:`)).map((key) => key.slice(`${prefix}${long}:`.length)).sort()
      expect(keys).toHaveLength(4)
      expect(keys).toContain('rec.session:plain-key')
      expect(keys.filter((key) => /^rec\.(session|client_doc):#[A-Za-z0-9_-]{43}$/.test(key))).toHaveLength(3)
      for (const key of await keysByPrefix(`${prefix}${long}:`)) expect(Buffer.byteLength(key)).toBeLessThanOrEqual(250)
    })

    it('refuses records without an expiry with a TypeError saying why, before memcached sees them', async () => {
      const store = new MemcacheTokenStore({ client: clientA, prefix: `${prefix}durable:`, clock })
      await expect(store.putRecord('keys', 'issuer', 'k')).rejects.toThrow(/memcached evicts.*durable store/)
      await expect(store.createRecord('keys', 'issuer', 'k')).rejects.toBeInstanceOf(TypeError)
      await expect(store.replaceRecord('keys', 'issuer', '1', 'k')).rejects.toBeInstanceOf(TypeError)
      expect(await keysByPrefix(`${prefix}durable:`)).toEqual([])
    })

    it("sets records' and counters' memcached expiry from the store clock; a version is the CAS token and 0 never matches", async () => {
      const store = new MemcacheTokenStore({ client: clientA, prefix: `${prefix}rttl:`, clock })
      const near = (actual: number | undefined, expected: number): void => {
        expect(actual).toBeGreaterThanOrEqual(expected - 3)
        expect(actual).toBeLessThanOrEqual(expected + 3)
      }
      await store.putRecord('session', 's', 'v', seconds() + 600)
      near(await ttlOf(`${prefix}rttl:rec.session:s`), 600)
      await store.increment('rate', 'ip', 120)
      near(await ttlOf(`${prefix}rttl:win.rate:ip`), 120)
      const read = await store.getRecord('session', 's')
      expect(read?.version).toMatch(/^[1-9][0-9]*$/)
      // CAS 0 means "no check" to memcached: the store must not let it through.
      expect(await store.replaceRecord('session', 's', '0', 'forced', seconds() + 600)).toBe(false)
      expect(await store.replaceRecord('session', 's', 'not-a-version', 'forced', seconds() + 600)).toBe(false)
      expect((await store.getRecord('session', 's'))?.value).toBe('v')
    })

    it('refuses a prefix memcached could not use in keys, and options that name no backend', () => {
      expect(() => new MemcacheTokenStore({ client: clientA, prefix: 'has space:' })).toThrow(TypeError)
      expect(() => new MemcacheTokenStore({ client: clientA, prefix: 'x'.repeat(101) })).toThrow(TypeError)
      expect(() => new MemcacheTokenStore({} as never)).toThrow(TypeError)
      expect(() => new MemcacheTokenStore({ client: clientA, servers: MEMCACHED_SERVERS } as never)).toThrow(TypeError)
    })
  })

  /** A TCP proxy in front of memcached that can be cut and restored on the same port, standing for a server that goes away. */
  class Proxy {
    #server: Server | undefined
    readonly #sockets = new Set<Socket>()
    port = 0

    async start(): Promise<void> {
      const [host = '127.0.0.1', port = '11211'] = (MEMCACHED_SERVERS.split(',')[0] ?? '').split(':')
      this.#server = createServer((inbound) => {
        const outbound = tcpConnect(Number(port), host)
        for (const socket of [inbound, outbound]) {
          this.#sockets.add(socket)
          socket.on('close', () => this.#sockets.delete(socket))
          socket.on('error', () => undefined)
        }
        inbound.pipe(outbound).pipe(inbound)
      })
      const server = this.#server
      await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
      const address = server.address()
      if (address !== null && typeof address !== 'string') this.port = address.port
    }

    async stop(): Promise<void> {
      for (const socket of this.#sockets) socket.destroy()
      const server = this.#server
      if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }

  describe('MemcacheTokenStore: a lost backend fails fast and recovers', () => {
    it('rejects calls with StoreUnavailableError quickly while the server is gone, and works again when it is back', async () => {
      const proxy = new Proxy()
      await proxy.start()
      const callTimeoutMs = 1_000
      const store = new MemcacheTokenStore({ servers: `127.0.0.1:${proxy.port}`, prefix, clock, timeoutMs: 200, callTimeoutMs })
      await store.connect()
      await store.saveToken(access('fault-a', undefined))
      expect(await store.fetchByToken('fault-a')).toBeDefined()

      await proxy.stop()
      const started = performance.now()
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0 ? store.fetchByToken('fault-a') : store.saveToken(access(`fault-${i}`, undefined)),
        ),
      )
      // The calls run side by side, each bounded by callTimeoutMs: none waits for more than that.
      expect(performance.now() - started).toBeLessThan(2 * callTimeoutMs)
      for (const result of results) {
        expect(result.status).toBe('rejected')
        if (result.status === 'rejected') {
          expect(result.reason).toBeInstanceOf(StoreUnavailableError)
          expect((result.reason as Error).message).toContain(`memcached at 127.0.0.1:${proxy.port}`)
        }
      }

      await proxy.start()
      // memjs may lose the first request after an outage (a late 'close' of the old socket drops the new
      // one); the store's call deadline turns that into a StoreUnavailableError, and the next call works.
      let found: AccessToken | undefined
      for (let attempt = 0; attempt < 3 && found === undefined; attempt++) {
        try {
          found = await store.fetchByToken('fault-a')
        } catch (error) {
          expect(error).toBeInstanceOf(StoreUnavailableError)
        }
      }
      expect(found?.tokenHash).toBe('fault-a')
      expect(await store.saveToken(access('fault-after', undefined))).toBe(true)
      expect(await store.fetchByToken('fault-after')).toBeDefined()
      await store.close()
      await proxy.stop()
    })

    it('connect() rejects with an Error naming "memcached at host:port" when nothing listens there', async () => {
      const proxy = new Proxy()
      await proxy.start()
      await proxy.stop() // the port is now closed
      const callTimeoutMs = 1_000
      const store = new MemcacheTokenStore({ servers: `127.0.0.1:${proxy.port}`, prefix, callTimeoutMs })
      const started = performance.now()
      await expect(store.connect()).rejects.toThrow(`memcached at 127.0.0.1:${proxy.port} is unreachable`)
      await expect(store.consumeCode('x', seconds())).rejects.toThrow(StoreUnavailableError)
      // Two calls, each bounded by callTimeoutMs (a refused connection fails sooner still).
      expect(performance.now() - started).toBeLessThan(2 * callTimeoutMs + 500)
      await store.close()
    })
  })
})
