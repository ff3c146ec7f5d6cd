/**
 * Builds audit events and hands them to `onEvent` once the response is decided: events of a request are
 * held until the controller has its response, then delivered on a later turn of the event loop, so the
 * handler can neither delay nor break the answer. What the handler throws or rejects with goes to the
 * logger.
 *
 * @module
 */
import type { Request } from '../web/request.ts'
import { safeLog, type Logger } from './logger.ts'
import { requestIdOf } from './request-id.ts'
import type { AuditEvent, AuditEventHandler, AuditEventInput } from './types.ts'

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
  readonly address: string | undefined
  /** Events waiting for the response; `undefined` once the response is decided. */
  pending: AuditEvent[] | undefined
}

/** Longest id or name copied into an event. */
const MAX_FIELD = 200

/** The controller's event pipe. One per controller, only when `onEvent` is set. */
export class AuditEvents<Env> {
  readonly #config: AuditEventsConfig<Env>
  readonly #records = new WeakMap<Request, RequestRecord>()
  /** Events decided and not yet handed to `onEvent`: one timer for all that a turn of the loop decides. */
  #queue: AuditEvent[] = []

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
    this.#records.set(request, { address: address === undefined ? undefined : cleanText(address), pending: [] })
  }

  /** The response of `request` is decided: delivers its events. */
  end(request: Request): void {
    const record = this.#records.get(request)
    if (record === undefined) return
    const pending = record.pending
    record.pending = undefined
    if (pending !== undefined && pending.length > 0) this.#deliver(pending)
  }

  /** Records an event of `request`; delivered after its response (at once if that is already decided). */
  emit(request: Request, input: AuditEventInput): void {
    const record = this.#records.get(request)
    const event = {
      ...input,
      requestId: requestIdOf(request),
      time: new Date(this.#config.clock()).toISOString(),
      clientId: cleanOptional(input.clientId),
      userId: cleanOptional(input.userId),
      address: record?.address,
    } as AuditEvent
    if (event.type === 'user.login_failed') Object.assign(event, { username: cleanOptional(event.username) })
    if (record?.pending !== undefined) record.pending.push(event)
    else this.#deliver([event])
  }

  #deliver(events: readonly AuditEvent[]): void {
    // A later turn: the adapter writes the response first, whatever onEvent does. One timer serves every
    // event queued before it fires (under load, many responses per turn), in the order they were decided.
    if (this.#queue.length === 0) setTimeout(() => this.#flush(), 0)
    for (const event of events) this.#queue.push(event)
  }

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
 * Cuts a value to 200 characters and escapes control characters and direction overrides, so a logged
 * value can neither forge a line, nor send terminal escapes, nor reorder what is shown. Used for every
 * field of an event and of the dev server's log.
 */
export function cleanText(value: string): string {
  const cut = value.length > MAX_FIELD ? `${value.slice(0, MAX_FIELD)}…` : value
  return cut.replace(
    /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

function cleanOptional(value: string | undefined): string | undefined {
  return value === undefined ? undefined : cleanText(value)
}
