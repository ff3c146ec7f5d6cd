/**
 * The drain behind `serve`'s graceful shutdown, on a real `node:http` server: a request in flight is
 * answered (with `Connection: close`), a request that arrives during the drain gets 503 with
 * `Connection: close`, and a request that never finishes is cut at the bound and reported as abandoned.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { Drain } from '../../src/cli/drain.ts'

interface Answer {
  readonly status: number
  readonly connection: string | undefined
  readonly body: string
}

/** One GET on its own connection; rejects when the connection is cut. */
function get(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** A server whose `/slow` requests wait until released (or forever), and the drain around it. */
async function start() {
  const waiting: ServerResponse[] = []
  const started: (() => void)[] = []
  const server = createServer()
  const drain = new Drain(server)
  server.on(
    'request',
    drain.listener((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/slow') {
        waiting.push(res)
        started.shift()?.()
        return
      }
      res.end('fast')
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const slowStarted = (): Promise<void> => new Promise((resolve) => started.push(resolve))
  return { server, drain, port, waiting, slowStarted }
}

describe('Drain', () => {
  it('answers the request in flight, refuses the next with 503, then closes', async () => {
    const { drain, port, waiting, slowStarted } = await start()
    expect(await get(port, '/fast')).toMatchObject({ status: 200, body: 'fast' })
    const begun = slowStarted()
    const slow = get(port, '/slow')
    await begun
    expect(drain.active).toBe(1)
    const drained = drain.drain(10_000)
    expect(drain.draining).toBe(true)
    const refused = await get(port, '/fast')
    expect(refused).toMatchObject({ status: 503, connection: 'close' })
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'temporarily_unavailable' })
    waiting[0]?.end('slow done')
    expect(await slow).toEqual({ status: 200, connection: 'close', body: 'slow done' })
    expect(await drained).toEqual({ drained: true, abandoned: 0 })
    await expect(get(port, '/fast')).rejects.toThrow()
  })

  it('cuts a request that outlives the bound and says so', async () => {
    const { drain, port, slowStarted } = await start()
    const begun = slowStarted()
    const slow = get(port, '/slow')
    await begun
    expect(await drain.drain(200)).toEqual({ drained: false, abandoned: 1 })
    await expect(slow).rejects.toThrow()
  })
})
