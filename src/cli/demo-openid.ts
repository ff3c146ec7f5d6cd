/**
 * The demo server as an OpenID Provider: the `OpenIdConnect` feature over the demo's users, the demo
 * client's post-logout redirect URI (registered with `abc` through the client store, which keeps it on
 * every backend), and an in-memory key set when the host gives none.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { KeySet } from '../keys/key-set.ts'
import { OpenIdConnect } from '../logout/openid-connect.ts'
import { LocalRecordStore } from '../stores/memory-record-store.ts'
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
