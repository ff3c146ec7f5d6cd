/**
 * The address classifier of the SSRF-safe fetcher (issue 14): only public addresses are fetched; loopback
 * only under the development switch; everything RFC 6890 marks special-use never.
 */
import { describe, expect, it } from 'vitest'
import { classifyAddress, isFetchableAddress, type AddressKind } from '../../../src/fetch/addresses.ts'

describe('classifyAddress', () => {
  it.each<[string, AddressKind]>([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['192.0.0.192', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['fd00::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['::ffff:127.0.0.1', 'ipv4-mapped'],
    ['::ffff:7f00:1', 'ipv4-mapped'],
    ['::ffff:169.254.169.254', 'ipv4-mapped'],
    ['::ffff:8.8.8.8', 'ipv4-mapped'],
    ['::127.0.0.1', 'ipv4-mapped'],
    ['64:ff9b::a00:1', 'ipv4-mapped'],
    ['2002:a00:1::1', 'ipv4-mapped'],
    ['2001:0:4136:e378::1', 'ipv4-mapped'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['8.8.8.8', 'public'],
    ['100.63.255.255', 'public'],
    ['100.128.0.1', 'public'],
    ['172.32.0.1', 'public'],
    ['169.253.255.255', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['client.example', 'invalid'],
    ['', 'invalid'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind)
  })
})

describe('isFetchableAddress', () => {
  it('allows public addresses, and loopback only with the development switch', () => {
    expect(isFetchableAddress('8.8.8.8', false)).toBe(true)
    expect(isFetchableAddress('127.0.0.1', false)).toBe(false)
    expect(isFetchableAddress('::1', false)).toBe(false)
    expect(isFetchableAddress('127.0.0.1', true)).toBe(true)
    expect(isFetchableAddress('::1', true)).toBe(true)
  })

  it('keeps every other special-use address refused under the development switch', () => {
    for (const address of ['::ffff:127.0.0.1', '169.254.169.254', '10.0.0.1', '100.64.0.1', '0.0.0.0', 'fd00::1', 'fe80::1']) {
      expect(isFetchableAddress(address, true), address).toBe(false)
    }
  })
})
