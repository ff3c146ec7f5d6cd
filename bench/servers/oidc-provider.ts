/**
 * Peer: `oidc-provider` (panva) as its documentation sets it up for client_credentials — a standalone
 * Provider (a Koa app) on node:http, the default in-memory adapter, opaque access tokens (the default
 * format), the benchmark client with `grant_types: ['client_credentials']` and `scope: 'read'`.
 *
 * Only client_credentials: oidc-provider has no password grant, and it issues refresh tokens only from
 * authorization_code (with `offline_access` and a user interaction), device flow or CIBA, so the rotating
 * refresh scenario (refresh tokens pre-issued through the password grant) cannot be served as configured.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { announce, BENCH_CLIENT } from './shared.ts'

/** The part of oidc-provider's (untyped) API used here. */
interface ProviderConfiguration {
  readonly clients: readonly Readonly<Record<string, string | readonly string[]>>[]
  readonly scopes: readonly string[]
  readonly features: Readonly<Record<string, { readonly enabled: boolean }>>
  readonly routes: Readonly<Record<string, string>>
  readonly ttl: Readonly<Record<string, number>>
}
interface Provider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void
}
interface OidcProviderModule {
  readonly Provider: new (issuer: string, configuration: ProviderConfiguration) => Provider
}

// oidc-provider ships no type declarations (and @types/oidc-provider is not installed): load it through a
// non-literal specifier and give it the local interface above.
const specifier: string = 'oidc-provider'
const { Provider } = (await import(specifier)) as OidcProviderModule

const provider = new Provider('http://127.0.0.1', {
  clients: [
    {
      client_id: BENCH_CLIENT.clientId,
      client_secret: BENCH_CLIENT.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'read',
    },
  ],
  // Without a resource indicator, client_credentials keeps only the scopes listed here.
  scopes: ['read'],
  features: {
    clientCredentials: { enabled: true },
    // A quick-start-only feature (login/consent pages); the token endpoint never uses it.
    devInteractions: { enabled: false },
  },
  routes: { token: '/token' },
  // The default's value (10 minutes), set explicitly as the documentation asks (the default function
  // prints a notice on stdout on first use).
  ttl: { ClientCredentials: 600 },
})

announce(createServer(provider.callback()))
