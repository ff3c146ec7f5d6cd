/**
 * A test server wired like the demo's OpenID Provider: a `KeySet` on a `LocalRecordStore` signs for the
 * controller and for `OpenIdConnect` (one JWKS), with the test's site adapter and scopes, and
 * `OpenIdConnect` with its defaults (each user's `name` claim is their id).
 */
import { Scope } from '../../src/grants/index.ts'
import { KeySet } from '../../src/keys/key-set.ts'
import { OpenIdConnect } from '../../src/logout/index.ts'
import type { ClientRegistration } from '../../src/stores/index.ts'
import { LocalRecordStore } from '../../src/stores/memory-record-store.ts'
import type { NodeEnviron, SiteAdapter } from '../../src/web/index.ts'
import { startTestServer, type TestServer } from './test-server.ts'

/** Options of {@link startKeySetOidcServer}. */
export interface KeySetOidcServerOptions {
  /** The relying parties. */
  readonly clients: readonly ClientRegistration[]
  /** Who signs in, and how. */
  readonly siteAdapter: SiteAdapter<NodeEnviron>
  /** The scopes offered; `openid` is the default one. */
  readonly scopes: readonly string[]
}

/** Starts the test server with a `KeySet` and `OpenIdConnect` (OpenID Connect Core 1.0); the clock is left as it is. */
export async function startKeySetOidcServer(options: KeySetOidcServerOptions): Promise<TestServer> {
  const records = new LocalRecordStore()
  let keys: KeySet | undefined
  const server = await startTestServer({
    clients: options.clients,
    controller: async (issuer) => {
      keys = new KeySet({ store: records, issuer, secret: 'k'.repeat(32) })
      await keys.load()
      return {
        recordStore: records,
        signer: keys,
        siteAdapter: options.siteAdapter,
        scope: new Scope({ available: [...options.scopes], default: ['openid'] }),
      }
    },
  })
  server.controller.use(new OpenIdConnect({ signer: keys!, claims: async (userId) => ({ name: userId }) }))
  return server
}
