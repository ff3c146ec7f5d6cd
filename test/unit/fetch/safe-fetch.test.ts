/**
 * The SSRF-safe fetcher (issue 14), against a local HTTPS server whose certificate only this test trusts:
 * https only, one resolution checked whole and connected to, no redirects, a body cap and a deadline.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { SafeFetchError, type SafeFetchErrorCode } from '../../../src/fetch/errors.ts'
import { createSafeFetch, DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS } from '../../../src/fetch/safe-fetch.ts'
import { DOCUMENT_SERVER_CA, fixedResolver, json, startDocumentServer, type DocumentServer } from '../../helpers/document-server.ts'

let server: DocumentServer
let base: string

beforeAll(async () => {
  server = await startDocumentServer()
  base = `https://client.example:${server.port}`
  server.route('/doc.json', json({ hello: 'world' }, { 'cache-control': 'max-age=60' }))
  server.route('/redirect', (_request, response) => response.writeHead(302, { location: 'https://169.254.169.254/' }).end())
  server.route('/big', (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('x'.repeat(6000)))
  server.route('/big-chunked', (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.write('x'.repeat(3000))
    response.end('x'.repeat(3000))
  })
  server.route('/exactly-5k', (_request, response) => response.writeHead(200).end('y'.repeat(5120)))
  server.route('/slow', (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.write('{') // and never the rest
  })
  server.route('/post', (request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => response.writeHead(200).end(`${request.headers['content-type'] ?? ''}|${body}`))
  })
})

afterAll(() => server.close())

/** A fetcher that reaches the local server under any name, as a development setup would. */
function localFetch(options: { timeoutMs?: number } = {}) {
  return createSafeFetch({ allowLoopback: true, ca: DOCUMENT_SERVER_CA, lookup: fixedResolver('127.0.0.1'), ...options })
}

async function failure(promise: Promise<unknown>): Promise<SafeFetchErrorCode> {
  const error: unknown = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(SafeFetchError)
  return (error as SafeFetchError).code
}

describe('createSafeFetch: what it fetches', () => {
  it('GETs a document over https, with the status, lower-case headers and body', async () => {
    const response = await localFetch()(`${base}/doc.json`)
    expect(response.status).toBe(200)
    expect(response.headers['cache-control']).toBe('max-age=60')
    expect(JSON.parse(response.body)).toEqual({ hello: 'world' })
    expect(server.requests.at(-1)).toBe(`GET /doc.json client.example:${server.port}`)
  })

  it('POSTs a form body (back-channel logout)', async () => {
    const response = await localFetch()(`${base}/post`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'logout_token=abc',
    })
    expect(response.body).toBe('application/x-www-form-urlencoded|logout_token=abc')
  })

  it('reads a body of exactly the cap', async () => {
    expect((await localFetch()(`${base}/exactly-5k`)).body).toHaveLength(5120)
  })

  it('resolves the name once and connects to the address it checked (no second resolution to rebind)', async () => {
    // client.example exists in no DNS: the request can only reach the server through the checked address.
    const lookup = fixedResolver('127.0.0.1')
    const fetch = createSafeFetch({ allowLoopback: true, ca: DOCUMENT_SERVER_CA, lookup })
    expect((await fetch(`${base}/doc.json`)).status).toBe(200)
    expect(lookup.calls).toEqual(['client.example'])
  })

  it('checks the certificate against the host name, not the address', async () => {
    const fetch = createSafeFetch({ allowLoopback: true, ca: DOCUMENT_SERVER_CA, lookup: fixedResolver('127.0.0.1') })
    // The certificate names client.example, not other.example.
    expect(await failure(fetch(`https://other.example:${server.port}/doc.json`))).toBe('network')
  })

  it('refuses a certificate it does not trust', async () => {
    const fetch = createSafeFetch({ allowLoopback: true, lookup: fixedResolver('127.0.0.1') })
    expect(await failure(fetch(`${base}/doc.json`))).toBe('network')
  })
})

describe('createSafeFetch: refusals', () => {
  it.each(['http://client.example/doc.json', 'ftp://client.example/doc.json', 'not a url', 'https://user:pw@client.example/doc.json'])(
    'refuses %s',
    async (url) => {
      expect(await failure(localFetch()(url))).toBe('invalid_url')
    },
  )

  it.each([
    'https://10.0.0.1/doc.json',
    'https://169.254.169.254/latest/meta-data/',
    'https://100.64.0.1/doc.json',
    'https://0.0.0.0/doc.json',
    'https://[fd00::1]/doc.json',
    'https://[::ffff:127.0.0.1]/doc.json',
    'https://[fe80::1]/doc.json',
  ])('refuses the address literal %s, even with loopback allowed', async (url) => {
    expect(await failure(localFetch()(url))).toBe('forbidden_address')
  })

  it('refuses loopback without the development switch', async () => {
    const fetch = createSafeFetch({ ca: DOCUMENT_SERVER_CA, lookup: fixedResolver('127.0.0.1') })
    expect(await failure(fetch(`${base}/doc.json`))).toBe('forbidden_address')
    expect(await failure(fetch(`https://127.0.0.1:${server.port}/doc.json`))).toBe('forbidden_address')
    expect(await failure(fetch(`https://[::1]:${server.port}/doc.json`))).toBe('forbidden_address')
  })

  it.each([['10.1.2.3'], ['169.254.169.254'], ['192.168.0.10'], ['::ffff:127.0.0.1'], ['fd12:3456::1']])(
    'refuses a name that resolves to %s',
    async (address) => {
      const fetch = createSafeFetch({ ca: DOCUMENT_SERVER_CA, lookup: fixedResolver(address) })
      expect(await failure(fetch(`${base}/doc.json`))).toBe('forbidden_address')
    },
  )

  it('refuses a name whose resolver answers a public address first and 127.0.0.1 second', async () => {
    const before = server.requests.length
    const fetch = createSafeFetch({ ca: DOCUMENT_SERVER_CA, lookup: fixedResolver('93.184.215.14', '127.0.0.1') })
    expect(await failure(fetch(`${base}/doc.json`))).toBe('forbidden_address')
    expect(server.requests.length).toBe(before)
  })

  it('refuses a name that does not resolve', async () => {
    const fetch = createSafeFetch({
      lookup: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })),
    })
    expect(await failure(fetch('https://nowhere.example/doc.json'))).toBe('dns')
    expect(await failure(createSafeFetch({ lookup: fixedResolver() })('https://nowhere.example/doc.json'))).toBe('dns')
  })

  it('fails at once, not at the deadline, on a request Node cannot send', async () => {
    const fetch = localFetch({ timeoutMs: 60_000 })
    expect(await failure(fetch(`${base}/doc.json`, { headers: { 'x-bad': 'line\nbreak' } }))).toBe('network')
  })

  it('does not follow a redirect', async () => {
    expect(await failure(localFetch()(`${base}/redirect`))).toBe('redirect')
  })

  it('refuses a body over 5 KiB, declared or streamed', async () => {
    expect(await failure(localFetch()(`${base}/big`))).toBe('too_large')
    expect(await failure(localFetch()(`${base}/big-chunked`))).toBe('too_large')
  })

  it('gives up on a slow answer at the deadline', async () => {
    expect(await failure(localFetch({ timeoutMs: 300 })(`${base}/slow`))).toBe('timeout')
  })

  it('has a deadline of 5 s and a cap of 5 KiB by default (the deadline on a fake clock)', async () => {
    expect(DEFAULT_TIMEOUT_MS).toBe(5000)
    expect(DEFAULT_MAX_BYTES).toBe(5120)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      // No timeoutMs: the default deadline, over a resolver that never answers.
      const fetch = createSafeFetch({ lookup: () => new Promise(() => {}) })
      let code: SafeFetchErrorCode | undefined
      const pending = failure(fetch('https://client.example/doc.json')).then((settled) => (code = settled))
      await vi.advanceTimersByTimeAsync(4999)
      expect(code).toBeUndefined()
      await vi.advanceTimersByTimeAsync(1)
      expect(await pending).toBe('timeout')
    } finally {
      vi.useRealTimers()
    }
  })

  it('gives up on a slow resolver at the deadline', async () => {
    const fetch = createSafeFetch({ timeoutMs: 100, lookup: () => new Promise(() => {}) })
    expect(await failure(fetch('https://client.example/doc.json'))).toBe('timeout')
  })
})
