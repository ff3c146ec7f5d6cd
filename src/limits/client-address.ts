/**
 * The client's address, as the rate limits count it: the socket's by default, the `X-Forwarded-For`
 * entry written by the host's own proxies with `trustProxy`, or whatever the host's `clientAddress`
 * function says. IPv6 addresses count per /64 (one subscriber usually holds a whole /64); IPv4-mapped
 * IPv6 addresses count as the IPv4 address.
 *
 * Pure functions, no I/O. The socket's address comes from `events/client-address.ts`.
 *
 * @module
 */
import { ConfigurationError } from '../errors.ts'
import { socketAddressOf } from '../events/client-address.ts'
import type { Request } from '../web/request.ts'

/** The key of requests whose address cannot be known (the Fetch adapter without a `clientAddress` option). */
export const UNKNOWN_ADDRESS = 'unknown'

/**
 * A host's own way to tell the client's address (e.g. Deno's `info.remoteAddr`, Bun's
 * `server.requestIP`, Cloudflare's `CF-Connecting-IP`). `environ` is what the adapter passed to
 * `dispatch`. Return `undefined` when it is unknown.
 */
export type ClientAddressFunction<Env = unknown> = (environ: Env, request: Request) => string | undefined

/** How the controller finds the client's address; see the controller's options of the same names. */
export interface ClientAddressOptions<Env = unknown> {
  /**
   * How many proxies of your own stand in front of the server, each appending the address it saw to
   * `X-Forwarded-For`: the address is then the entry that many places from the right. Default none
   * (the header is ignored: anyone can send it).
   */
  readonly trustProxy?: number
  /** Replaces both the socket and `trustProxy`. */
  readonly clientAddress?: ClientAddressFunction<Env>
}

/**
 * The entry `hops` places from the right of an `X-Forwarded-For` value (1: the last, written by the proxy
 * next to the server), or its first entry when it is shorter; `undefined` without the header.
 */
export function forwardedAddress(header: string | undefined, hops: number): string | undefined {
  if (header === undefined) return undefined
  const entries = header
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  if (entries.length === 0) return undefined
  return entries[Math.max(0, entries.length - hops)]
}

/**
 * The form an address is counted under: IPv4 as is (also from an IPv4-mapped IPv6 address or with a
 * port), IPv6 as its /64 (`2001:db8:1:2::/64`), anything else (a host's own key) as given, and
 * {@link UNKNOWN_ADDRESS} for nothing.
 */
export function addressKey(address: string | undefined): string {
  const raw = address?.trim() ?? ''
  if (raw === '') return UNKNOWN_ADDRESS
  const ipv4 = IPV4_WITH_PORT.exec(raw)
  if (ipv4?.[1] !== undefined && isIpv4(ipv4[1])) return ipv4[1]
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(raw)
  const hextets = parseIpv6(bracketed?.[1] ?? raw)
  if (hextets === undefined) return raw
  // ::ffff:a.b.c.d is an IPv4 client on a dual-stack socket.
  if (hextets.slice(0, 5).every((part) => part === 0) && hextets[5] === 0xffff) {
    const [high = 0, low = 0] = hextets.slice(6)
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`
  }
  return `${hextets
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`
}

/**
 * A function giving the client's address of a request under the options, as it came (for the audit
 * events): the host's `clientAddress`, else the `X-Forwarded-For` entry of `trustProxy`, else the
 * socket's. Throws a `TypeError` for a `trustProxy` that is not a whole number from 1 to 10.
 */
export function clientAddressOf<Env>(options: ClientAddressOptions<Env>): (environ: Env, request: Request) => string | undefined {
  const custom = options.clientAddress
  if (custom !== undefined) return custom
  const hops = options.trustProxy
  if (hops === undefined) return (environ) => socketAddressOf(environ)
  if (!Number.isSafeInteger(hops) || hops < 1 || hops > 10)
    throw new ConfigurationError('trustProxy must be a whole number of proxies from 1 to 10')
  return (environ, request) => forwardedAddress(request.header('x-forwarded-for'), hops) ?? socketAddressOf(environ)
}

/** {@link clientAddressOf}, keyed as the rate limits count it (see {@link addressKey}). */
export function addressResolver<Env>(options: ClientAddressOptions<Env>): (environ: Env, request: Request) => string {
  const address = clientAddressOf(options)
  // The same few addresses come again and again (keep-alive connections, one proxy): each is parsed once.
  const keys = new Map<string, string>()
  return (environ, request) => {
    const raw = address(environ, request)
    if (raw === undefined || raw.length > MAX_CACHED_ADDRESS) return addressKey(raw)
    let key = keys.get(raw)
    if (key === undefined) {
      if (keys.size >= MAX_CACHED_ADDRESSES) keys.clear()
      key = addressKey(raw)
      keys.set(raw, key)
    }
    return key
  }
}

/** Addresses remembered with their key at most (cleared when full), and the longest one remembered. */
const MAX_CACHED_ADDRESSES = 1024
const MAX_CACHED_ADDRESS = 64

const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?$/

function isIpv4(text: string): boolean {
  return text.split('.').every((part) => Number(part) <= 255 && (part === '0' || !part.startsWith('0')))
}

/** The eight 16-bit groups of an IPv6 address (zone dropped, embedded IPv4 allowed), or `undefined`. */
function parseIpv6(text: string): number[] | undefined {
  const address = text.replace(/%.*$/, '').toLowerCase()
  if (!address.includes(':') || !/^[0-9a-f:.]+$/.test(address)) return undefined
  const halves = address.split('::')
  if (halves.length > 2) return undefined
  const groups = (half: string | undefined): number[] | undefined => {
    if (half === undefined || half === '') return []
    const parts: number[] = []
    const pieces = half.split(':')
    for (const [index, piece] of pieces.entries()) {
      if (piece.includes('.')) {
        // An embedded IPv4 address ends the address.
        if (index !== pieces.length - 1 || !/^\d{1,3}(\.\d{1,3}){3}$/.test(piece) || !isIpv4(piece)) return undefined
        const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number)
        parts.push((a << 8) | b, (c << 8) | d)
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(piece)) return undefined
        parts.push(parseInt(piece, 16))
      }
    }
    return parts
  }
  const head = groups(halves[0])
  const tail = groups(halves[1])
  if (head === undefined || tail === undefined) return undefined
  if (halves.length === 1) return head.length === 8 ? head : undefined
  const missing = 8 - head.length - tail.length
  if (missing < 1) return undefined
  return [...head, ...Array<number>(missing).fill(0), ...tail]
}
