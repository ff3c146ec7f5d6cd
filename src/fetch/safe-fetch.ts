/**
 * The fetcher for URLs a client supplied (Client ID Metadata Documents, back-channel logout URIs): safe
 * against server-side request forgery (RFC 9700 section 4.15; draft-ietf-oauth-client-id-metadata-document
 * section 6.2 "Server-Side Request Forgery").
 *
 * Its guarantees, each tested in test/unit/fetch/safe-fetch.test.ts:
 * - `https` only, no user name or password in the URL;
 * - the name is resolved once; every address it resolves to must be public (see `classifyAddress`), or
 *   the fetch is refused, and the connection goes to the very address that was checked (no second
 *   resolution a rebinding DNS server could answer differently); TLS still checks the certificate
 *   against the host name (SNI and `checkServerIdentity`);
 * - redirects are never followed: a 3xx is an error;
 * - at most `maxBytes` (default 5 KiB) of body, and one deadline of `timeoutMs` (default 5 s) over the
 *   whole exchange;
 * - no connection reuse, no proxy, no cookies, no decompression.
 *
 * It does not cache: its callers cache what they validated (see `MetadataDocumentClients`).
 *
 * @module
 */

import { lookup as dnsLookup } from 'node:dns/promises'
import type { IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import { classifyAddress, isFetchableAddress } from './addresses.ts'
import { SafeFetchError } from './errors.ts'
import type { SafeFetch, SafeFetchInit, SafeFetchResponse } from './types.ts'

/** An address a name resolved to, as `dns.lookup` with `all: true` gives it. */
export interface ResolvedAddress {
  readonly address: string
  /** 4 or 6. */
  readonly family: number
}

/** Resolves a host name to all its addresses (like `dns.promises.lookup(name, { all: true })`). */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>

/** Options of {@link createSafeFetch}. */
export interface SafeFetchOptions {
  /**
   * Development switch: allow loopback addresses (127.0.0.0/8, ::1), e.g. a client's metadata document
   * served from the developer's machine. Every other special-use address stays refused. Default `false`.
   */
  readonly allowLoopback?: boolean
  /** The largest body read, in bytes; a longer one is an error. Default 5120 (5 KiB). */
  readonly maxBytes?: number
  /** One deadline, in milliseconds, over resolution, connection, TLS and response. Default 5000. */
  readonly timeoutMs?: number
  /** The resolver. Default: `dns.promises.lookup(hostname, { all: true, verbatim: true })`. For tests. */
  readonly lookup?: Resolver
  /** Certificate authorities to trust instead of Node's bundle (PEM). For tests with a local server. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[]
  /** The `User-Agent` header. Default `oauth2-stack`. */
  readonly userAgent?: string
}

/** The body cap of {@link createSafeFetch} unless told otherwise: 5 KiB. */
export const DEFAULT_MAX_BYTES = 5120
/** The deadline of {@link createSafeFetch} unless told otherwise: 5 s. */
export const DEFAULT_TIMEOUT_MS = 5000

const defaultResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true })

/**
 * Makes a {@link SafeFetch}. Rejects with a `SafeFetchError` (see `SafeFetchErrorCode`) for every refusal
 * and failure; resolves with the status, lower-case headers and body of any non-3xx answer.
 *
 * @example
 * ```ts
 * import { createSafeFetch } from 'oauth2-stack'
 *
 * const fetch = createSafeFetch({ timeoutMs: 3000 })
 * const { status, body } = await fetch('https://client.example/oauth/metadata.json')
 * ```
 */
export function createSafeFetch(options: SafeFetchOptions = {}): SafeFetch {
  const allowLoopback = options.allowLoopback === true
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const resolve = options.lookup ?? defaultResolver
  const ca = options.ca as string | Buffer | (string | Buffer)[] | undefined
  const userAgent = options.userAgent ?? 'oauth2-stack'
  const permitted = (address: string): boolean => isFetchableAddress(address, allowLoopback)

  return (url: string, init: SafeFetchInit = {}): Promise<SafeFetchResponse> => {
    let target: URL
    try {
      target = new URL(url)
    } catch {
      return Promise.reject(new SafeFetchError('invalid_url', 'not an absolute URL'))
    }
    if (target.protocol !== 'https:')
      return Promise.reject(new SafeFetchError('invalid_url', `${target.host}: only https URLs are fetched`))
    if (target.username !== '' || target.password !== '') {
      return Promise.reject(new SafeFetchError('invalid_url', `${target.host}: a URL with a user name or password is not fetched`))
    }
    const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname
    return new Promise<SafeFetchResponse>((settle, fail) => {
      let done = false
      let abort: (() => void) | undefined
      const finish = (error: SafeFetchError | undefined, response?: SafeFetchResponse): void => {
        if (done) return
        done = true
        clearTimeout(timer)
        abort?.()
        if (error === undefined) settle(response as SafeFetchResponse)
        else fail(error)
      }
      const timer = setTimeout(
        () => finish(new SafeFetchError('timeout', `${target.host}: no complete answer within ${timeoutMs} ms`)),
        timeoutMs,
      )
      addressOf(host, target.host, resolve, permitted).then(
        (address) => {
          if (done) return
          try {
            abort = send(target, host, address, init, { ca, userAgent, maxBytes }, finish)
          } catch (error) {
            // E.g. a header value Node refuses: a failure of this request, not a hang until the deadline.
            finish(new SafeFetchError('network', `${target.host}: the request could not be sent`, { cause: error }))
          }
        },
        (error: unknown) => finish(error instanceof SafeFetchError ? error : new SafeFetchError('dns', `${target.host}: not resolved`)),
      )
    })
  }
}

/** The one address to connect to: the literal itself, or the first of the name's addresses when all are permitted. */
async function addressOf(
  host: string,
  label: string,
  resolve: Resolver,
  permitted: (address: string) => boolean,
): Promise<ResolvedAddress> {
  const literal = isIP(host)
  if (literal !== 0) {
    if (!permitted(host)) throw new SafeFetchError('forbidden_address', `${label}: ${classifyAddress(host)} addresses are not fetched`)
    return { address: host, family: literal }
  }
  let addresses: readonly ResolvedAddress[]
  try {
    addresses = await resolve(host)
  } catch (error) {
    throw new SafeFetchError('dns', `${label}: not resolved`, { cause: error })
  }
  if (addresses.length === 0) throw new SafeFetchError('dns', `${label}: not resolved`)
  // Every address, not only the first: a name that also points inward is refused whole.
  for (const { address } of addresses) {
    if (!permitted(address)) {
      throw new SafeFetchError('forbidden_address', `${label} resolves to a ${classifyAddress(address)} address, which is not fetched`)
    }
  }
  return addresses[0] as ResolvedAddress
}

interface SendOptions {
  readonly ca: string | Buffer | (string | Buffer)[] | undefined
  readonly userAgent: string
  readonly maxBytes: number
}

/** Sends the request to the checked address and reads the answer; returns how to abort it. */
function send(
  target: URL,
  host: string,
  address: ResolvedAddress,
  init: SafeFetchInit,
  options: SendOptions,
  finish: (error: SafeFetchError | undefined, response?: SafeFetchResponse) => void,
): () => void {
  const body = init.body === undefined ? undefined : Buffer.from(init.body, 'utf8')
  const headers: Record<string, string> = {
    'user-agent': options.userAgent,
    accept: 'application/json',
    ...init.headers,
    host: target.host,
  }
  if (body !== undefined) headers['content-length'] = String(body.length)
  const request = httpsRequest({
    host: address.address,
    family: address.family,
    port: target.port === '' ? 443 : Number(target.port),
    path: `${target.pathname}${target.search}`,
    method: init.method ?? 'GET',
    headers,
    // TLS to the checked address, the certificate checked against the URL's host name.
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    rejectUnauthorized: true,
    agent: false,
  })
  const network = (error: unknown): void => finish(new SafeFetchError('network', `${target.host}: the connection failed`, { cause: error }))
  request.on('error', network)
  request.on('response', (response: IncomingMessage) => read(target, response, options.maxBytes, finish))
  request.end(body)
  return () => request.destroy()
}

function read(
  target: URL,
  response: IncomingMessage,
  maxBytes: number,
  finish: (error: SafeFetchError | undefined, response?: SafeFetchResponse) => void,
): void {
  const status = response.statusCode ?? 0
  // No redirects: following one would reach a URL nobody checked.
  if (status >= 300 && status < 400) {
    finish(new SafeFetchError('redirect', `${target.host}: answered ${status}; redirects are not followed`))
    return
  }
  const tooLarge = (): void => finish(new SafeFetchError('too_large', `${target.host}: the answer is longer than ${maxBytes} bytes`))
  const declared = Number(response.headers['content-length'])
  if (declared > maxBytes) return tooLarge()
  const chunks: Buffer[] = []
  let length = 0
  response.on('data', (chunk: Buffer) => {
    length += chunk.length
    if (length > maxBytes) tooLarge()
    else chunks.push(chunk)
  })
  response.on('error', (error) => finish(new SafeFetchError('network', `${target.host}: the answer was cut off`, { cause: error })))
  response.on('aborted', () => finish(new SafeFetchError('network', `${target.host}: the answer was cut off`)))
  response.on('end', () => {
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
    }
    finish(undefined, { status, headers, body: Buffer.concat(chunks, length).toString('utf8') })
  })
}
