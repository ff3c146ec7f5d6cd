/**
 * The MCP example (examples/mcp.ts) in Hono through the Fetch adapter: `npm run example -- mcp-hono`.
 * The MCP SDK's web-standard transport answers Fetch requests, so the same code serves Bun, Deno and
 * Workers (with a shared store instead of the in-memory ones).
 */
import { serve } from '@hono/node-server'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { Hono } from 'hono'
import { fetchHandler, type FetchEnviron } from 'oauth2-stack/fetch'
import { createMcpSetup, isRefusal, PORT, RESOURCE_METADATA_PATH } from './shared/mcp-setup.ts'

const origin = `http://127.0.0.1:${PORT}`
const setup = await createMcpSetup<FetchEnviron>(origin)
const oauth = fetchHandler(setup.controller)

const app = new Hono()
for (const path of [RESOURCE_METADATA_PATH, '/.well-known/oauth-protected-resource']) {
  app.get(path, (c) => c.json(setup.resourceMetadata, 200, { 'access-control-allow-origin': '*' }))
}
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
