#!/usr/bin/env node
/**
 * `npm start`: runs the demo authorization server on 127.0.0.1:$PORT (default 8080), everything in
 * memory, and prints how to try it: `oauth2-stack serve --store memory:` with PORT and HOST from the
 * environment. The banner (authorization URL, curl commands, device flow) is in `serve.ts`.
 */
import { runCli } from './run.ts'

const port = process.env.PORT ?? '8080'
if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
  console.error(`PORT must be a port number, got ${port}`)
  process.exit(2)
}

process.exitCode = await runCli(['serve', '--store', 'memory:', '--port', port, '--host', process.env.HOST ?? '127.0.0.1'])
