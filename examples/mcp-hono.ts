/**
 * The MCP example (examples/mcp.ts) in Hono through the Fetch adapter: `npm run example -- mcp-hono`.
 * The MCP SDK's web-standard transport answers Fetch requests, so the same code serves Bun, Deno and
 * Workers (with a shared store instead of the in-memory ones).
 */
import { serve } from '@hono/node-server'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { Hono } from 'hono'
import { fetchHandler, type FetchEnviron } from 'oauth2-stack/fetch'
import { fetchProtectedResourceMetadata } from 'oauth2-stack/resource'
import { createMcpSetup, isRefusal, PORT } from './shared/mcp-setup.ts'

const origin = `http://127.0.0.1:${PORT}`
const setup = await createMcpSetup<FetchEnviron>(origin)
const oauth = fetchHandler(setup.controller)
const resourceMetadata = fetchProtectedResourceMetadata(setup.resourceMetadata)

const app = new Hono()
// RFC 9728: the MCP endpoint's metadata at /.well-known/oauth-protected-resource/mcp.
app.on(['GET', 'HEAD'], setup.resourceMetadata.path, (c) => resourceMetadata(c.req.raw) ?? c.notFound())
app.all('/mcp', async (c) => {
  const auth = await setup.authorize(c.req.header('authorization'))
  if (isRefusal(auth)) return new Response(auth.body, { status: auth.status, headers: auth.headers })
  const server = setup.mcpServer()
  const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true })
  await server.connect(transport)
  return transport.handleRequest(c.req.raw, { authInfo: auth })
})
// The authorization server at the root: /authorize, /token, /register, /.well-known/oauth-authorization-server.
app.all('*', (c) => oauth(c.req.raw))

serve({ fetch: app.fetch, port: PORT, hostname: '127.0.0.1' }, () => console.log(`MCP server on ${origin}/mcp (sign in as demo / demo)`))
