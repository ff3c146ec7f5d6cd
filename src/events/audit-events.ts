/**
 * Builds audit events and hands them to `onEvent` once the response is decided: events of a request are
 * held until the controller has its response, then delivered on a later turn of the event loop, so the
 * handler can neither delay nor break the answer. What the handler throws or rejects with goes to the
 * logger.
 *
 * @module
 */
import { AUDIT_SLOT, type ObservedRequest, type Request } from '../web/request.ts'
import { safeLog, type Logger } from './logger.ts'
import { requestIdOf } from './request-id.ts'
import type { AuditEvent, AuditEventHandler, AuditEventInput, TokenIssuedEvent } from './types.ts'

/** What {@link AuditEvents} needs from the controller. */
export interface AuditEventsConfig<Env> {
  readonly onEvent: AuditEventHandler
  readonly logger: Logger
  /** The controller's clock, in milliseconds. */
  readonly clock: () => number
  /** The client's address for a request and its environ (a method: `Env` stays bivariant, as in the grant types). */
  clientAddress(environ: Env, request: Request): string | undefined
}

interface RequestRecord {
  /** The pipe that holds them (a request handed to two controllers has one record, of the last). */
  readonly owner: object
  readonly address: string | undefined
  /** Whether the response is decided (events are then delivered as they come). */
  decided: boolean
  /** Events waiting for the response: none, one (most requests), or several. */
  pending: AuditEvent | AuditEvent[] | undefined
}

/** `000` to `999`: the milliseconds of an event's time. */
const MILLISECONDS = Array.from({ length: 1000 }, (_, value) => String(value).padStart(3, '0'))

/** Longest id or name copied into an event. */
const MAX_FIELD = 200

/** The controller's event pipe. One per controller, only when `onEvent` is set. */
export class AuditEvents<Env> {
  readonly #config: AuditEventsConfig<Env>
  /** Events decided and not yet handed to `onEvent`: one timer for all that a turn of the loop decides. */
  #queue: AuditEvent[] = []
  #lastMs = Number.NaN
  readonly #addresses = new LastCleaned()
  readonly #clientIds = new LastCleaned()
  #lastTime = ''
  #lastSecond = Number.NaN
  #secondText = ''

  constructor(config: AuditEventsConfig<Env>) {
    this.#config = config
  }

  /** Starts holding the events of `request` until {@link AuditEvents.end}. */
  begin(request: Request, environ: Env): void {
    let address: string | undefined
    try {
      address = this.#config.clientAddress(environ, request)
    } catch (error) {
      safeLog(this.#config.logger, 'error', { err: error }, 'clientAddress threw')
    }
    const record: RequestRecord = {
      owner: this,
      address: address === undefined ? undefined : this.#addresses.of(address),
      decided: false,
      pending: undefined,
    }
    ;(request as unknown as ObservedRequest)[AUDIT_SLOT] = record
  }

  /** The response of `request` is decided: delivers its events. */
  end(request: Request): void {
    const record = this.#record(request)
    if (record === undefined) return
    const pending = record.pending
    record.decided = true
    record.pending = undefined
    if (pending !== undefined) this.#deliver(pending)
  }

  /** Records an event of `request`; delivered after its response (at once if that is already decided). */
  emit(request: Request, input: AuditEventInput): void {
    const record = this.#record(request)
    // Copied, then completed field by field: the same fields in the same order as a spread with these
    // fields after it, at a fraction of its cost (V8 clones a spread's shape slowly when fields follow).
    const event = Object.assign({}, input) as Record<string, unknown>
    event['requestId'] = requestIdOf(request)
    event['time'] = this.#time()
    event['clientId'] = input.clientId === undefined ? undefined : this.#clientIds.of(input.clientId)
    event['userId'] = cleanOptional(input.userId)
    event['address'] = record?.address
    if (input.type === 'user.login_failed') event['username'] = cleanOptional(input.username)
    this.#hold(record, event as unknown as AuditEvent)
  }

  /**
   * Records the `token.issued` event of `request`, the one event of every token request: built as one
   * literal with every field in {@link AuditEvents.emit}'s order, so it is allocated at its full size
   * (no fields added one by one, no property store grown per event).
   */
  tokenIssued(
    request: Request,
    clientId: string,
    userId: string | undefined,
    grantType: string,
    scopes: readonly string[],
    withRefreshToken: boolean,
  ): void {
    const record = this.#record(request)
    const event: TokenIssuedEvent = {
      type: 'token.issued',
      clientId: this.#clientIds.of(clientId),
      userId: cleanOptional(userId),
      grantType,
      scopes,
      withRefreshToken,
      requestId: requestIdOf(request),
      time: this.#time(),
      address: record?.address,
    }
    this.#hold(record, event)
  }

  /** Delivers `event` now if the response of its request is decided, else holds it with the request. */
  #hold(record: RequestRecord | undefined, event: AuditEvent): void {
    if (record === undefined || record.decided) this.#deliver(event)
    else if (record.pending === undefined) record.pending = event
    else if (Array.isArray(record.pending)) record.pending.push(event)
    else record.pending = [record.pending, event]
  }

  /** What {@link AuditEvents.begin} noted for `request`, if it was this pipe. */
  #record(request: Request): RequestRecord | undefined {
    const record = (request as unknown as ObservedRequest)[AUDIT_SLOT] as RequestRecord | undefined
    return record?.owner === this ? record : undefined
  }

  /**
   * The clock as an ISO 8601 string, as `Date.prototype.toISOString` writes it. Under load many events
   * share one millisecond (its text is kept) and many milliseconds one second: the date and time up to the
   * second are formatted once per second, the milliseconds appended from a table.
   */
  #time(): string {
    const ms = this.#config.clock()
    if (ms !== this.#lastMs) {
      const whole = Math.floor(ms)
      const second = Math.floor(whole / 1000)
      if (second !== this.#lastSecond) {
        // `YYYY-MM-DDTHH:MM:SS.` (or an extended year): the ISO text without its `000Z`.
        this.#secondText = new Date(second * 1000).toISOString().slice(0, -4)
        this.#lastSecond = second
      }
      this.#lastMs = ms
      this.#lastTime = `${this.#secondText}${MILLISECONDS[whole - second * 1000]}Z`
    }
    return this.#lastTime
  }

  #deliver(events: AuditEvent | readonly AuditEvent[]): void {
    // A later turn: the adapter writes the response first, whatever onEvent does. One timer serves every
    // event queued before it fires (under load, many responses per turn), in the order they were decided.
    if (this.#queue.length === 0) setTimeout(this.#flushLater, 0)
    if (Array.isArray(events)) for (const event of events as readonly AuditEvent[]) this.#queue.push(event)
    else this.#queue.push(events as AuditEvent)
  }

  /** {@link AuditEvents.#flush}, bound once (not a closure per timer). */
  readonly #flushLater = (): void => this.#flush()

  #flush(): void {
    const { onEvent, logger } = this.#config
    const events = this.#queue
    this.#queue = []
    const failed = (error: unknown, event: AuditEvent): void => {
      safeLog(logger, 'error', { err: error, eventType: event.type, requestId: event.requestId }, 'onEvent failed')
    }
    for (const event of events) {
      try {
        const result = onEvent(event)
        if (result instanceof Promise) result.catch((error: unknown) => failed(error, event))
      } catch (error) {
        failed(error, event)
      }
    }
  }
}

/**
 * {@link cleanText} with the last value remembered: under load the same few addresses (keep-alive
 * connections, one proxy) and client ids come again and again.
 */
class LastCleaned {
  #value: string | undefined
  #cleaned = ''

  of(value: string): string {
    if (value !== this.#value) {
      this.#value = value
      this.#cleaned = cleanText(value)
    }
    return this.#cleaned
  }
}

/**
 * Cuts a value to 200 characters and escapes control characters and direction overrides, so a logged
 * value can neither forge a line, nor send terminal escapes, nor reorder what is shown. Used for every
 * field of an event and of the dev server's log.
 */
export function cleanText(value: string): string {
  const cut = value.length > MAX_FIELD ? `${value.slice(0, MAX_FIELD)}…` : value
  // Most values are plain: one test, and no copy, for them.
  return UNSAFE_CHARACTER.test(cut)
    ? cut.replace(UNSAFE_CHARACTERS, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : cut
}

/** Control characters and direction overrides: what {@link cleanText} escapes. */
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/
const UNSAFE_CHARACTERS = new RegExp(UNSAFE_CHARACTER.source, 'g')

function cleanOptional(value: string | undefined): string | undefined {
  return value === undefined ? undefined : cleanText(value)
}
