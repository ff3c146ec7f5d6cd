/**
 * `oauth2-stack serve`: the demo/development authorization server on a store that survives restarts.
 *
 * @module
 */
import { checkIssuer } from '../options.ts'
import { booleanOption, CliError, FailureError, parseCommand, portOption, stringOption, UsageError } from './args.ts'
import type { CliConfig } from './config.ts'
import { DEMO, isLoopbackHost, startDemoServer, type DemoServer } from './demo-server.ts'
import { DEFAULT_DRAIN_MS } from './drain.ts'
import { HELP } from './help.ts'
import type { CliIo } from './io.ts'
import { RequestLogger, type LogFormat } from './request-log.ts'
import { configOf, optionLabel, SERVE_OPTIONS, storeUrlOf, withEnvironment } from './settings.ts'
import { describeStoreUrl, openCliStore } from './store.ts'
import { cliKeySet, hasOwnKeySecret, keySecretFor, type KeySecret } from './keys.ts'

/**
 * Runs `serve` until SIGINT or SIGTERM, then shuts down gracefully: requests in flight are answered, new
 * ones get 503, the drain is bounded by `--drain-timeout`, and the store serve opened is closed last.
 * Resolves with the exit code.
 */
export async function serve(args: readonly string[], io: CliIo): Promise<number> {
  const command = 'serve'
  const fromArgs = parseCommand(command, args, SERVE_OPTIONS, 0)
  if (fromArgs.values.help === true) {
    io.out(HELP[command] ?? '')
    return 0
  }
  // Command line > OAUTH2_STACK_* environment > config file > defaults (docs/configuration.md).
  const parsed = withEnvironment(command, fromArgs, SERVE_OPTIONS, io.env)
  const config = await configOf(parsed)
  const settings = resolveSettings(parsed, config, io)

  // Refused before anything is opened: JWT access tokens on a network store without OAUTH2_STACK_KEY_SECRET.
  if (settings.accessTokenFormat === 'jwt' && !/^(sqlite|memory):/i.test(settings.storeUrl))
    await keySecretFor(settings.storeUrl, io.env, command)
  const store = await openCliStore(settings.storeUrl, { migrate: true, warn: (line) => io.err(line) })
  let demo: DemoServer
  let keySecret: KeySecret | undefined
  const logger = new RequestLogger({
    format: settings.log,
    write: (line) => io.out(`${line}\n`),
    color: settings.log === 'pretty' && io.stdoutIsTTY && io.env.NO_COLOR === undefined,
  })
  try {
    // The store's key set signs ID tokens (and JWT access tokens): on SQLite and in memory always (the
    // secret beside the database), on a shared store when OAUTH2_STACK_KEY_SECRET is set.
    const jwt = settings.accessTokenFormat === 'jwt'
    keySecret = jwt || hasOwnKeySecret(settings.storeUrl, io.env) ? await keySecretFor(settings.storeUrl, io.env, command) : undefined
    const secret = keySecret?.secret
    demo = await startDemoServer({
      ...(secret === undefined ? {} : { signer: (issuer: string) => cliKeySet(store.recordStore, issuer, secret, config) }),
      ...(jwt ? { accessTokenFormat: 'jwt' } : {}),
      port: settings.port,
      host: settings.host,
      ...(settings.issuer === undefined ? {} : { issuer: settings.issuer }),
      clientStore: store.clientStore,
      tokenStore: store.tokenStore,
      demo: settings.demo,
      playground: settings.demo && config.playground !== false,
      users: (config.users ?? []).map((user) => ({
        username: user.username,
        password: user.password,
        data: { ...(user.name === undefined ? {} : { name: user.name }), ...(user.email === undefined ? {} : { email: user.email }) },
      })),
      ...(config.scopes === undefined ? {} : { scopes: config.scopes }),
      ...(config.defaultScopes === undefined ? {} : { defaultScopes: config.defaultScopes }),
      ...(config.accessTokenLifetime === undefined ? {} : { accessTokenLifetime: config.accessTokenLifetime }),
      ...(config.refreshTokenLifetime === undefined ? {} : { refreshTokenLifetime: config.refreshTokenLifetime }),
      ...(config.authorizationCodeLifetime === undefined ? {} : { authorizationCodeLifetime: config.authorizationCodeLifetime }),
      logger,
      drainTimeoutMs: settings.drainTimeoutMs,
    })
  } catch (error) {
    await store.close().catch(() => undefined)
    throw startFailure(error, settings)
  }

  io.err(banner(demo, settings, store.persistent).replace('\nLog:', keysLine(keySecret, settings.accessTokenFormat === 'jwt')))
  logger.event('info', 'listening', { issuer: demo.issuer, store: describeStoreUrl(settings.storeUrl) })
  const signal = await io.waitForStop()
  logger.event('info', 'stopping', { signal, drain_timeout_ms: settings.drainTimeoutMs })
  const result = await demo.shutdown().catch(() => ({ drained: false, abandoned: -1 }))
  // The audit events of the last answers go out a timer turn after each response: let them out before `stopped`.
  await new Promise((resolve) => setTimeout(resolve, 0))
  // Only after the last answer: a refresh in flight completes its rotation before its store goes away.
  await store.close().catch(() => undefined)
  if (result.drained) logger.event('info', 'stopped', { signal })
  else logger.event('warn', 'stopped before every request was answered', { signal, abandoned: result.abandoned })
  return 0
}

interface ServeSettings {
  readonly port: number
  readonly host: string
  readonly issuer: string | undefined
  readonly storeUrl: string
  readonly log: LogFormat
  readonly demo: boolean
  readonly drainTimeoutMs: number
  readonly accessTokenFormat: 'opaque' | 'jwt'
}

function resolveSettings(parsed: Parameters<typeof stringOption>[0], config: CliConfig, io: CliIo): ServeSettings {
  const command = 'serve'
  const portText = stringOption(parsed, 'port')
  const port = portText === undefined ? (config.port ?? 8080) : portOption(portText, command, optionLabel(parsed, 'port'))
  const host = stringOption(parsed, 'host') ?? config.host ?? '127.0.0.1'
  if (host === '') throw new UsageError(`${optionLabel(parsed, 'host')} must not be empty`, command)
  const demo = booleanOption(parsed, 'demo') ?? config.demo ?? true
  if (demo && !isLoopbackHost(host)) {
    throw new UsageError(
      `refusing to serve the demo credentials (${DEMO.confidentialClient.clientId} / ${DEMO.confidentialClient.clientSecret}, ` +
        `${DEMO.user.username} / ${DEMO.user.password}) on ${host}: they are public, so only loopback hosts (127.0.0.1, localhost, ::1) may have them. ` +
        'Bind 127.0.0.1, or add --no-demo and define "users" in a --config file',
      command,
    )
  }
  const issuer = stringOption(parsed, 'issuer') ?? config.issuer
  if (issuer === undefined && !isLoopbackHost(host)) {
    throw new UsageError(
      `--issuer is required with a non-loopback --host: give the https URL clients reach the server at (e.g. https://auth.example.com)`,
      command,
    )
  }
  if (issuer !== undefined) {
    try {
      checkIssuer(issuer)
    } catch (error) {
      throw new UsageError(`${optionLabel(parsed, 'issuer')}: ${error instanceof Error ? error.message : String(error)}`, command)
    }
  }
  const logText = stringOption(parsed, 'log')
  if (logText !== undefined && logText !== 'json' && logText !== 'pretty') {
    throw new UsageError(`${optionLabel(parsed, 'log')} must be pretty or json; got ${JSON.stringify(logText)}`, command)
  }
  const log: LogFormat = logText ?? config.log ?? (io.stdoutIsTTY ? 'pretty' : 'json')
  const drainText = stringOption(parsed, 'drain-timeout')
  const drainSeconds = drainText === undefined ? DEFAULT_DRAIN_MS / 1000 : Number(drainText)
  if (drainText !== undefined && !(/^\d+(\.\d+)?$/.test(drainText) && drainSeconds <= 600)) {
    throw new UsageError(
      `${optionLabel(parsed, 'drain-timeout')} must be a number of seconds from 0 to 600; got ${JSON.stringify(drainText)}`,
      command,
    )
  }
  const format = stringOption(parsed, 'access-token-format') ?? config.accessTokenFormat ?? 'opaque'
  if (format !== 'opaque' && format !== 'jwt') {
    throw new UsageError(`${optionLabel(parsed, 'access-token-format')} must be opaque or jwt; got ${JSON.stringify(format)}`, command)
  }
  return {
    port,
    host,
    issuer,
    storeUrl: storeUrlOf(parsed, config, io.env),
    log,
    demo,
    drainTimeoutMs: Math.round(drainSeconds * 1000),
    accessTokenFormat: format,
  }
}

/** The banner's line about signing keys (before `Log:`), when serve signs JWTs. */
function keysLine(keySecret: KeySecret | undefined, jwt: boolean): string {
  return keySecret === undefined
    ? '\nLog:'
    : `\nKeys:     ${jwt ? 'ID tokens and JWT access tokens' : 'ID tokens'}; signing keys in the store, sealed under ${keySecret.source}\nLog:`
}

function startFailure(error: unknown, settings: ServeSettings): CliError {
  if (error instanceof CliError) return error
  const code = (error as { code?: unknown } | null)?.code
  const where = `${settings.host}:${settings.port}`
  if (code === 'EADDRINUSE')
    return new FailureError(`port ${settings.port} on ${settings.host} is already in use: stop the other server or pick another --port`)
  if (code === 'EACCES') return new FailureError(`not allowed to listen on ${where}: pick a port above 1023 with --port`)
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new FailureError(`cannot bind ${settings.host}: no such address on this machine; check --host`)
  if (error instanceof TypeError) return new UsageError(error.message, 'serve')
  return new FailureError(`could not start the server: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
}

function banner(demo: DemoServer, settings: ServeSettings, persistent: boolean): string {
  const store = `${describeStoreUrl(settings.storeUrl)}${persistent ? '' : ' (nothing is kept after exit)'}`
  const log = `one ${settings.log === 'json' ? 'JSON line' : 'line'} per request on stdout (secrets redacted)`
  if (!settings.demo) {
    return `oauth2-stack authorization server listening on ${demo.issuer}

Store:    ${store}
Log:      ${log}
Metadata: ${demo.issuer}/.well-known/oauth-authorization-server
Health:   ${demo.issuer}/healthz (alive)   ${demo.issuer}/readyz (the store answers)

Register clients with: oauth2-stack client add --help

Press Ctrl+C to stop.
`
  }
  const playground =
    demo.playgroundUrl === undefined
      ? ''
      : `\nPlayground: ${demo.playgroundUrl}\n  (pick a grant and step through its real requests and responses)\n`
  return `oauth2-stack demo authorization server listening on ${demo.issuer}

Store:    ${store}
Log:      ${log}
Clients:  ${DEMO.confidentialClient.clientId} / ${DEMO.confidentialClient.clientSecret} (confidential)   ${DEMO.publicClient.clientId} (public, PKCE required)
          redirect URI ${DEMO.redirectUri}
User:     ${DEMO.user.username} / ${DEMO.user.password}
${playground}
1. Open this URL in a browser, sign in as ${DEMO.user.username} / ${DEMO.user.password} and allow:

   ${demo.authorizationUrl}

2. The browser lands on ${DEMO.redirectUri}?code=...&state=...&iss=...
   (nothing listens there; copy the code from the address bar).

3. Exchange the code for tokens within ten minutes (replace CODE):

   ${demo.curl}

Device flow (RFC 8628), as a TV or a CLI without a browser does it:

4. Ask for a device code and a user code (client ${DEMO.publicClient.clientId}):

   ${demo.deviceCurl}

5. Open the device page, type the user_code, sign in as ${DEMO.user.username} / ${DEMO.user.password} and allow:

   ${demo.deviceUrl}

6. Poll for the tokens (replace DEVICE_CODE; until step 5 the answer is authorization_pending):

   ${demo.devicePollCurl}

Press Ctrl+C to stop.
`
}
