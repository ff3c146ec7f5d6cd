/**
 * Tracing through `node:diagnostics_channel` tracing channels, with no dependency: an APM agent or
 * OpenTelemetry subscribes to the channels and makes spans (see `examples/tracing-opentelemetry.ts`).
 *
 * Behind a runtime seam: the module is looked up with `process.getBuiltinModule`, so the Fetch entry
 * still loads where `node:diagnostics_channel` or `process` does not exist (tracing is then off). When
 * nobody subscribes, a traced call costs one property read (`hasSubscribers`).
 *
 * Channels (each is a tracing channel: `tracing:<name>:start`, `:end`, `:asyncStart`, `:asyncEnd`, `:error`):
 * - `oauth2-stack:dispatch` — one request through the controller; context {@link DispatchTrace}.
 * - `oauth2-stack:grant` — a token handler (`grant_type`) at work; context {@link GrantTrace}.
 * - `oauth2-stack:store` — one call to an out-of-process store (the in-memory stores are not traced:
 *   they do no I/O); context {@link StoreTrace}.
 *
 * The contexts hold names and ids only, never a secret, token, code or password.
 *
 * @module
 */

/** Context of an `oauth2-stack:dispatch` trace; `result` is the response once it is decided. */
export interface DispatchTrace {
  readonly method: string
  /** The endpoint's path relative to the controller (no query string). */
  readonly path: string
  /** The request's id (see `requestIdOf`). */
  readonly requestId: string
  /** Set by the channel: the controller's response (`statusCode`, `headers`). */
  result?: { readonly statusCode: number }
  /** Set by the channel when the work threw. */
  error?: unknown
}

/** Context of an `oauth2-stack:grant` trace. */
export interface GrantTrace {
  readonly grantType: string
  readonly clientId: string
  readonly requestId: string
  result?: unknown
  error?: unknown
}

/** Context of an `oauth2-stack:store` trace. */
export interface StoreTrace {
  /** The call, e.g. `accessTokenStore.saveToken`. */
  readonly operation: string
  result?: unknown
  error?: unknown
}

/** The part of a `TracingChannel` used here. */
interface Channel<C extends object> {
  readonly hasSubscribers: boolean
  tracePromise<T>(work: () => Promise<T>, context: C): Promise<T>
}

interface DiagnosticsChannelModule {
  tracingChannel?: <C extends object>(name: string) => Channel<C>
  channel?: (name: string) => { readonly hasSubscribers: boolean; publish(message: unknown): void }
}

/** The channel names, for subscribers. */
export const TRACE_CHANNELS = {
  dispatch: 'oauth2-stack:dispatch',
  grant: 'oauth2-stack:grant',
  store: 'oauth2-stack:store',
} as const

function loadModule(): DiagnosticsChannelModule | undefined {
  try {
    const host = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    return host?.getBuiltinModule?.('node:diagnostics_channel') as DiagnosticsChannelModule | undefined
  } catch {
    return undefined
  }
}

function channel<C extends object>(module: DiagnosticsChannelModule | undefined, name: string): Channel<C> | undefined {
  try {
    const made = module?.tracingChannel?.<C>(name)
    // Older runtimes have tracing channels without hasSubscribers: treat them as absent.
    return made !== undefined && typeof made.hasSubscribers === 'boolean' ? made : undefined
  } catch {
    return undefined
  }
}

const diagnostics = loadModule()
const dispatchChannel = channel<DispatchTrace>(diagnostics, TRACE_CHANNELS.dispatch)
const grantChannel = channel<GrantTrace>(diagnostics, TRACE_CHANNELS.grant)
const storeChannel = channel<StoreTrace>(diagnostics, TRACE_CHANNELS.store)

/** Whether anyone listens to dispatch traces (the controller then builds a context). */
export function tracesDispatch(): boolean {
  return dispatchChannel?.hasSubscribers === true
}

/** Whether anyone listens to grant traces. */
export function tracesGrants(): boolean {
  return grantChannel?.hasSubscribers === true
}

/** Whether anyone listens to store traces. */
export function tracesStores(): boolean {
  return storeChannel?.hasSubscribers === true
}

/** Runs `work` inside an `oauth2-stack:dispatch` trace (call only when {@link tracesDispatch}). */
export function traceDispatch<T>(context: DispatchTrace, work: () => Promise<T>): Promise<T> {
  return dispatchChannel === undefined ? work() : dispatchChannel.tracePromise(work, context)
}

/** Runs `work` inside an `oauth2-stack:grant` trace (call only when {@link tracesGrants}). */
export function traceGrant<T>(context: GrantTrace, work: () => Promise<T>): Promise<T> {
  return grantChannel === undefined ? work() : grantChannel.tracePromise(work, context)
}

/** Runs `work` inside an `oauth2-stack:store` trace (call only when {@link tracesStores}). */
export function traceStore<T>(context: StoreTrace, work: () => Promise<T>): Promise<T> {
  return storeChannel === undefined ? work() : storeChannel.tracePromise(work, context)
}

/**
 * The plain channel told of every client-secret check, with `{ algorithm: 'sha256' | 'scrypt' }` (never the
 * secret): what a check costs, for metrics and for tests that count hash work.
 */
export const SECRET_HASH_CHANNEL = 'oauth2-stack:client-secret-hash'
const secretHashChannel = ((): ReturnType<NonNullable<DiagnosticsChannelModule['channel']>> | undefined => {
  try {
    return diagnostics?.channel?.(SECRET_HASH_CHANNEL)
  } catch {
    return undefined
  }
})()

/** Tells {@link SECRET_HASH_CHANNEL} that a client secret is being checked with `algorithm`. */
export function publishSecretHash(algorithm: 'sha256' | 'scrypt'): void {
  if (secretHashChannel?.hasSubscribers === true) secretHashChannel.publish({ algorithm })
}
