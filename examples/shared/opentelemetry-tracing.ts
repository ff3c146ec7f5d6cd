/**
 * Turns oauth2-stack's `node:diagnostics_channel` traces into OpenTelemetry spans: one span per request
 * (`oauth2-stack dispatch`), a child per token grant (`oauth2-stack grant <grant_type>`) and a child per
 * call to an out-of-process store (`oauth2-stack store <operation>`). No OpenTelemetry context manager is
 * needed: the parent span travels with the request through an `AsyncLocalStorage` bound to the channels'
 * `start` events.
 *
 * Used by `examples/tracing.ts` and by `test/tracing/opentelemetry.test.ts`.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { tracingChannel } from 'node:diagnostics_channel'
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api'
import { TRACE_CHANNELS, type DispatchTrace, type GrantTrace, type StoreTrace } from 'oauth2-stack'

/** The span a traced call runs in, for its children. */
const current = new AsyncLocalStorage<Span>()

/** Subscribes to the three channels; returns the function that unsubscribes. */
export function traceWithOpenTelemetry(tracer: Tracer): () => void {
  const spans = new WeakMap<object, Span>()
  const start = (name: string, kind: SpanKind, attributes: Record<string, string>): Span => {
    const parent = current.getStore()
    return tracer.startSpan(name, { kind, attributes }, parent === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, parent))
  }
  const unsubscribers = [
    bridge<DispatchTrace>(
      TRACE_CHANNELS.dispatch,
      spans,
      (context) =>
        start('oauth2-stack dispatch', SpanKind.SERVER, {
          'http.request.method': context.method,
          'url.path': context.path,
          'oauth2.request_id': context.requestId,
        }),
      (span, context) => {
        if (context.result !== undefined) {
          span.setAttribute('http.response.status_code', context.result.statusCode)
          if (context.result.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
        }
      },
    ),
    bridge<GrantTrace>(TRACE_CHANNELS.grant, spans, (context) =>
      start(`oauth2-stack grant ${context.grantType}`, SpanKind.INTERNAL, {
        'oauth2.grant_type': context.grantType,
        'oauth2.client_id': context.clientId,
      }),
    ),
    bridge<StoreTrace>(TRACE_CHANNELS.store, spans, (context) =>
      start(`oauth2-stack store ${context.operation}`, SpanKind.CLIENT, { 'oauth2.store.operation': context.operation }),
    ),
  ]
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe()
  }
}

/** Starts a span on `start` (and makes it current for the traced work), ends it on `asyncEnd` or `error`. */
function bridge<C extends { error?: unknown }>(
  name: string,
  spans: WeakMap<object, Span>,
  open: (context: C) => Span,
  close?: (span: Span, context: C) => void,
): () => void {
  const channel = tracingChannel<unknown, C>(name)
  // The span becomes the store's value while the traced function runs, and in its continuations.
  channel.start.bindStore(current, (context) => {
    const span = open(context)
    spans.set(context, span)
    return span
  })
  const handlers = {
    start: () => {},
    end: () => {},
    asyncStart: () => {},
    asyncEnd: (context: unknown) => {
      const span = spans.get(context as object)
      if (span === undefined) return
      close?.(span, context as C)
      span.end()
    },
    error: (context: unknown) => {
      const span = spans.get(context as object)
      const error = (context as C).error
      if (span === undefined) return
      span.recordException(error instanceof Error ? error : String(error))
      span.setStatus({ code: SpanStatusCode.ERROR })
    },
  }
  channel.subscribe(handlers)
  return () => {
    channel.unsubscribe(handlers)
    channel.start.unbindStore(current)
  }
}
