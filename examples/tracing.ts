/**
 * Tracing with OpenTelemetry: `npm run example -- tracing` (listens on $PORT, default 8080) prints a
 * span per request, per grant and per store call on the console. Try:
 *
 *   curl -u abc:xyz -d grant_type=client_credentials http://localhost:8080/token
 *
 * oauth2-stack publishes `node:diagnostics_channel` traces and depends on no tracing library; the bridge
 * in `shared/opentelemetry-tracing.ts` turns them into spans. Use your own exporter (OTLP, Jaeger, …)
 * in place of the console one.
 */
import { createServer } from 'node:http'
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { AuthorizationController } from 'oauth2-stack'
import { ClientCredentialsGrant } from 'oauth2-stack/grant'
import { openStore } from 'oauth2-stack/store/open'
import { nodeHandler } from 'oauth2-stack/web'
import { traceWithOpenTelemetry } from './shared/opentelemetry-tracing.ts'

const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] })
traceWithOpenTelemetry(provider.getTracer('oauth2-stack'))

// SQLite, so the store calls are traced too (the in-memory stores do no I/O and are not).
const { clientStore, tokenStore } = await openStore('sqlite::memory:', { migrate: true })
await clientStore.addClient({ clientId: 'abc', clientSecret: 'xyz', grantTypes: ['client_credentials'] })

const port = Number(process.env.PORT ?? 8080)
const controller = new AuthorizationController({
  issuer: `http://localhost:${port}`,
  accessTokenStore: tokenStore,
  authCodeStore: tokenStore,
  clientStore,
})
controller.addGrant(new ClientCredentialsGrant())
createServer(nodeHandler(controller)).listen(port)
