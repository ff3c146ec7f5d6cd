/**
 * Which IP addresses a URL a client supplied may reach: the public internet only. Everything RFC 6890
 * (and its IPv6 registry) marks special-use is refused, because from the server's own network those
 * addresses reach what the internet must not: the host itself, the private network, the cloud's
 * instance metadata service.
 *
 * @module
 */

import { BlockList, isIP } from 'node:net'

/**
 * What kind of address an IP is, by the registry range it falls in:
 * - `public`: may be fetched;
 * - `loopback`: 127.0.0.0/8, ::1 (allowed only by the fetcher's `allowLoopback` development switch);
 * - `unspecified`: 0.0.0.0/8 ("this network", which Linux routes to the host itself), ::;
 * - `private`: 10/8, 172.16/12, 192.168/16 (RFC 1918);
 * - `shared`: 100.64.0.0/10, carrier-grade NAT (RFC 6598);
 * - `link-local`: 169.254.0.0/16, fe80::/10;
 * - `metadata`: cloud instance metadata services (169.254.169.254, 100.100.100.200, 192.0.0.192,
 *   fd00:ec2::254), named apart because they are what SSRF attacks aim at;
 * - `unique-local`: fc00::/7 (RFC 4193);
 * - `ipv4-mapped`: ::ffff:0:0/96 and the other IPv6 forms that embed an IPv4 address (NAT64, 6to4,
 *   Teredo, IPv4-compatible), which can smuggle any of the IPv4 ranges above;
 * - `multicast`: 224.0.0.0/4, ff00::/8;
 * - `reserved`: everything else special-use: documentation, benchmarking, protocol assignments, 240/4,
 *   and IPv6 outside global unicast (2000::/3);
 * - `invalid`: not an IP address at all.
 */
export type AddressKind =
  | 'public'
  | 'loopback'
  | 'unspecified'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'metadata'
  | 'unique-local'
  | 'ipv4-mapped'
  | 'multicast'
  | 'reserved'
  | 'invalid'

type Range = readonly [kind: AddressKind, network: string, prefix: number]

// Instance metadata services: AWS, GCP and Azure (169.254.169.254), Alibaba (100.100.100.200), Oracle
// (192.0.0.192), AWS over IPv6 (fd00:ec2::254). Checked first, so their kind is `metadata`.
const METADATA: readonly Range[] = [
  ['metadata', '169.254.169.254', 32],
  ['metadata', '100.100.100.200', 32],
  ['metadata', '192.0.0.192', 32],
]
const METADATA_V6: readonly Range[] = [['metadata', 'fd00:ec2::254', 128]]

// RFC 6890 section 2.2.2 (IPv4 special-purpose registry), plus multicast and the reserved 240/4.
const IPV4: readonly Range[] = [
  ['unspecified', '0.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['shared', '100.64.0.0', 10],
  ['loopback', '127.0.0.0', 8],
  ['link-local', '169.254.0.0', 16],
  ['private', '172.16.0.0', 12],
  ['reserved', '192.0.0.0', 24],
  ['reserved', '192.0.2.0', 24],
  ['reserved', '192.88.99.0', 24],
  ['private', '192.168.0.0', 16],
  ['reserved', '198.18.0.0', 15],
  ['reserved', '198.51.100.0', 24],
  ['reserved', '203.0.113.0', 24],
  ['multicast', '224.0.0.0', 4],
  ['reserved', '240.0.0.0', 4],
]

// RFC 6890 section 2.2.3 (IPv6 special-purpose registry). Ranges that embed an IPv4 address are
// `ipv4-mapped`: what they reach depends on the embedded address and on translators we cannot see.
const IPV6: readonly Range[] = [
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['ipv4-mapped', '::ffff:0:0', 96],
  ['ipv4-mapped', '::', 96],
  ['ipv4-mapped', '64:ff9b::', 96],
  ['ipv4-mapped', '64:ff9b:1::', 48],
  ['ipv4-mapped', '2001::', 32],
  ['ipv4-mapped', '2002::', 16],
  ['reserved', '100::', 64],
  ['reserved', '2001::', 23],
  ['reserved', '2001:db8::', 32],
  ['reserved', '3fff::', 20],
  ['unique-local', 'fc00::', 7],
  ['link-local', 'fe80::', 10],
  ['multicast', 'ff00::', 8],
]

/** One `BlockList` per kind and family, built once at load: a check is a few comparisons. */
function lists(ranges: readonly Range[], family: 'ipv4' | 'ipv6'): readonly (readonly [AddressKind, BlockList])[] {
  const byKind = new Map<AddressKind, BlockList>()
  for (const [kind, network, prefix] of ranges) {
    let list = byKind.get(kind)
    if (list === undefined) byKind.set(kind, (list = new BlockList()))
    list.addSubnet(network, prefix, family)
  }
  return [...byKind]
}

const V4_LISTS = lists([...METADATA, ...IPV4], 'ipv4')
const V6_LISTS = lists([...METADATA_V6, ...IPV6], 'ipv6')
const GLOBAL_UNICAST = new BlockList()
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6')

/**
 * The kind of an IP address (IPv4 dotted quad or IPv6, with or without brackets); see {@link AddressKind}.
 *
 * @example
 * ```ts
 * import { classifyAddress } from 'oauth2-stack'
 *
 * classifyAddress('169.254.169.254') // 'metadata'
 * classifyAddress('::ffff:127.0.0.1') // 'ipv4-mapped'
 * classifyAddress('93.184.215.14') // 'public'
 * ```
 */
export function classifyAddress(address: string): AddressKind {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  // A zone index (fe80::1%eth0) names an interface of this host: never public.
  if (bare.includes('%')) return 'link-local'
  const family = isIP(bare)
  if (family === 4) return firstKind(V4_LISTS, bare, 'ipv4')
  if (family !== 6) return 'invalid'
  // Only IPv6 rules here, so an IPv4-mapped address is `ipv4-mapped`, never judged by its IPv4 part.
  const kind = firstKind(V6_LISTS, bare, 'ipv6')
  if (kind !== 'public') return kind
  // Everything outside global unicast is unassigned or special-use.
  return GLOBAL_UNICAST.check(bare, 'ipv6') ? 'public' : 'reserved'
}

function firstKind(byKind: readonly (readonly [AddressKind, BlockList])[], address: string, family: 'ipv4' | 'ipv6'): AddressKind {
  for (const [kind, list] of byKind) if (list.check(address, family)) return kind
  return 'public'
}

/**
 * Whether the fetcher may connect to `address`: only `public` ones, and `loopback` ones when
 * `allowLoopback` (a development switch) is on.
 */
export function isFetchableAddress(address: string, allowLoopback: boolean): boolean {
  const kind = classifyAddress(address)
  return kind === 'public' || (allowLoopback && kind === 'loopback')
}
