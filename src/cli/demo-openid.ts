/**
 * The demo server as an OpenID Provider: the `OpenIdConnect` feature over the demo's users, the demo
 * client's post-logout redirect URI, and an in-memory key set when the host gives none.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { KeySet } from '../keys/key-set.ts'
import { OpenIdConnect } from '../logout/openid-connect.ts'
import { LocalRecordStore } from '../stores/memory-record-store.ts'
import type { ClientStore } from '../stores/types.ts'
import type { Client } from '../types.ts'
import type { NodeEnviron } from '../adapters/node-http.ts'
import type { DemoUser } from './demo-site-adapter.ts'

/** Where the demo client `abc` may send the browser after logout (RP-Initiated Logout 1.0 section 3). */
export const DEMO_POST_LOGOUT_REDIRECT_URI = 'http://localhost/logged-out'

/** The user claims the demo releases, by scope (OpenID Connect Core 1.0 section 5.4). */
const CLAIMS = ['name', 'given_name', 'family_name', 'preferred_username', 'email', 'email_verified'] as const

/**
 * The `OpenIdConnect` feature of the demo: ID tokens signed by `signer`, `/userinfo` with the claims of
 * the demo users' data, logout over the core's login sessions (the default).
 */
export function demoOpenIdConnect(signer: KeySet, users: readonly DemoUser[]): OpenIdConnect<NodeEnviron> {
  const byName = new Map(users.map((user) => [user.username, user]))
  return new OpenIdConnect<NodeEnviron>({
    signer,
    claims: async (userId) => {
      const user = byName.get(userId)
      if (user === undefined) return undefined
      const claims: Record<string, unknown> = { preferred_username: user.username }
      for (const name of CLAIMS) if (user.data[name] !== undefined) claims[name] = user.data[name]
      return claims
    },
  })
}

/** A key set for a demo run without one: in memory, under a random secret (nothing outlives the process). */
export function memoryKeySet(issuer: string): KeySet {
  return new KeySet({ store: new LocalRecordStore(), issuer, secret: randomBytes(32) })
}

/**
 * The client store as the controller sees it: the demo client `abc` has the post-logout redirect URI even
 * when the store does not keep OpenID Connect fields (the SQL stores do not yet).
 */
export function withDemoLogoutUri<Store extends ClientStore>(store: Store, clientId: string): Store {
  const fetchByClientId = async (id: string): Promise<Client | undefined> => {
    const client = await store.fetchByClientId(id)
    if (client === undefined || id !== clientId || client.postLogoutRedirectUris !== undefined) return client
    return { ...client, postLogoutRedirectUris: [DEMO_POST_LOGOUT_REDIRECT_URI] }
  }
  // Every other method (listClients, addClient, …) is the store's own.
  return new Proxy(store, {
    get(target, property) {
      if (property === 'fetchByClientId') return fetchByClientId
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}
