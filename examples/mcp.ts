/**
 * An MCP server (the official TypeScript SDK, Streamable HTTP) protected by oauth2-stack, with the
 * authorization server in the same process: `npm run example -- mcp`, then point an MCP client at
 * http://127.0.0.1:8080/mcp (docs/mcp.md). The client finds the authorization server through the
 * protected resource metadata, registers itself at /register, and the user signs in as demo / demo.
 * The same with Hono: `npm run example -- mcp-hono`.
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import express from 'express'
import { oauth2Router, type ExpressEnviron } from 'oauth2-stack/express'
import { expressProtectedResourceMetadata } from 'oauth2-stack/resource'
import { createMcpSetup, isRefusal, PORT } from './shared/mcp-setup.ts'

const origin = `http://127.0.0.1:${PORT}`
const setup = await createMcpSetup<ExpressEnviron>(origin)

const app = express()
// RFC 9728: the MCP endpoint's metadata at /.well-known/oauth-protected-resource/mcp (mounted at the root).
app.use(expressProtectedResourceMetadata(setup.resourceMetadata))
app.all('/mcp', (req, res, next) => {
  void (async () => {
    const auth = await setup.authorize(req.headers.authorization)
    if (isRefusal(auth)) {
      res.status(auth.status).set(auth.headers).send(auth.body)
      return
    }
    // Stateless (no session id generator): a server and transport per request, closed with the response.
    const server = setup.mcpServer()
    const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true })
    res.on('close', () => {
      void transport.close()
      void server.close()
    })
    await server.connect(transport)
    await transport.handleRequest(Object.assign(req, { auth }), res)
  })().catch(next)
})
// The authorization server at the root: /authorize, /token, /register, /.well-known/oauth-authorization-server.
app.use(oauth2Router(setup.controller))

app.listen(PORT, '127.0.0.1', () => console.log(`MCP server on ${origin}/mcp (sign in as demo / demo)`))
