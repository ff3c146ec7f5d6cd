/**
 * The registered-client contract: dynamic registrations (RFC 7591/7592) kept through the `RecordStore`
 * primitives, run once per backend (memory, SQLite, PostgreSQL, MySQL, Redis, memcached) the way the
 * record and device-code contracts are.
 */
import { describe, expect, it, vi } from 'vitest'
import type { ClientMetadata } from '../../src/registration/client-metadata.ts'
import { RegisteredClients, registeredClientStore } from '../../src/registration/registered-clients.ts'
import { LocalClientStore } from '../../src/stores/memory-client-store.ts'
import type { RecordStore } from '../../src/stores/types.ts'
import { hashToken, verifyClientSecret } from '../../src/tokens/hash.ts'
import type { FakeClock } from './records.ts'

/** What a backend's harness hands the contract: a fresh, isolated record store on the test's clock. */
export interface RegisteredClientHarness {
  readonly recordStore: RecordStore
  readonly clock: FakeClock
  close(): Promise<void>
}

const DAY = 86_400

const publicMetadata: ClientMetadata = {
  redirect_uris: ['http://127.0.0.1:33418/callback'],
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  application_type: 'native',
  client_name: 'Public tool',
}
const confidentialMetadata: ClientMetadata = {
  ...publicMetadata,
  redirect_uris: ['https://app.example/cb'],
  token_endpoint_auth_method: 'client_secret_basic',
  application_type: 'web',
  client_name: 'Web app',
  scope: 'read',
}

export function describeRegisteredClientsContract(name: string, open: () => Promise<RegisteredClientHarness>): void {
  const withClients = async (
    run: (clients: RegisteredClients, harness: RegisteredClientHarness) => Promise<void>,
    idle = 10 * DAY,
  ): Promise<void> => {
    const harness = await open()
    try {
      await run(new RegisteredClients({ records: harness.recordStore, now: () => harness.clock.seconds, idleExpirySeconds: idle }), harness)
    } finally {
      await harness.close()
    }
  }

  describe(`${name}: registered clients (RFC 7591/7592 over RecordStore)`, () => {
    it('creates a public and a confidential client; only hashes are kept, and the client record is what was registered', async () => {
      await withClients(async (clients, { recordStore }) => {
        const open = await clients.create(publicMetadata)
        expect(open.secret).toBeUndefined()
        const closed = await clients.create(confidentialMetadata)
        expect(closed.secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
        const raw = await recordStore.getRecord('registered_client', closed.client.clientId)
        expect(raw?.value).not.toContain(closed.secret)
        expect(raw?.value).not.toContain(closed.registrationAccessToken)
        expect(raw?.value).toContain(hashToken(closed.registrationAccessToken ?? ''))

        const client = await clients.fetchClient(closed.client.clientId)
        expect(client).toMatchObject({
          clientId: closed.client.clientId,
          redirectUris: ['https://app.example/cb'],
          grantTypes: ['authorization_code', 'refresh_token'],
          responseTypes: ['code'],
          tokenEndpointAuthMethods: ['client_secret_basic'],
          scopes: ['read'],
          requirePkce: true,
          name: 'Web app',
        })
        expect(await verifyClientSecret(closed.secret ?? '', client?.clientSecretHash ?? '')).toBe(true)
        expect(await verifyClientSecret('wrong', client?.clientSecretHash ?? '')).toBe(false)
        expect((await clients.fetchClient(open.client.clientId))?.clientSecretHash).toBeUndefined()
      })
    })

    it('the registration access token opens the registration; another token or client does not', async () => {
      await withClients(async (clients) => {
        const one = await clients.create(publicMetadata)
        const two = await clients.create(publicMetadata)
        expect((await clients.authorize(one.client.clientId, one.registrationAccessToken ?? ''))?.clientId).toBe(one.client.clientId)
        expect(await clients.authorize(one.client.clientId, two.registrationAccessToken ?? '')).toBeUndefined()
        expect(await clients.authorize('dcr_unknown', one.registrationAccessToken ?? '')).toBeUndefined()
      })
    })

    it('updates by compare-and-set: a stale read loses; a move to a secret method issues a secret', async () => {
      await withClients(async (clients) => {
        const created = await clients.create(publicMetadata)
        const read = await clients.read(created.client.clientId)
        if (read === undefined) throw new Error('not stored')
        const updated = await clients.update(read, { ...publicMetadata, client_name: 'Renamed' })
        expect(updated?.client.metadata.client_name).toBe('Renamed')
        expect(await clients.update(read, { ...publicMetadata, client_name: 'Stale' })).toBeUndefined()
        expect((await clients.fetchClient(created.client.clientId))?.name).toBe('Renamed')
        const fresh = await clients.read(created.client.clientId)
        if (fresh === undefined) throw new Error('not stored')
        const confidential = await clients.update(fresh, confidentialMetadata)
        expect(confidential?.secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
        expect(
          await verifyClientSecret(
            confidential?.secret ?? '',
            (await clients.fetchClient(created.client.clientId))?.clientSecretHash ?? '',
          ),
        ).toBe(true)
      })
    })

    it('deletes: the client is gone everywhere, and the listing forgets it', async () => {
      await withClients(async (clients) => {
        const kept = await clients.create(publicMetadata)
        const gone = await clients.create(publicMetadata)
        expect(await clients.delete(gone.client.clientId)).toBe(true)
        expect(await clients.delete(gone.client.clientId)).toBe(false)
        expect(await clients.read(gone.client.clientId)).toBeUndefined()
        expect(await clients.fetchClient(gone.client.clientId)).toBeUndefined()
        expect((await clients.list()).map((client) => client.clientId)).toEqual([kept.client.clientId])
      })
    })

    it('lists 24 registrations made concurrently (the index shards take every one)', async () => {
      await withClients(async (clients) => {
        const created = await Promise.all(Array.from({ length: 24 }, () => clients.create(publicMetadata)))
        const listed = (await clients.list()).map((client) => client.clientId)
        expect(listed).toEqual(created.map((issued) => issued.client.clientId).sort())
      })
    })

    it('an unused registration expires after the idle time and leaves the listing; use pushes the expiry forward', async () => {
      await withClients(async (clients, { clock }) => {
        const unused = await clients.create(publicMetadata)
        const used = await clients.create(publicMetadata)
        for (let step = 0; step < 3; step++) {
          clock.advance(4 * DAY)
          expect(await clients.fetchClient(used.client.clientId)).toBeDefined()
          // The touch is written without being waited for: wait until the record shows it.
          await vi.waitFor(async () => expect((await clients.read(used.client.clientId))?.expiresAt).toBe(clock.seconds + 10 * DAY))
        }
        expect(await clients.fetchClient(unused.client.clientId)).toBeUndefined()
        expect(await clients.read(unused.client.clientId)).toBeUndefined()
        expect((await clients.list()).map((client) => client.clientId)).toEqual([used.client.clientId])
      })
    })

    it('a lookup within a day of the last touch writes nothing; one after it writes once', async () => {
      await withClients(async (_clients, { recordStore, clock }) => {
        // Counts the writes the lookups start (they start before fetchClient resolves, so counting is exact).
        let replaces = 0
        const counting: RecordStore = {
          getRecord: (kind, key) => recordStore.getRecord(kind, key),
          createRecord: (kind, key, value, expiresAt) => recordStore.createRecord(kind, key, value, expiresAt),
          replaceRecord: (kind, key, version, value, expiresAt) => {
            replaces++
            return recordStore.replaceRecord(kind, key, version, value, expiresAt)
          },
          putRecord: (kind, key, value, expiresAt) => recordStore.putRecord(kind, key, value, expiresAt),
          deleteRecord: (kind, key) => recordStore.deleteRecord(kind, key),
          consumeOnce: (kind, key, expiresAt) => recordStore.consumeOnce(kind, key, expiresAt),
          increment: (kind, key, windowSeconds) => recordStore.increment(kind, key, windowSeconds),
          resetCounter: (kind, key) => recordStore.resetCounter(kind, key),
        }
        const clients = new RegisteredClients({ records: counting, now: () => clock.seconds, idleExpirySeconds: 10 * DAY })
        const created = await clients.create(publicMetadata)
        replaces = 0
        clock.advance(DAY / 2)
        for (let i = 0; i < 5; i++) await clients.fetchClient(created.client.clientId)
        expect(replaces).toBe(0)
        clock.advance(DAY)
        await clients.fetchClient(created.client.clientId)
        expect(replaces).toBe(1)
        await vi.waitFor(async () => expect((await clients.read(created.client.clientId))?.expiresAt).toBe(clock.seconds + 10 * DAY))
      })
    })

    it('the client store answers registered ids from the records and every other id from the configured store', async () => {
      await withClients(async (clients) => {
        const configured = new LocalClientStore()
        await configured.addClient({ clientId: 'configured', redirectUris: ['https://c.example/cb'] })
        await configured.addClient({ clientId: 'dcr_by-an-operator', redirectUris: ['https://c.example/cb'] })
        const store = registeredClientStore(clients, configured)
        const created = await clients.create(publicMetadata)
        expect((await store.fetchByClientId(created.client.clientId))?.name).toBe('Public tool')
        expect((await store.fetchByClientId('configured'))?.clientId).toBe('configured')
        expect((await store.fetchByClientId('dcr_by-an-operator'))?.clientId).toBe('dcr_by-an-operator')
        expect(await store.fetchByClientId('dcr_nobody')).toBeUndefined()
      })
    })
  })
}
