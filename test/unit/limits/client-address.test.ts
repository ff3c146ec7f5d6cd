import { describe, expect, it } from 'vitest'
import { addressKey, addressResolver, clientAddressOf, forwardedAddress, UNKNOWN_ADDRESS } from '../../../src/limits/client-address.ts'
import { Request } from '../../../src/web/request.ts'

const socket = (remoteAddress: string | undefined): { socket: { remoteAddress: string | undefined } } => ({ socket: { remoteAddress } })

describe('forwardedAddress: X-Forwarded-For behind trusted proxies', () => {
  it('takes the entry that many places from the right, so entries a client prepends are ignored', () => {
    expect(forwardedAddress('203.0.113.9', 1)).toBe('203.0.113.9')
    expect(forwardedAddress('6.6.6.6, 203.0.113.9', 1)).toBe('203.0.113.9')
    expect(forwardedAddress('6.6.6.6, 203.0.113.9, 10.0.0.2', 2)).toBe('203.0.113.9')
  })

  it('a shorter header gives its first entry; no header or an empty one gives nothing', () => {
    expect(forwardedAddress('203.0.113.9', 3)).toBe('203.0.113.9')
    expect(forwardedAddress(undefined, 1)).toBeUndefined()
    expect(forwardedAddress(' , ', 1)).toBeUndefined()
  })
})

describe('addressKey: the form an address is counted under', () => {
  it('IPv4 as is, with a port dropped; IPv4-mapped IPv6 as IPv4', () => {
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7')
    expect(addressKey('192.0.2.7:4711')).toBe('192.0.2.7')
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(addressKey('::FFFF:c000:0207')).toBe('192.0.2.7')
  })

  it('IPv6 per /64: every address of one /64 shares a key, the next /64 does not', () => {
    const key = addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')
    expect(key).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:0db8:0001:0002::1')).toBe(key)
    expect(addressKey('[2001:db8:1:2::99]:443')).toBe(key)
    expect(addressKey('2001:db8:1:2::1%eth0')).toBe(key)
    expect(addressKey('2001:db8:1:3::1')).not.toBe(key)
    expect(addressKey('::1')).toBe('0:0:0:0::/64')
    expect(addressKey('64:ff9b::192.0.2.7')).toBe('64:ff9b:0:0::/64')
  })

  it('nothing is unknown; what is not an IP address (a host key, garbage) is kept as given', () => {
    expect(addressKey(undefined)).toBe(UNKNOWN_ADDRESS)
    expect(addressKey('  ')).toBe(UNKNOWN_ADDRESS)
    expect(addressKey('tenant-7')).toBe('tenant-7')
    expect(addressKey('1:2:3:4:5:6:7:8:9')).toBe('1:2:3:4:5:6:7:8:9')
    expect(addressKey('1::2::3')).toBe('1::2::3')
    expect(addressKey('300.1.1.1')).toBe('300.1.1.1')
  })
})

describe('addressResolver', () => {
  const request = (xff?: string): Request =>
    new Request({ method: 'POST', path: '/token', headers: xff === undefined ? {} : { 'x-forwarded-for': xff } })
  const environ = { req: socket('10.0.0.2') }

  it('by default the socket, ignoring X-Forwarded-For (anyone can send it)', () => {
    expect(addressResolver({})(environ, request('6.6.6.6'))).toBe('10.0.0.2')
  })

  it('trustProxy: the forwarded entry, else the socket; out-of-range values are refused', () => {
    expect(addressResolver({ trustProxy: 1 })(environ, request('6.6.6.6, 203.0.113.9'))).toBe('203.0.113.9')
    expect(addressResolver({ trustProxy: 1 })(environ, request())).toBe('10.0.0.2')
    expect(() => addressResolver({ trustProxy: 0 })).toThrow(TypeError)
    expect(() => addressResolver({ trustProxy: 1.5 })).toThrow(TypeError)
  })

  it('each adapter environ gives its socket; the Fetch adapter none', () => {
    const request0 = request()
    expect(addressResolver({})({ request: { raw: socket('10.0.0.3') } }, request0)).toBe('10.0.0.3')
    expect(addressResolver({})({ ctx: { req: socket('10.0.0.4') } }, request0)).toBe('10.0.0.4')
    expect(addressResolver({})({ request: new globalThis.Request('http://localhost/') }, request0)).toBe(UNKNOWN_ADDRESS)
    expect(clientAddressOf({ trustProxy: 1 })(environ, request('6.6.6.6, 2001:db8::1'))).toBe('2001:db8::1')
  })

  it('clientAddress replaces both, and its answer is keyed like a socket address', () => {
    const resolve = addressResolver<{ ip: string }>({ trustProxy: 1, clientAddress: (env) => env.ip })
    expect(resolve({ ip: '2001:db8::5' }, request('6.6.6.6'))).toBe('2001:db8:0:0::/64')
  })
})
