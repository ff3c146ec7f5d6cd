/**
 * What only the Redis store has to show beyond the shared contract, with each driver (ioredis 5,
 * node-redis 5) where the driver matters: several processes (here: several clients) sharing one server,
 * failing fast when the connection is lost and recovering (the store refuses to send: no command leaves),
 * start-up errors, native expiry of tokens and records, and driver errors
 * reported as StoreUnavailableError.
 */
import { createServer } from 'node:net'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { StoreUnavailableError } from '../../src/errors.ts'
import { RedisStore } from '../../src/stores/redis.ts'
import type { AccessToken, AuthorizationCode, RefreshToken } from '../../src/types.ts'
import {
  countByPrefix,
  deleteByPrefix,
  DRIVERS,
  newClient,
  newNodeRedisClient,
  REDIS_URL,
  uniquePrefix,
  type OpenedClient,
} from './redis-helpers.ts'
import { probeService, whenReachable } from './services.ts'

const prefix = uniquePrefix('redis-extras')
let admin: Redis
/** The shared clock of both "processes", in milliseconds. */
let nowMs = Date.UTC(2026, 0, 1)
const clock = (): number => nowMs
const seconds = (): number => Math.floor(nowMs / 1000)

function code(codeHash: string, overrides: Partial<AuthorizationCode> = {}): AuthorizationCode {
  return {
    codeHash,
    clientId: 'abc',
    redirectUri: 'https://client.example.com/cb',
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

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

const service = await probeService('Redis', REDIS_URL, 6379)

whenReachable(service, () => {
  beforeAll(async () => {
    admin = newClient()
    await admin.connect()
  })

  afterAll(async () => {
    await deleteByPrefix(admin, prefix)
    await admin.quit()
  })

  for (const driver of DRIVERS) {
    describe(`RedisStore over ${driver.name}`, () => {
      let a: OpenedClient
      let b: OpenedClient
      /** This driver's keys live under a prefix of their own. */
      const p = `${prefix}${driver.name}:`
      beforeAll(async () => {
        ;[a, b] = await Promise.all([driver.open(), driver.open()])
      })
      afterAll(() => Promise.all([a.close(), b.close()]))

      it('redeems a code saved through one client exactly once through the other, under a 50-way race', async () => {
        const storeA = new RedisStore({ client: a.client, prefix: p, clock })
        const storeB = new RedisStore({ client: b.client, prefix: p, clock })
        await storeA.saveCode(code('race-code'))
        expect(await storeB.fetchByCode('race-code')).toEqual(code('race-code'))
        const results = await Promise.all(Array.from({ length: 50 }, () => storeB.consumeCode('race-code', seconds())))
        expect(results.filter((r) => r?.outcome === 'consumed')).toHaveLength(1)
        expect(results.filter((r) => r?.outcome === 'reused')).toHaveLength(49)
        // The first process sees it consumed too.
        expect(await storeA.fetchByCode('race-code')).toBeUndefined()
        expect((await storeA.consumeCode('race-code', seconds()))?.outcome).toBe('reused')
      })

      it('lets exactly one of 50 rotations spread over both clients win; the replays revoke the family everywhere', async () => {
        const stores = [
          new RedisStore({ client: a.client, prefix: p, clock }),
          new RedisStore({ client: b.client, prefix: p, clock }),
        ] as const
        await stores[0].saveToken(access('race-a0', 'race-fam'), refresh('race-r0', 'race-fam', 'race-a0'))
        const outcomes = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            stores[i % 2]!.rotateRefreshToken({
              presentedHash: 'race-r0',
              clientId: 'abc',
              now: seconds(),
              graceSeconds: 0,
              accessToken: access(`race-a${i + 1}`, 'race-fam', { grantType: 'refresh_token' }),
              refreshToken: refresh(`race-r${i + 1}`, 'race-fam', `race-a${i + 1}`),
            }),
          ),
        )
        expect(outcomes.filter((o) => o === 'rotated')).toHaveLength(1)
        expect(outcomes.filter((o) => o === 'reused').length).toBeGreaterThanOrEqual(1)
        expect(outcomes.filter((o) => o === 'reused' || o === 'invalid')).toHaveLength(49)
        const winner = outcomes.indexOf('rotated') + 1
        for (const store of stores) {
          expect(await store.fetchByRefreshToken(`race-r${winner}`)).toBeUndefined()
          expect(await store.fetchByToken(`race-a${winner}`)).toBeUndefined()
          expect(await store.saveToken(access('race-late', 'race-fam'))).toBe(false)
        }
        expect(await countByPrefix(admin, `${p}fam{race-fam}`)).toBe(1) // only the revocation mark
        expect(await admin.exists(`${p}fam{race-fam}:revoked`)).toBe(1)
      })

      it('expires records natively by the store clock, keeps records without an expiry, and never repeats a version', async () => {
        const store = new RedisStore({ client: a.client, prefix: `${p}rec:`, clock })
        await store.putRecord('session', 's1', 'v', seconds() + 60)
        expect(await admin.pttl(`${p}rec:rec:session:s1`)).toBeGreaterThan(59_000)
        expect(await admin.pttl(`${p}rec:rec:session:s1`)).toBeLessThanOrEqual(60_000)
        await store.putRecord('keys', 'issuer', 'k')
        expect(await admin.pttl(`${p}rec:rec:keys:issuer`)).toBe(-1)
        await store.increment('rate', 'ip', 30)
        expect(await admin.pttl(`${p}rec:ctr:rate:ip`)).toBeGreaterThan(29_000)
        // A version read before a delete does not match the record created again (no ABA).
        const before = await store.getRecord('session', 's1')
        expect(await store.deleteRecord('session', 's1')).toBe(true)
        expect(await store.createRecord('session', 's1', 'again', seconds() + 60)).toBe(true)
        expect(await store.replaceRecord('session', 's1', before?.version ?? '', 'stale', seconds() + 60)).toBe(false)
        expect((await store.getRecord('session', 's1'))?.value).toBe('again')
      })

      it('reports a driver error (a key of the wrong type) as StoreUnavailableError', async () => {
        const store = new RedisStore({ client: a.client, prefix: p, clock })
        await admin.hset(`${p}tok:at:wrong-type`, 'x', '1')
        await expect(store.fetchByToken('wrong-type')).rejects.toThrow(StoreUnavailableError)
        await admin.set(`${p}tok:rt:wrong-type`, 'x')
        await expect(store.fetchByRefreshToken('wrong-type')).rejects.toThrow(StoreUnavailableError)
        // Rotation reads the presented token in the family the new tokens name (not its pointer).
        await admin.set(`${p}fam{wt}:rt:wrong-type`, 'x')
        await expect(
          store.rotateRefreshToken({
            presentedHash: 'wrong-type',
            clientId: 'abc',
            now: seconds(),
            graceSeconds: 0,
            accessToken: access('wt-a', 'wt'),
            refreshToken: refresh('wt-r', 'wt', 'wt-a'),
          }),
        ).rejects.toThrow(StoreUnavailableError)
        await admin.set(`${p}rec:session:wrong-type`, 'x')
        await expect(store.getRecord('session', 'wrong-type')).rejects.toThrow(StoreUnavailableError)
      })

      it('loads its scripts again when the server has forgotten them (restart, SCRIPT FLUSH)', async () => {
        const store = new RedisStore({ client: a.client, prefix: p, clock })
        await store.saveCode(code('flushed'))
        await admin.script('FLUSH')
        expect((await store.consumeCode('flushed', seconds()))?.outcome).toBe('consumed')
        await admin.script('FLUSH')
        expect(await store.consumeOnce('jti', 'flushed', seconds() + 60)).toBe(true)
      })
    })
  }

  /** The commands a client has sent (by name, upper case) since `spy` was set on its `sendCommand`. */
  function sentCommands(spy: { mock: { calls: unknown[][] } }): string[] {
    return spy.mock.calls.map(([command]) => {
      // ioredis sends a Command ({ name }), node-redis an argument array.
      const name = Array.isArray(command) ? command[0] : (command as { name: string }).name
      return String(name).toUpperCase()
    })
  }

  /** The commands the store itself sends (a driver's own handshake, such as INFO or HELLO, aside). */
  const STORE_COMMANDS = new Set(['GET', 'MGET', 'HMGET', 'SMEMBERS', 'DEL', 'EVAL', 'EVALSHA'])

  describe('RedisStore: a lost backend fails fast and recovers', () => {
    it('refuses every call after client.disconnect() mid-load (StoreUnavailableError, nothing sent), and works again after reconnecting', async () => {
      const client = newClient()
      await client.connect()
      const store = new RedisStore({ client, prefix, clock })
      await store.saveToken(access('fault-a', undefined))
      // What reaches the connection: ioredis writes every command to its socket.
      const socket = (client as unknown as { stream: { write(...args: unknown[]): boolean } }).stream
      const spy = vi.spyOn(socket, 'write')
      let stop = false
      let disconnected = false
      let sentAtDisconnect = 0
      /** Each call: whether it was started after the disconnect, and how it ended. */
      const results: { after: boolean; ok: boolean; error?: unknown }[] = []
      const worker = async (n: number): Promise<void> => {
        for (let i = 0; !stop; i++) {
          const after = disconnected
          try {
            if (i % 2 === 0) await store.fetchByToken('fault-a')
            else await store.saveToken(access(`fault-${n}-${i}`, undefined))
            results.push({ after, ok: true })
          } catch (error) {
            results.push({ after, ok: false, error })
            // Keep the load going while disconnected, without spinning the event loop dry.
            await new Promise((resolve) => setTimeout(resolve, 1))
          }
        }
      }
      const load = Promise.all(Array.from({ length: 8 }, (_, n) => worker(n)))
      await new Promise((resolve) => setTimeout(resolve, 100))
      client.disconnect()
      disconnected = true
      sentAtDisconnect = spy.mock.calls.length
      await new Promise((resolve) => setTimeout(resolve, 200))
      stop = true
      await load

      expect(results.filter((r) => !r.after && r.ok).length).toBeGreaterThan(0)
      // Every call started after the disconnect was refused before anything was written (not failed by the
      // 1000 ms command timeout): by the store once the client's status left 'ready', or, in the moment
      // before, by ioredis itself (no offline queue). Either way a StoreUnavailableError.
      const afterwards = results.filter((r) => r.after)
      expect(afterwards.length).toBeGreaterThan(8)
      for (const call of afterwards) {
        expect(call.ok).toBe(false)
        expect(call.error).toBeInstanceOf(StoreUnavailableError)
        expect((call.error as Error).message).toMatch(/not connected \((end|close)\)|Stream isn't writeable/)
      }
      expect(afterwards.some((call) => /not connected/.test((call.error as Error).message))).toBe(true)
      expect(spy.mock.calls.length).toBe(sentAtDisconnect)
      // Calls in flight at the disconnect (one per worker at most) settled too: none hung.
      expect(results.filter((r) => !r.after && !r.ok).every((r) => r.error instanceof StoreUnavailableError)).toBe(true)
      expect(String((afterwards[0]?.error as Error).message)).toContain(`Redis at ${store.address}`)

      spy.mockRestore()
      await client.connect()
      expect(await store.fetchByToken('fault-a')).toBeDefined()
      expect(await store.saveToken(access('fault-after', undefined))).toBe(true)
      await client.quit()
    })

    for (const driver of DRIVERS) {
      it(`${driver.name}: refuses calls while reconnecting after the server dropped the connection (CLIENT KILL), then recovers by itself`, async () => {
        const opened = await driver.open()
        const { client } = opened
        const store = new RedisStore({ client, prefix, clock })
        await store.saveToken(access(`kill-${driver.name}`, undefined))
        const id = Number('call' in client ? await client.client('ID') : await client.sendCommand(['CLIENT', 'ID']))
        const events = client as unknown as { once(event: string, listener: () => void): unknown }
        const dropped = new Promise((resolve) =>
          events.once(driver.name === 'ioredis' ? 'close' : 'reconnecting', () => resolve(undefined)),
        )
        await admin.client('KILL', 'ID', String(id))
        await dropped
        const spy = vi.spyOn(client as unknown as { sendCommand(...args: unknown[]): unknown }, 'sendCommand')
        await expect(store.fetchByToken(`kill-${driver.name}`)).rejects.toThrow(/not connected/)
        await expect(store.consumeCode('kill-code', seconds())).rejects.toThrow(StoreUnavailableError)
        await expect(store.increment('rate', 'kill', 60)).rejects.toThrow(StoreUnavailableError)
        // Nothing of the store's went out (the driver's own reconnection handshake may have).
        expect(sentCommands(spy).filter((name) => STORE_COMMANDS.has(name))).toEqual([])
        spy.mockRestore()
        await new Promise((resolve) => events.once('ready', () => resolve(undefined)))
        expect(await store.fetchByToken(`kill-${driver.name}`)).toBeDefined()
        await opened.close()
      })
    }

    it('ioredis: refuses at once while a client passed in is not connected yet, sending nothing', async () => {
      const client = newClient() // lazyConnect: not connected
      const store = new RedisStore({ client, prefix, clock })
      const spy = vi.spyOn(client, 'sendCommand')
      await expect(store.fetchByToken('x')).rejects.toThrow(StoreUnavailableError)
      await expect(store.fetchByToken('x')).rejects.toThrow(/not connected \(wait\)/)
      expect(spy).not.toHaveBeenCalled()
      spy.mockRestore()
      await store.connect()
      expect(await store.fetchByToken('x')).toBeUndefined()
      await store.close() // a client passed in stays open
      expect(client.status).toBe('ready')
      await client.quit()
    })

    it('node-redis: refuses at once while a client passed in is not connected yet, sending nothing; connect() opens it', async () => {
      const client = newNodeRedisClient()
      const store = new RedisStore({ client, prefix, clock })
      const spy = vi.spyOn(client, 'sendCommand')
      await expect(store.fetchByToken('x')).rejects.toThrow(StoreUnavailableError)
      await expect(store.createRecord('session', 'x', 'v', seconds() + 60)).rejects.toThrow(/not connected \(closed\)/)
      expect(spy).not.toHaveBeenCalled()
      spy.mockRestore()
      await store.connect()
      expect(await store.fetchByToken('x')).toBeUndefined()
      await store.close() // a client passed in stays open
      expect(client.isReady).toBe(true)
      expect(store.address).toBe(new URL(REDIS_URL).host)
      await client.close()
    })

    it('refuses a client of neither driver', () => {
      expect(() => new RedisStore({ client: {} as never, prefix })).toThrow(/ioredis 5 Redis or a node-redis 5 client/)
    })
  })

  describe('RedisStore: start-up', () => {
    it('connect() rejects with an Error naming "Redis at host:port" when nothing listens there', async () => {
      const port = await closedPort()
      const connectTimeoutMs = 3_000
      const started = performance.now()
      const failure = RedisStore.connect({ url: `redis://127.0.0.1:${port}`, prefix, connectTimeoutMs })
      await expect(failure).rejects.toThrow(`Redis at 127.0.0.1:${port} is unreachable`)
      await expect(failure).rejects.not.toThrow(StoreUnavailableError)
      // A refused connection is reported as it happens, not when the connect deadline runs out.
      expect(performance.now() - started).toBeLessThan(connectTimeoutMs)
    })

    it('a store from a URL answers StoreUnavailableError while unreachable, and closes its own client', async () => {
      const port = await closedPort()
      const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, prefix, connectTimeoutMs: 500 })
      await expect(store.fetchByToken('x')).rejects.toThrow(StoreUnavailableError)
      await expect(store.connect()).rejects.toThrow(`Redis at 127.0.0.1:${port}`)
      await store.close()
    })

    it('RedisStore.connect({ url }) works against the running server, and close() ends its client', async () => {
      const store = await RedisStore.connect({ url: REDIS_URL, prefix, clock })
      await store.saveToken(access('url-a', undefined))
      expect(await store.fetchByToken('url-a')).toBeDefined()
      await store.close()
      await expect(store.fetchByToken('url-a')).rejects.toThrow(StoreUnavailableError)
    })

    it('refuses options that name no backend, or two', () => {
      expect(() => new RedisStore({} as never)).toThrow(TypeError)
      expect(() => new RedisStore({ client: admin, url: REDIS_URL } as never)).toThrow(TypeError)
    })
  })

  describe('RedisStore: keys and native expiry', () => {
    it('keys everything by the hashes it is given, under its prefix, and expires entries natively by the store clock', async () => {
      const store = new RedisStore({ client: admin, prefix: `${prefix}ttl:`, clock })
      await store.saveCode(code('ttl-code', { expiresAt: seconds() + 60 }))
      await store.saveToken(
        access('ttl-a', 'ttl-fam', { expiresAt: seconds() + 3_600, uniqueKey: 'ttl-unique' }),
        refresh('ttl-r', 'ttl-fam', 'ttl-a', { expiresAt: seconds() + 86_400 }),
      )
      const ttl = async (key: string): Promise<number> => admin.pttl(`${prefix}ttl:${key}`)
      // The clock is fixed, so each time to live is the record's lifetime (less the few ms since the call).
      expect(await ttl('code:ttl-code')).toBeGreaterThan(59_000)
      expect(await ttl('code:ttl-code')).toBeLessThanOrEqual(60_000)
      expect(await ttl('tok:at:ttl-a')).toBeGreaterThan(3_599_000)
      expect(await ttl('uniq:ttl-unique')).toBeGreaterThan(3_599_000)
      expect(await ttl('tok:rt:ttl-r')).toBeGreaterThan(86_399_000)
      // The tokens themselves live in their family's hash slot, as long as the pointers above.
      expect(await ttl('fam{ttl-fam}:at:ttl-a')).toBeGreaterThan(3_599_000)
      expect(await ttl('fam{ttl-fam}:rt:ttl-r')).toBeGreaterThan(86_399_000)
      // The family set lives as long as its longest member.
      expect(await ttl('fam{ttl-fam}')).toBeGreaterThan(86_399_000)
      // A consumed code is remembered until it expires.
      await store.consumeCode('ttl-code', seconds())
      expect(await ttl('code:ttl-code')).toBeGreaterThan(59_000)
      await store.revokeFamily('ttl-fam')
      expect(await ttl('fam{ttl-fam}:revoked')).toBeGreaterThan(86_399_000)
      expect(await ttl('fam{ttl-fam}:revoked')).toBeLessThanOrEqual(86_400_000)
      const keys = (await admin.keys(`${prefix}ttl:*`)).map((key) => key.slice(`${prefix}ttl:`.length)).sort()
      expect(keys).toEqual(['code:ttl-code', 'fam{ttl-fam}:revoked', 'uniq:ttl-unique'])
    })

    it('keeps the family set as long as its longest member, whichever of the pair it is, holding both', async () => {
      const store = new RedisStore({ client: admin, prefix: `${prefix}ttl2:`, clock })
      // An access token that outlives its refresh token (an unusual policy, but a valid one).
      await store.saveToken(
        access('long-a', 'long-fam', { expiresAt: seconds() + 7_200 }),
        refresh('short-r', 'long-fam', 'long-a', { expiresAt: seconds() + 600 }),
      )
      const family = `${prefix}ttl2:fam{long-fam}`
      expect(await admin.pttl(family)).toBeGreaterThan(7_199_000)
      expect(await admin.pttl(family)).toBeLessThanOrEqual(7_200_000)
      expect((await admin.smembers(family)).sort()).toEqual(['at:long-a', 'rt:short-r'])
      // A rotation adds both new tokens and extends the set to the new refresh token's lifetime.
      const outcome = await store.rotateRefreshToken({
        presentedHash: 'short-r',
        clientId: 'abc',
        now: seconds(),
        graceSeconds: 0,
        concurrentRefreshes: 1,
        accessToken: access('next-a', 'long-fam', { expiresAt: seconds() + 3_600 }),
        refreshToken: refresh('next-r', 'long-fam', 'next-a', { expiresAt: seconds() + 86_400 }),
      })
      expect(outcome).toBe('rotated')
      expect(await admin.pttl(family)).toBeGreaterThan(86_399_000)
      expect((await admin.smembers(family)).sort()).toEqual(['at:long-a', 'at:next-a', 'rt:next-r', 'rt:short-r'])
      await deleteByPrefix(admin, `${prefix}ttl2:`)
    })

    it("honours a client's keyPrefix in scripts and plain commands alike", async () => {
      const client = newClient({ keyPrefix: `${prefix}host:` })
      await client.connect()
      try {
        const store = new RedisStore({ client, prefix: 'app:', clock })
        await store.saveCode(code('kp-code'))
        expect(await store.fetchByCode('kp-code')).toEqual(code('kp-code'))
        expect((await store.consumeCode('kp-code', seconds()))?.outcome).toBe('consumed')
        await store.saveToken(access('kp-a', 'kp-fam', { uniqueKey: 'kp-u' }), refresh('kp-r', 'kp-fam', 'kp-a'))
        expect((await store.fetchExistingToken('kp-u'))?.tokenHash).toBe('kp-a')
        expect((await store.fetchByRefreshToken('kp-r'))?.tokenHash).toBe('kp-r')
        await store.addClient({ clientId: 'kp-client', redirectUris: ['https://client.example.com/cb'] })
        expect((await store.listClients()).map((c) => c.clientId)).toEqual(['kp-client'])
        const keys = (await admin.keys(`${prefix}host:*`)).map((key) => key.slice(`${prefix}host:`.length)).sort()
        expect(keys).toEqual([
          'app:client:kp-client',
          'app:clients',
          'app:code:kp-code',
          'app:fam{kp-fam}',
          'app:fam{kp-fam}:at:kp-a',
          'app:fam{kp-fam}:rt:kp-r',
          'app:tok:at:kp-a',
          'app:tok:rt:kp-r',
          'app:uniq:kp-u',
        ])
      } finally {
        await client.quit()
      }
    })

    it('does not return a record past its expiresAt by the store clock, before Redis expires it', async () => {
      const store = new RedisStore({ client: admin, prefix, clock })
      await store.saveToken(access('late-a', undefined, { expiresAt: seconds() + 30 }))
      nowMs += 30_000
      try {
        expect(await store.fetchByToken('late-a')).toBeUndefined()
        expect(await admin.exists(`${prefix}tok:at:late-a`)).toBe(1)
      } finally {
        nowMs -= 30_000
      }
    })
  })
})
