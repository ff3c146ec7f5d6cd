/**
 * Structured request logs for the demo/dev server: one line per request, as JSON (for log collectors) or
 * as a short coloured line (for a person at a terminal). Nothing secret is ever written: parameters
 * whose names say secret, token, code, password, verifier, assertion or CSRF are replaced by
 * `[redacted]`, the `Authorization` header is reduced to its scheme, and no other header, no cookie and
 * no body is logged.
 *
 * @module
 */
import { cleanText as clean } from '../events/audit-events.ts'
import type { Logger } from '../events/logger.ts'
import type { AuditEvent } from '../events/types.ts'
import type { Request } from '../web/request.ts'

/** How log lines look: one JSON object per line, or a short human-readable line. */
export type LogFormat = 'json' | 'pretty'

/** The placeholder that replaces every secret value. */
export const REDACTED = '[redacted]'

/** What is logged about one request. Every field but the first five may be absent. */
export interface RequestLogEntry {
  /** HTTP method. */
  readonly method: string
  /** The path, without the query string (which may carry codes and tokens). */
  readonly path: string
  /** The status code sent. */
  readonly status: number
  /** Milliseconds from the request's arrival to the end of the response. */
  readonly durationMs: number
  /** When the request arrived. */
  readonly time: Date
  /** The request's id, shared with its audit events (`requestIdOf`). */
  readonly requestId?: string | undefined
  /** The client, from HTTP Basic credentials, the `client_id` form field or the `client_id` query parameter. */
  readonly clientId?: string | undefined
  /** The scheme of the `Authorization` header (`Basic`, `Bearer`), never its credentials. */
  readonly auth?: string | undefined
  /** The OAuth error code of an error response (`invalid_grant`, …). */
  readonly error?: string | undefined
  /** Query and form parameters, secrets replaced by {@link REDACTED}. */
  readonly params?: Readonly<Record<string, string>> | undefined
}

/** Options of {@link RequestLogger}. */
export interface RequestLoggerOptions {
  /** `json` (default) or `pretty`. */
  readonly format?: LogFormat
  /** Where each finished line goes (without the newline). Default: `process.stdout`. */
  readonly write?: (line: string) => void
  /** ANSI colours in `pretty` mode. Default `false`. */
  readonly color?: boolean
}

/** Parameter names that are safe to show although they match {@link isSecretName}. */
const PUBLIC_NAMES = new Set(['code_challenge', 'code_challenge_method', 'token_type_hint', 'response_type', 'grant_type'])
const SECRET_NAME = /secret|password|passwd|token|code|verifier|assertion|csrf|authorization|cookie|session|key/i
const MAX_PARAMS = 20

/** Whether a parameter with this name holds a secret (client secret, password, code, token, verifier, …). */
export function isSecretName(name: string): boolean {
  return !PUBLIC_NAMES.has(name) && SECRET_NAME.test(name)
}

/**
 * Copies parameters for a log line: secret values become {@link REDACTED}, long values are cut, and
 * control characters are escaped so a line cannot be split or forged.
 */
export function redactParams(entries: Iterable<readonly [string, string]>): Record<string, string> {
  const out: Record<string, string> = {}
  let count = 0
  for (const [name, value] of entries) {
    if (count++ >= MAX_PARAMS) break
    const key = clean(name).slice(0, 64)
    out[key] = isSecretName(name) ? REDACTED : clean(value)
  }
  return out
}

/** The client a request names, if any: Basic credentials first (RFC 6749 section 2.3.1), then the form, then the query. */
export function clientIdOf(request: Request): string | undefined {
  const authorization = request.header('authorization')
  if (authorization !== undefined && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon > 0) {
      try {
        return clean(decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' ')))
      } catch {
        return clean(decoded.slice(0, colon))
      }
    }
  }
  const id = request.postParam('client_id') ?? request.getParam('client_id')
  return id === undefined ? undefined : clean(id)
}

/** The scheme of the `Authorization` header, for the log: `Basic`, `Bearer`, or `other`. */
export function authSchemeOf(request: Request): string | undefined {
  const authorization = request.header('authorization')
  if (authorization === undefined) return undefined
  const scheme = /^(basic|bearer|dpop)\b/i.exec(authorization)?.[1]
  return scheme === undefined ? 'other' : `${scheme.charAt(0).toUpperCase()}${scheme.slice(1).toLowerCase()}`
}

/** A request's query and form parameters with secrets redacted (see {@link redactParams}). */
export function paramsOf(request: Request): Record<string, string> {
  return redactParams([...request.queryParams().values, ...request.formParams().values])
}

/**
 * Writes one line per request, and start-up and error events, as JSON or pretty text.
 *
 * @example
 * ```ts
 * const logger = new RequestLogger({ format: process.stdout.isTTY ? 'pretty' : 'json' })
 * logger.request({ method: 'POST', path: '/token', status: 200, durationMs: 3.1, time: new Date(), clientId: 'abc' })
 * ```
 */
export class RequestLogger {
  /** The format lines are written in. */
  readonly format: LogFormat
  readonly #write: (line: string) => void
  readonly #color: boolean

  /** A logger writing to `options.write` (default stdout) in `options.format` (default JSON). */
  constructor(options: RequestLoggerOptions = {}) {
    this.format = options.format ?? 'json'
    this.#write = options.write ?? ((line) => process.stdout.write(`${line}\n`))
    this.#color = options.color ?? false
  }

  /** Logs a finished request. */
  request(entry: RequestLogEntry): void {
    if (this.format === 'json') {
      const line: Record<string, unknown> = {
        time: entry.time.toISOString(),
        level: entry.status >= 500 ? 'error' : entry.status >= 400 ? 'warn' : 'info',
        msg: 'request',
        method: clean(entry.method),
        path: clean(entry.path),
        status: entry.status,
        duration_ms: Math.round(entry.durationMs * 10) / 10,
      }
      if (entry.requestId !== undefined) line.request_id = clean(entry.requestId)
      if (entry.clientId !== undefined) line.client_id = entry.clientId
      if (entry.auth !== undefined) line.auth = entry.auth
      if (entry.error !== undefined) line.error = clean(entry.error)
      if (entry.params !== undefined && Object.keys(entry.params).length > 0) line.params = entry.params
      this.#write(JSON.stringify(line))
      return
    }
    const status = String(entry.status)
    const paint = entry.status >= 500 ? 31 : entry.status >= 400 ? 33 : entry.status >= 300 ? 36 : 32
    const parts = [
      this.#dim(clock(entry.time)),
      clean(entry.method).padEnd(4),
      clean(entry.path),
      this.#paint(paint, status),
      this.#dim(`${entry.durationMs < 10 ? entry.durationMs.toFixed(1) : Math.round(entry.durationMs)}ms`),
    ]
    if (entry.clientId !== undefined) parts.push(`client=${entry.clientId}`)
    if (entry.error !== undefined) parts.push(this.#paint(paint, `error=${clean(entry.error)}`))
    if (entry.params !== undefined) {
      const shown = Object.entries(entry.params).filter(([name]) => name !== 'client_id')
      if (shown.length > 0) parts.push(this.#dim(shown.map(([name, value]) => `${name}=${value}`).join(' ')))
    }
    this.#write(parts.join(' '))
  }

  /** Logs an event that is not a request (start-up, shutdown, a server error), with extra fields. */
  event(level: 'info' | 'warn' | 'error', msg: string, fields: Readonly<Record<string, string | number | boolean>> = {}): void {
    if (this.format === 'json') {
      this.#write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }))
      return
    }
    const extra = Object.entries(fields).map(([name, value]) => `${name}=${clean(String(value))}`)
    const label = level === 'info' ? msg : this.#paint(level === 'error' ? 31 : 33, `${level}: ${msg}`)
    this.#write([this.#dim(clock(new Date())), label, ...extra].join(' '))
  }

  /**
   * Logs an audit event: in JSON, one line `{"time", "level", "msg": "event", "type", "request_id", …}`
   * with the event's fields in snake_case; `warn` for failures and reuse, `info` for the rest. Events
   * carry no secret by construction, and every value is cleaned like any other logged value.
   */
  audit(event: AuditEvent): void {
    const level = WARN_EVENTS.has(event.type) ? 'warn' : 'info'
    const fields: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(event)) {
      if (name === 'time' || name === 'type' || value === undefined) continue
      fields[snakeCase(name)] =
        typeof value === 'string' ? clean(value) : Array.isArray(value) ? value.map((item) => clean(String(item))) : value
    }
    if (this.format === 'json') {
      this.#write(JSON.stringify({ time: event.time, level, msg: 'event', type: event.type, ...fields }))
      return
    }
    const extra = Object.entries(fields).map(([name, value]) => `${name}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    const label = level === 'info' ? event.type : this.#paint(33, event.type)
    this.#write([this.#dim(clock(new Date(event.time))), label, this.#dim(extra.join(' '))].join(' '))
  }

  /**
   * This log as the controller's `logger` option (pino's shape): an `err` field becomes `cause`
   * (`Name: message`, no stack), other fields are kept when they are strings, numbers or booleans.
   */
  asLogger(): Logger {
    const log =
      (level: 'info' | 'warn' | 'error') =>
      (fields: Readonly<Record<string, unknown>>, message: string): void => {
        const flat: Record<string, string | number | boolean> = {}
        for (const [name, value] of Object.entries(fields)) {
          if (name === 'err') flat.cause = value instanceof Error ? `${value.name}: ${value.message}` : String(value)
          else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') flat[name] = value
        }
        this.event(level, message, flat)
      }
    return { error: log('error'), warn: log('warn'), info: log('info'), debug: () => {} }
  }

  #paint(code: number, text: string): string {
    return this.#color ? `\u001b[${code}m${text}\u001b[0m` : text
  }

  #dim(text: string): string {
    return this.#color ? `\u001b[2m${text}\u001b[22m` : text
  }
}

/** Events that say something failed or was refused. */
const WARN_EVENTS = new Set<AuditEvent['type']>([
  'code.reused',
  'refresh.reused',
  'client.auth_failed',
  'rate_limited',
  'store.unavailable',
  'user.login_failed',
])

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}

function clock(time: Date): string {
  return time.toTimeString().slice(0, 8)
}
