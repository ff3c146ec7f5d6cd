/**
 * What the MCP examples share: the authorization server (oauth2-stack, at the origin's root, with dynamic
 * client registration open and limited per address), the bearer guard of the MCP endpoint (audience =
 * the MCP server's URL), its protected resource metadata (RFC 9728), and the MCP server with its tool
 * (the official TypeScript SDK).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { AuthorizationController, DynamicClientRegistration } from 'oauth2-stack'
import { AuthorizationCodeGrant, RefreshToken, Scope } from 'oauth2-stack/grant'
import { createBearerGuard } from 'oauth2-stack/resource'
import { LocalClientStore, LocalTokenStore } from 'oauth2-stack/store'
import { JwtTokenGenerator } from 'oauth2-stack/tokengenerator'
import { LoginSiteAdapter } from './login-site-adapter.ts'

/** The port to listen on: `$PORT` or 8080. */
export const PORT = Number(process.env.PORT ?? 8080)
/** The scope the MCP server's tools need. */
export const MCP_SCOPE = 'mcp:tools'
/** Where the protected resource metadata of `/mcp` lives (RFC 9728 section 3.1: the path after the well-known segment). */
export const RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource/mcp'

/** The authorization server, the guard and the MCP server of one example. */
export interface McpSetup<Env> {
  readonly controller: AuthorizationController<Env>
  /** The MCP server's URL: the resource its tokens are for (RFC 8707, RFC 9728). */
  readonly resource: string
  /** The protected resource metadata document (RFC 9728 section 2). */
  readonly resourceMetadata: Readonly<Record<string, unknown>>
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
  const generator = new JwtTokenGenerator({ issuer, audience: resource, keys: [await JwtTokenGenerator.generateKey('ES256')] })
  const controller = new AuthorizationController<Env>({
    issuer,
    accessTokenStore: tokenStore,
    authCodeStore: tokenStore,
    // No configured clients: MCP clients register themselves at /register.
    clientStore: new LocalClientStore(),
    siteAdapter: new LoginSiteAdapter(),
    tokenGenerator: generator,
    scope: new Scope({ available: [MCP_SCOPE], default: [MCP_SCOPE] }),
  })
  controller.addGrant(new AuthorizationCodeGrant())
  controller.addGrant(new RefreshToken({ expiresIn: 30 * 86_400 }))
  // Open registration, limited per address by the `registration` limit (20 an hour by default).
  controller.use(new DynamicClientRegistration())
  // TODO(metadata documents): turn on Client ID Metadata Documents here once oauth2-stack ships them, so
  // Claude Code and VS Code can use their https client ids instead of registering.

  // The MCP endpoint checks the token's audience: a token for another resource is refused.
  const guard = createBearerGuard({ issuer, audience: resource, jwks: generator.jwks(), store: tokenStore })
  // TODO(protected resource metadata): replace this document and the challenge parameter below with
  // oauth2-stack's `oauth-protected-resource` handler (oauth2-stack/resource) once it exists.
  const resourceMetadata = {
    resource,
    authorization_servers: [issuer],
    scopes_supported: [MCP_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: 'oauth2-stack MCP example',
  }
  const challenge = `resource_metadata="${origin}${RESOURCE_METADATA_PATH}"`
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
      const headers = { ...response.headers }
      // RFC 9728 section 5.1: the challenge names the resource metadata.
      if (headers['www-authenticate'] !== undefined) headers['www-authenticate'] += `, ${challenge}`
      return { status: response.statusCode, headers, body: response.body }
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
