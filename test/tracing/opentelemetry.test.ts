/**
 * The diagnostics_channel traces become OpenTelemetry spans through the example's bridge
 * (`examples/shared/opentelemetry-tracing.ts`) and the OpenTelemetry SDK's in-memory exporter: a token
 * request over real HTTP on a SQLite store is a dispatch span with a grant span and store spans under it,
 * a refused request is a dispatch span with its status, no span carries a secret, and once nobody
 * subscribes the channels report no subscribers (tracing costs nothing).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SpanKind } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { traceWithOpenTelemetry } from '../../examples/shared/opentelemetry-tracing.ts'
import { ClientCredentialsGrant, Scope } from '../../src/grants/index.ts'
import { AuthorizationController } from '../../src/index.ts'
import { openStore, type OpenedStore } from '../../src/stores/from-url.ts'
import { tracesDispatch, tracesGrants, tracesStores } from '../../src/tracing/channels.ts'
import { nodeHandler } from '../../src/web/index.ts'

const SECRET = 'tracing-secret-0123456789-abcdefghijklmnopqrstuvwx'
const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
let unsubscribe: () => void
let opened: OpenedStore
let server: Server
let url = ''

beforeAll(async () => {
  opened = await openStore('sqlite::memory:', { migrate: true })
  await opened.clientStore.addClient({ clientId: 'svc', clientSecret: SECRET, grantTypes: ['client_credentials'] })
  const controller = new AuthorizationController({
    issuer: 'http://127.0.0.1',
    accessTokenStore: opened.tokenStore,
    authCodeStore: opened.tokenStore,
    clientStore: opened.clientStore,
    scope: new Scope({ available: ['read'], default: ['read'] }),
    onError: () => {},
  })
  controller.addGrant(new ClientCredentialsGrant())
  server = createServer(nodeHandler(controller))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`
  unsubscribe = traceWithOpenTelemetry(provider.getTracer('oauth2-stack-test'))
})

afterAll(async () => {
  unsubscribe()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await opened.close()
  await provider.shutdown()
})

const token = (secret: string): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`svc:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      'x-request-id': 'trace-me-1',
    },
    body: 'grant_type=client_credentials&scope=read',
  })

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId

describe('diagnostics_channel traces as OpenTelemetry spans', () => {
  it('a token request: dispatch span, grant span under it, store spans under them', async () => {
    exporter.reset()
    const answer = await token(SECRET)
    expect(answer.status).toBe(200)
    const body = (await answer.json()) as { access_token: string }
    await expect.poll(() => exporter.getFinishedSpans().some((span) => span.name === 'oauth2-stack dispatch')).toBe(true)
    const spans = exporter.getFinishedSpans()
    const dispatch = spans.find((span) => span.name === 'oauth2-stack dispatch')
    const grant = spans.find((span) => span.name === 'oauth2-stack grant client_credentials')
    const fetchClient = spans.find((span) => span.name === 'oauth2-stack store clientStore.fetchByClientId')
    const save = spans.find((span) => span.name === 'oauth2-stack store accessTokenStore.saveToken')
    expect(dispatch?.kind).toBe(SpanKind.SERVER)
    expect(dispatch?.attributes).toEqual({
      'http.request.method': 'POST',
      'url.path': '/token',
      'oauth2.request_id': 'trace-me-1',
      'http.response.status_code': 200,
    })
    expect(grant?.attributes).toEqual({ 'oauth2.grant_type': 'client_credentials', 'oauth2.client_id': 'svc' })
    expect(fetchClient?.kind).toBe(SpanKind.CLIENT)
    // One trace; the client lookup happens before the grant runs, the save inside it.
    expect(new Set([dispatch, grant, fetchClient, save].map((span) => span?.spanContext().traceId)).size).toBe(1)
    expect(parentOf(dispatch as ReadableSpan)).toBeUndefined()
    expect(parentOf(grant as ReadableSpan)).toBe(dispatch?.spanContext().spanId)
    expect(parentOf(fetchClient as ReadableSpan)).toBe(dispatch?.spanContext().spanId)
    expect(parentOf(save as ReadableSpan)).toBe(grant?.spanContext().spanId)
    const everything = JSON.stringify(spans.map((span) => [span.name, span.attributes, span.events]))
    expect(everything).not.toContain(SECRET)
    expect(everything).not.toContain(body.access_token)
  })

  it('a refused request is a dispatch span with its status and no grant span', async () => {
    exporter.reset()
    expect((await token('wrong-secret')).status).toBe(401)
    await expect.poll(() => exporter.getFinishedSpans().some((span) => span.name === 'oauth2-stack dispatch')).toBe(true)
    const spans = exporter.getFinishedSpans()
    expect(spans.find((span) => span.name === 'oauth2-stack dispatch')?.attributes['http.response.status_code']).toBe(401)
    expect(spans.some((span) => span.name.startsWith('oauth2-stack grant'))).toBe(false)
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain('wrong-secret')
  })

  it('without subscribers the channels say so, and no span is made', async () => {
    expect([tracesDispatch(), tracesGrants(), tracesStores()]).toEqual([true, true, true])
    unsubscribe()
    unsubscribe = () => {}
    expect([tracesDispatch(), tracesGrants(), tracesStores()]).toEqual([false, false, false])
    exporter.reset()
    expect((await token(SECRET)).status).toBe(200)
    expect(exporter.getFinishedSpans()).toEqual([])
  })
})
