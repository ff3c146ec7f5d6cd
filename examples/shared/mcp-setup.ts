/**
 * What the MCP examples share: the authorization server (oauth2-stack, at the origin's root, with dynamic
 * client registration open and limited per address, Client ID Metadata Documents on, `resource` bound to
 * the MCP server's URL, concurrent refresh on, JWTs signed with a key set), the bearer guard of the MCP
 * endpoint (audience = the MCP server's URL), its protected resource metadata (RFC 9728), and the MCP
 * server with its tool (the official TypeScript SDK).
 */
import { randomBytes } from 'node:crypto'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { AuthorizationController, DynamicClientRegistration } from 'oauth2-stack'
import { AuthorizationCodeGrant, RefreshToken, Scope } from 'oauth2-stack/grant'
import { KeySet } from 'oauth2-stack/keys'
import { createBearerGuard, protectedResourceMetadata, type ProtectedResourceMetadata } from 'oauth2-stack/resource'
import { LocalClientStore, LocalRecordStore, LocalTokenStore } from 'oauth2-stack/store'
import { JwtTokenGenerator } from 'oauth2-stack/tokengenerator'
import { LoginSiteAdapter } from './login-site-adapter.ts'

/** The port to listen on: `$PORT` or 8080. */
export const PORT = Number(process.env.PORT ?? 8080)
/** The scope the MCP server's tools need. */
export const MCP_SCOPE = 'mcp:tools'

/** The authorization server, the guard and the MCP server of one example. */
export interface McpSetup<Env> {
  readonly controller: AuthorizationController<Env>
  /** The MCP server's URL: the resource its tokens are for (RFC 8707, RFC 9728). */
  readonly resource: string
  /**
   * Its protected resource metadata (RFC 9728): serve it at the origin's root with the framework
   * handler of `oauth2-stack/resource` (`expressProtectedResourceMetadata`, `fetchProtectedResourceMetadata`, …).
   */
  readonly resourceMetadata: ProtectedResourceMetadata
  /** Checks the `Authorization` header: the token's details for the SDK, or the 401/403 to answer. */
  authorize(authorization: string | undefined): Promise<AuthInfo | GuardRefusal>
  /** A fresh MCP server with the example's tool (one per request: the transport is stateless). */
  mcpServer(): McpServer
}

/** A refused request: the status, headers and body to answer. */
export interface GuardRefusal {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Builds the example's authorization server and MCP server for `origin` (e.g. `http://127.0.0.1:8080`). */
export async function createMcpSetup<Env>(origin: string): Promise<McpSetup<Env>> {
  const issuer = origin
  const resource = `${origin}/mcp`
  const tokenStore = new LocalTokenStore()
  // Rate-limit counters, CSRF state and the signing keys, in memory: a restart makes new keys. Give KeySet
  // a SQL or Redis store and a fixed secret (it seals the private keys at rest) to keep them.
  const records = new LocalRecordStore()
  const keys = new KeySet({ store: records, issuer, secret: randomBytes(32), algorithms: ['ES256'] })
  const controller = new AuthorizationController<Env>({
    issuer,
    accessTokenStore: tokenStore,
    authCodeStore: tokenStore,
    // No configured clients: MCP clients register themselves at /register or use a metadata document.
    clientStore: new LocalClientStore(),
    siteAdapter: new LoginSiteAdapter(),
    recordStore: records,
    signer: keys,
    tokenGenerator: new JwtTokenGenerator({ issuer, signer: keys }),
    scope: new Scope({ available: [MCP_SCOPE], default: [MCP_SCOPE] }),
    // RFC 8707: the one resource of this server. The SDK sends it as `resource`; a client that sends
    // none (Claude Code) gets it too. Either way the token's `aud` is the MCP server's URL.
    resources: { default: resource },
    // Client ID Metadata Documents: Claude Code and VS Code use their https client ids instead of
    // registering. Loopback documents are allowed because this issuer is a loopback one (development).
    clientIdMetadataDocuments: { allowLoopback: true },
  })
  controller.addGrant(new AuthorizationCodeGrant())
  // Concurrent refresh: MCP clients refresh one token from several requests at once; within 30 s of a
  // rotation each of them gets a sibling successor instead of revoking the family (docs/refresh-tokens.md).
  controller.addGrant(new RefreshToken({ expiresIn: 30 * 86_400, graceSeconds: 30 }))
  // Open registration, limited per address by the `registration` limit (20 an hour by default).
  controller.use(new DynamicClientRegistration())

  // RFC 9728: what the MCP endpoint says about itself, served at /.well-known/oauth-protected-resource/mcp.
  const resourceMetadata = protectedResourceMetadata({
    resource,
    authorizationServers: [issuer],
    scopesSupported: [MCP_SCOPE],
    resourceName: 'oauth2-stack MCP example',
  })
  // The MCP endpoint checks the token's audience (a token for another resource is refused) and its
  // challenges carry `resource_metadata` (RFC 9728 section 5.1) and the needed scope.
  const guard = createBearerGuard({ issuer, resource, resourceMetadata: resourceMetadata.url, jwks: keys, store: tokenStore })
  return {
    controller,
    resource,
    resourceMetadata,
    async authorize(authorization) {
      const result = await guard({ authorization, query: undefined }, [MCP_SCOPE])
      if (result.ok) {
        const { token } = result
        return {
          token: authorization?.slice(7) ?? '',
          clientId: token.clientId,
          scopes: [...token.scopes],
          expiresAt: token.expiresAt,
          resource: new URL(resource),
          extra: { subject: token.subject },
        }
      }
      const { response } = result
      return { status: response.statusCode, headers: response.headers, body: response.body }
    },
    mcpServer() {
      const server = new McpServer({ name: 'oauth2-stack-example', version: '1.0.0' })
      server.registerTool(
        'whoami',
        { title: 'Who am I', description: 'Says which user and client the access token belongs to.' },
        (extra) => {
          const subject = extra.authInfo?.extra?.subject
          const who = typeof subject === 'string' ? subject : 'nobody'
          return { content: [{ type: 'text', text: `You are ${who}, signed in through client ${extra.authInfo?.clientId ?? '?'}.` }] }
        },
      )
      return server
    },
  }
}

/** Whether the guard refused. */
export function isRefusal(value: AuthInfo | GuardRefusal): value is GuardRefusal {
  return 'status' in value
}
