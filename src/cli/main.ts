#!/usr/bin/env node
/**
 * The `oauth2-stack` binary (package.json `bin`): `oauth2-stack serve`, `client add|list|show|rm`,
 * `token revoke`, `keys list|rotate`, `migrate`. Run `oauth2-stack --help`.
 *
 * @module
 */
import { runCli } from './run.ts'

process.exitCode = await runCli(process.argv.slice(2))
