/**
 * The dynamically registered clients (RFC 7591) of a store, for `oauth2-stack client list`: they live in
 * the store's records, not its client table, and are marked as self-registered.
 *
 * @module
 */
import { RegisteredClients, toClient } from '../registration/registered-clients.ts'
import type { Client } from '../types.ts'
import type { CliStore } from './store.ts'

/** The live registrations of `store`, as client records, sorted by `client_id`. */
export async function selfRegisteredClients(store: CliStore): Promise<Client[]> {
  const registered = new RegisteredClients({ records: store.recordStore, now: () => Math.floor(Date.now() / 1000) })
  return (await registered.list()).map(toClient)
}
