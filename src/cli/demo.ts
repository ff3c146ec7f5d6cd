#!/usr/bin/env node
/**
 * `npm start`: runs the demo authorization server on 127.0.0.1:$PORT (default 8080) and prints how to
 * try it.
 */
import { startDemoServer } from './demo-server.ts'

const port = Number(process.env.PORT ?? 8080)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got ${process.env.PORT}`)
  process.exit(2)
}

try {
  const demo = await startDemoServer({ port, host: process.env.HOST ?? '127.0.0.1' })
  console.log(`oauth2-stack demo authorization server listening on ${demo.issuer}

Clients:  abc / xyz (confidential)   demo-public (public, PKCE required)
          redirect URI http://localhost/callback
User:     demo / demo

1. Open this URL in a browser, sign in as demo / demo and allow:

   ${demo.authorizationUrl}

2. The browser lands on http://localhost/callback?code=...&state=...&iss=...
   (nothing listens there; copy the code from the address bar).

3. Exchange the code for tokens within ten minutes (replace CODE):

   ${demo.curl}

Press Ctrl+C to stop.`)
  const stop = (): void => {
    void demo.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
} catch (error) {
  console.error(`Could not start the demo server: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
