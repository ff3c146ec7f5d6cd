/**
 * The logger the controller reports through, in the shape pino, bunyan-style and most structured
 * loggers share: `logger.error(fields, message)`. The default writes to `console.error` (what the
 * controller did before the option existed).
 *
 * @module
 */
import type { AnyOAuthError } from '../errors.ts'

/** One logging method: structured fields first, then the message (pino's argument order). */
export type LogMethod = (fields: Readonly<Record<string, unknown>>, message: string) => void

/**
 * A structured logger with pino's shape, e.g. `pino()` itself. The controller logs `server_error`s at
 * `error`, store outages at `warn`, and failures of its own hooks (`onError`, `onEvent`) at `error`.
 */
export interface Logger {
  readonly error: LogMethod
  readonly warn: LogMethod
  readonly info: LogMethod
  readonly debug: LogMethod
}

/** The default logger: errors and warnings to `console.error`, prefixed `oauth2-stack:`; nothing below warn. */
export const consoleLogger: Logger = {
  error: (fields, message) => console.error(`oauth2-stack: ${message}`, fieldsForConsole(fields)),
  warn: (fields, message) => console.error(`oauth2-stack: ${message}`, fieldsForConsole(fields)),
  info: () => {},
  debug: () => {},
}

/** `{ err }` alone is printed as the error itself (with its stack), as `console.error(message, cause)` did. */
function fieldsForConsole(fields: Readonly<Record<string, unknown>>): unknown {
  const keys = Object.keys(fields)
  return keys.length === 1 && keys[0] === 'err' ? fields.err : fields
}

/** Calls a logger method and swallows what it throws: a broken logger must not break a request. */
export function safeLog(logger: Logger, level: keyof Logger, fields: Readonly<Record<string, unknown>>, message: string): void {
  try {
    logger[level](fields, message)
  } catch {
    // Nothing left to report to.
  }
}

/** The controller's default `onError`: `server_error`s at `error` with their cause, store outages at `warn`. */
export function logServerErrors(logger: Logger, error: AnyOAuthError): void {
  if (error.error === 'server_error') safeLog(logger, 'error', { err: error.cause }, 'server_error')
  else if (error.error === 'temporarily_unavailable') safeLog(logger, 'warn', { err: error.cause }, 'temporarily_unavailable')
}
