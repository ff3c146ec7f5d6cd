/**
 * The contract of login sessions and remembered consent over a backend's {@link RecordStore}, written
 * once and run against every backend that holds records (memory, SQLite, PostgreSQL, MySQL/MariaDB, Redis,
 * memcached): sessions stored by hash, idle and absolute expiry, rotation at sign-in, logout; consent
 * remembered, widened, keyed per redirect URI and dropped on a metadata change, listed and revoked per
 * user and per client (ending the token families), concurrent writers, index pages; the clients a session
 * records (back-channel logout): once each, concurrent grants all kept, bounded, expiry unchanged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RecordIndex, INDEX_PAGE_SIZE } from '../../src/sessions/consent-index.ts'
import { DEFAULT_CONSENT_LIFETIME, RememberedConsents } from '../../src/sessions/consent-store.ts'
import { LoginSessions, MAX_SESSION_CLIENTS } from '../../src/sessions/login-sessions.ts'
import type { RecordStore } from '../../src/stores/types.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import type { Client } from '../../src/types.ts'
import { Request } from '../../src/web/request.ts'
import type { TestClock } from '../helpers/records.ts'

/** What a backend's factory hands the contract. */
export interface SessionStoreUnderTest {
  readonly recordStore: RecordStore
  readonly clock: TestClock
  /** Closes the store and removes what the test stored. */
  close(): Promise<void>
}

const IDLE = 1800
const LIFETIME = 8 * 3600
const TOUCH = 300

function client(clientId: string, overrides: Partial<Client> = {}): Client {
  return {
    clientId,
    clientSecretHash: undefined,
    redirectUris: [`https://${clientId}.example/cb`, `https://${clientId}.example/other`],
    grantTypes: ['authorization_code'],
    responseTypes: ['code'],
    tokenEndpointAuthMethods: ['none'],
    scopes: undefined,
    requirePkce: true,
    name: undefined,
    ...overrides,
  }
}

/** A request carrying `cookie` (a `name=value` pair), as the browser sends it. */
function withCookie(cookie: string | undefined): Request {
  return new Request({ method: 'GET', path: '/authorize', headers: cookie === undefined ? {} : { cookie } })
}

/** The `name=value` part of a `Set-Cookie` line. */
function pair(setCookie: string): string {
  return setCookie.split(';')[0] ?? ''
}

/** Registers the contract for one backend. */
export function describeSessionStoreContract(name: string, factory: () => Promise<SessionStoreUnderTest>): void {
  describe(`${name}: login sessions and remembered consent`, () => {
    let under: SessionStoreUnderTest | undefined
    let records: RecordStore
    let clock: TestClock
    let sessions: LoginSessions
    let consents: RememberedConsents
    let revokedGrants: string[]

    beforeEach(async () => {
      under = await factory()
      records = under.recordStore
      clock = under.clock
      sessions = new LoginSessions(records, {
        secure: false,
        now: () => clock.seconds,
        idleLifetime: IDLE,
        lifetime: LIFETIME,
        touchInterval: TOUCH,
      })
      revokedGrants = []
      consents = new RememberedConsents(records, {
        now: () => clock.seconds,
        tokens: { revokeFamilies: async (selector: { readonly grantId: string }) => void revokedGrants.push(selector.grantId) },
      })
    })
    afterEach(async () => {
      await under?.close()
      under = undefined
    })

    const start = async (userId = 'alice', cookie?: string) => {
      const started = await sessions.start(withCookie(cookie), { userId, authTime: clock.seconds - 5, data: { name: userId } })
      return { ...started, cookie: pair(started.setCookie) }
    }

    describe('login sessions', () => {
      it('a started session is found by its cookie; the store holds only the hash of the 256-bit id', async () => {
        const { session, cookie } = await start()
        const value = cookie.split('=')[1] ?? ''
        expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/)
        const found = await sessions.current(withCookie(cookie))
        expect(found).toEqual(session)
        expect(found?.userId).toBe('alice')
        expect(found?.authTime).toBe(clock.seconds - 5)
        expect(found?.data).toEqual({ name: 'alice' })
        const record = await records.getRecord('session', hashToken(value))
        expect(record).toBeDefined()
        expect(record?.value).not.toContain(value)
        expect(await records.getRecord('session', value)).toBeUndefined()
        expect(record?.expiresAt).toBe(clock.seconds + IDLE)
      })

      it('no cookie, an unknown id or a malformed one → no session', async () => {
        await start()
        expect(await sessions.current(withCookie(undefined))).toBeUndefined()
        expect(await sessions.current(withCookie(`oauth2_session=${'A'.repeat(43)}`))).toBeUndefined()
        expect(await sessions.current(withCookie('oauth2_session=short'))).toBeUndefined()
        expect(await sessions.current(withCookie(`oauth2_session=${'A'.repeat(42)}!`))).toBeUndefined()
      })

      it('each start draws a new id and deletes the session the browser had (no fixation)', async () => {
        const first = await start('alice')
        const second = await start('bob', first.cookie)
        expect(second.cookie).not.toBe(first.cookie)
        expect(second.session.sid).not.toBe(first.session.sid)
        expect(await sessions.current(withCookie(first.cookie))).toBeUndefined()
        expect((await sessions.current(withCookie(second.cookie)))?.userId).toBe('bob')
      })

      it('idle: ends after idleLifetime unused; a use after touchInterval extends it, a use within it writes nothing', async () => {
        const { cookie } = await start()
        const key = hashToken(cookie.split('=')[1] ?? '')
        const version = (await records.getRecord('session', key))?.version
        clock.advance(TOUCH - 1)
        await sessions.current(withCookie(cookie))
        expect((await records.getRecord('session', key))?.version).toBe(version)
        clock.advance(2)
        expect(await sessions.current(withCookie(cookie))).toBeDefined()
        expect((await records.getRecord('session', key))?.expiresAt).toBe(clock.seconds + IDLE)
        clock.advance(IDLE - 1)
        expect(await sessions.current(withCookie(cookie))).toBeDefined()
        clock.advance(IDLE + 1)
        expect(await sessions.current(withCookie(cookie))).toBeUndefined()
      })

      it('absolute: ends at lifetime however often it is used', async () => {
        const { cookie } = await start()
        for (let elapsed = 0; elapsed + IDLE / 2 < LIFETIME; elapsed += IDLE / 2) {
          clock.advance(IDLE / 2)
          expect(await sessions.current(withCookie(cookie))).toBeDefined()
        }
        clock.advance(IDLE / 2)
        expect(await sessions.current(withCookie(cookie))).toBeUndefined()
      })

      it('end deletes the session and returns it with the cookie that clears it', async () => {
        const { cookie, session } = await start()
        const ended = await sessions.end(withCookie(cookie))
        expect(ended.session?.sid).toBe(session.sid)
        expect(ended.clearCookie).toMatch(/^oauth2_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0$/)
        expect(await sessions.current(withCookie(cookie))).toBeUndefined()
        expect((await sessions.end(withCookie(cookie))).session).toBeUndefined()
      })

      it('addClient records each client once, in order; the session read back lists them; expiry and touch unchanged', async () => {
        const { cookie, session } = await start()
        expect(session.clientIds).toEqual([])
        const key = hashToken(cookie.split('=')[1] ?? '')
        const before = await records.getRecord('session', key)
        expect(await sessions.addClient(session, 'one')).toBe(true)
        const afterOne = await records.getRecord('session', key)
        expect(afterOne?.version).not.toBe(before?.version)
        expect(afterOne?.expiresAt).toBe(before?.expiresAt)
        expect((await sessions.current(withCookie(cookie)))?.clientIds).toEqual(['one'])
        // Already recorded: no write, even through the stale session object.
        expect(await sessions.addClient(session, 'one')).toBe(true)
        expect((await records.getRecord('session', key))?.version).toBe(afterOne?.version)
        const found = await sessions.current(withCookie(cookie))
        expect(await sessions.addClient(found!, 'one')).toBe(true)
        expect((await records.getRecord('session', key))?.version).toBe(afterOne?.version)
        expect(await sessions.addClient(found!, 'two')).toBe(true)
        const read = await sessions.current(withCookie(cookie))
        expect(read?.clientIds).toEqual(['one', 'two'])
        expect(read?.touchedAt).toBe(session.touchedAt)
        expect(read?.sid).toBe(session.sid)
        // Idle extension after a client was added keeps the clients (and addClient keeps the extension).
        clock.advance(TOUCH + 1)
        const touched = await sessions.current(withCookie(cookie))
        expect(touched?.touchedAt).toBe(clock.seconds)
        expect(await sessions.addClient(touched!, 'three')).toBe(true)
        const last = await sessions.current(withCookie(cookie))
        expect(last?.clientIds).toEqual(['one', 'two', 'three'])
        expect(last?.touchedAt).toBe(clock.seconds)
        expect((await records.getRecord('session', key))?.expiresAt).toBe(clock.seconds + IDLE)
      })

      it('concurrent grants of many clients in one session are all recorded (compare-and-set, retried)', async () => {
        const { cookie, session } = await start()
        const ids = Array.from({ length: 12 }, (_, n) => `client-${n}`)
        const results = await Promise.all(ids.map((id) => sessions.addClient(session, id)))
        expect(results).toEqual(ids.map(() => true))
        expect([...((await sessions.current(withCookie(cookie)))?.clientIds ?? [])].sort()).toEqual([...ids].sort())
      })

      it(`the list is bounded: past ${MAX_SESSION_CLIENTS} clients the oldest is forgotten`, async () => {
        const { cookie, session } = await start()
        for (let n = 0; n <= MAX_SESSION_CLIENTS; n++) expect(await sessions.addClient(session, `c${n}`)).toBe(true)
        const clientIds = (await sessions.current(withCookie(cookie)))?.clientIds ?? []
        expect(clientIds).toHaveLength(MAX_SESSION_CLIENTS)
        expect(clientIds[0]).toBe('c1')
        expect(clientIds.at(-1)).toBe(`c${MAX_SESSION_CLIENTS}`)
      }, 60_000)

      it('addClient on a session that ended or was replaced by a new sign-in writes nothing; a foreign session is refused', async () => {
        const first = await start('alice')
        const replaced = await start('alice', first.cookie)
        expect(await sessions.addClient(first.session, 'late')).toBe(false)
        expect(await records.getRecord('session', hashToken(first.cookie.split('=')[1] ?? ''))).toBeUndefined()
        expect((await sessions.current(withCookie(replaced.cookie)))?.clientIds).toEqual([])
        await sessions.end(withCookie(replaced.cookie))
        expect(await sessions.addClient(replaced.session, 'late')).toBe(false)
        const other = new LoginSessions(records, { secure: false, now: () => clock.seconds })
        await expect(other.addClient(first.session, 'x')).rejects.toThrow(TypeError)
      })

      it('on an https issuer the cookie is __Host-oauth2_session, Secure', async () => {
        const secure = new LoginSessions(records, { secure: true, now: () => clock.seconds })
        const started = await secure.start(withCookie(undefined), { userId: 'alice', authTime: clock.seconds, data: {} })
        expect(started.setCookie).toMatch(
          /^__Host-oauth2_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=86400$/,
        )
        expect((await secure.current(withCookie(pair(started.setCookie))))?.userId).toBe('alice')
      })
    })

    describe('remembered consent', () => {
      it('remember, find, cover: a subset is covered, a wider request is not', async () => {
        const app = client('app')
        expect(await consents.find('alice', app, app.redirectUris[0] ?? '')).toBeUndefined()
        const consent = await consents.remember('alice', app, app.redirectUris[0] ?? '', ['openid', 'profile'])
        expect(consent.grantId).toMatch(/^[A-Za-z0-9_-]{22}$/)
        const found = await consents.find('alice', app, app.redirectUris[0] ?? '')
        expect(found).toEqual(consent)
        expect(found?.expiresAt).toBe(clock.seconds + DEFAULT_CONSENT_LIFETIME)
        expect(consents.covers(found, app, ['openid'])).toBe(true)
        expect(consents.covers(found, app, ['openid', 'profile'])).toBe(true)
        expect(consents.covers(found, app, ['openid', 'email'])).toBe(false)
        expect(found?.offlineAccess).toBe(false)
        // An admin-registered client: one consent whatever the redirect URI.
        expect((await consents.find('alice', app, app.redirectUris[1] ?? ''))?.grantId).toBe(consent.grantId)
        expect(await consents.find('bob', app, app.redirectUris[0] ?? '')).toBeUndefined()
      })

      it('widening keeps the grant id, adds the scopes and records offline_access', async () => {
        const app = client('app')
        const first = await consents.remember('alice', app, '', ['openid'])
        clock.advance(60)
        const wider = await consents.remember('alice', app, '', ['email', 'offline_access'])
        expect(wider.grantId).toBe(first.grantId)
        expect(wider.scopes).toEqual(['openid', 'email', 'offline_access'])
        expect(wider.offlineAccess).toBe(true)
        expect(wider.createdAt).toBe(first.createdAt)
        expect(wider.updatedAt).toBe(first.createdAt + 60)
      })

      it('a client with a metadata version: consent per redirect URI, dropped when the version changes', async () => {
        const v1 = client('dyn', { metadataVersion: 'v1' })
        const [a = '', b = ''] = v1.redirectUris
        const consent = await consents.remember('alice', v1, a, ['openid'])
        expect(consent.redirectUri).toBe(a)
        expect(await consents.find('alice', v1, b)).toBeUndefined()
        expect((await consents.find('alice', v1, a))?.grantId).toBe(consent.grantId)
        const v2 = client('dyn', { metadataVersion: 'v2' })
        expect(await consents.find('alice', v2, a)).toBeUndefined()
        // Dropped: even the old version does not find it any more.
        expect(await consents.find('alice', v1, a)).toBeUndefined()
        const again = await consents.remember('alice', v2, a, ['openid'])
        expect(again.grantId).not.toBe(consent.grantId)
      })

      it('a self-registered or metadata-document client redirecting only to loopback is never covered', async () => {
        const uris = ['http://127.0.0.1:3000/cb', 'http://localhost/cb', 'http://[::1]:9/cb', 'http://app.localhost/cb']
        const local = client('local', { redirectUris: uris, metadataVersion: 'v1' })
        const consent = await consents.remember('alice', local, 'http://127.0.0.1:3000/cb', ['openid'])
        expect(consents.covers(consent, local, ['openid'])).toBe(false)
        const mixed = client('mixed', { redirectUris: ['http://127.0.0.1:3000/cb', 'https://mixed.example/cb'], metadataVersion: 'v1' })
        expect(consents.covers(await consents.remember('alice', mixed, 'https://mixed.example/cb', ['openid']), mixed, ['openid'])).toBe(
          true,
        )
        // A client an administrator registered is trusted with loopback redirect URIs (a development setup).
        const registered = client('registered', { redirectUris: uris })
        expect(consents.covers(await consents.remember('alice', registered, '', ['openid']), registered, ['openid'])).toBe(true)
      })

      it('consent is forgotten after its lifetime', async () => {
        const app = client('app')
        await consents.remember('alice', app, '', ['openid'])
        clock.advance(DEFAULT_CONSENT_LIFETIME + 1)
        expect(await consents.find('alice', app, '')).toBeUndefined()
        expect(await consents.listByUser('alice')).toEqual([])
      })

      it('list per user and per client; revoke one, a client’s, a user’s — each ending its token families', async () => {
        const [one, two, three] = [client('one'), client('two'), client('three')]
        const a1 = await consents.remember('alice', one, '', ['openid'])
        clock.advance(1)
        const a2 = await consents.remember('alice', two, '', ['openid'])
        clock.advance(1)
        const b1 = await consents.remember('bob', one, '', ['email'])
        const b3 = await consents.remember('bob', three, '', ['email'])
        expect((await consents.listByUser('alice')).map((c) => c.clientId)).toEqual(['one', 'two'])
        expect((await consents.listByClient('one')).map((c) => c.userId)).toEqual(['alice', 'bob'])
        expect((await consents.revoke({ userId: 'alice', clientId: 'one' })).map((c) => c.grantId)).toEqual([a1.grantId])
        expect(revokedGrants).toEqual([a1.grantId])
        expect(await consents.find('alice', one, '')).toBeUndefined()
        expect((await consents.listByUser('alice')).map((c) => c.clientId)).toEqual(['two'])
        expect((await consents.listByClient('one')).map((c) => c.userId)).toEqual(['bob'])
        expect((await consents.revoke({ clientId: 'one' })).map((c) => c.grantId)).toEqual([b1.grantId])
        expect((await consents.revoke({ userId: 'bob' })).map((c) => c.grantId)).toEqual([b3.grantId])
        expect(revokedGrants).toEqual([a1.grantId, b1.grantId, b3.grantId])
        expect(await consents.listByUser('bob')).toEqual([])
        expect((await consents.listByUser('alice')).map((c) => c.grantId)).toEqual([a2.grantId])
        expect(await consents.revoke({ userId: 'nobody' })).toEqual([])
      })

      it('concurrent consents of one user to many clients are all listed (compare-and-set index)', async () => {
        const clients = Array.from({ length: 12 }, (_, index) => client(`c${index}`))
        await Promise.all(clients.map((c) => consents.remember('alice', c, '', ['openid'])))
        const listed = (await consents.listByUser('alice')).map((c) => c.clientId).sort()
        expect(listed).toEqual(clients.map((c) => c.clientId).sort())
      })

      it(`an index longer than a page (${INDEX_PAGE_SIZE}) spans pages, and removal works on any page`, async () => {
        const index = new RecordIndex(records, 'consent_user')
        const until = clock.seconds + 3600
        const entries = Array.from({ length: INDEX_PAGE_SIZE + 3 }, (_, n) => `entry-${n}`)
        for (const entry of entries) await index.add('k', entry, until)
        await index.add('k', 'entry-7', until)
        expect(await index.list('k')).toEqual(entries)
        await index.remove('k', `entry-${INDEX_PAGE_SIZE + 1}`)
        await index.remove('k', 'entry-0')
        expect((await index.list('k')).length).toBe(entries.length - 2)
        await index.add('k', 'late', until + 60)
        // The room freed on the first page is used again, and the first page lives as long as the last.
        expect((await records.getRecord('consent_user', 'k.0'))?.value).toContain('late')
        expect((await records.getRecord('consent_user', 'k.1'))?.expiresAt).toBe(until)
        expect((await records.getRecord('consent_user', 'k.0'))?.expiresAt).toBe(until + 60)
      }, 60_000)
    })
  })
}
