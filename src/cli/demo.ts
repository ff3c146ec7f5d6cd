#!/usr/bin/env node
/**
 * `npm start`: runs the demo authorization server on 127.0.0.1:$PORT (default 8080) and prints how to try
 * it: `oauth2-stack serve` with PORT and HOST from the environment, so the store is the embedded SQLite
 * file `./.data/oauth2-stack.db` (data survives a restart) unless OAUTH2_STACK_STORE names another, e.g.
 * `memory:`. The banner (authorization URL, curl commands, device flow) is in `serve.ts`.
 */
import { runCli } from './run.ts'

const port = process.env.PORT ?? '8080'
if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
  console.error(`PORT must be a port number, got ${port}`)
  process.exit(2)
}

process.exitCode = await runCli(['serve', '--port', port, '--host', process.env.HOST ?? '127.0.0.1'])
