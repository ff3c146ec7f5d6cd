/**
 * The `--oidc` mode's own parts: the servers it measures, the signing-bound ceiling (what RS256 signing
 * alone allows a code exchange that returns an ID token), and the section of RESULTS-oidc.md that sets the
 * figures against it and against oidc-provider (issue 13: both scenarios at least 2× oidc-provider's).
 */
import { generateKeyPairSync, sign } from 'node:crypto'
import { CompactSign } from 'jose'
import type { Measurement, ServerSpec } from './harness.ts'

/** Our server in the mode: OpenID Connect on, opaque access tokens, ID tokens RS256 (bench/servers/oauth2-stack.ts). */
export const OIDC_OURS: ServerSpec = { name: 'oauth2-stack (node:http, OpenID Connect)', script: 'oauth2-stack.ts', args: ['--oidc'] }
/** The peer: oidc-provider with RS256 ID tokens and opaque access tokens, over its adapter of Maps. */
export const OIDC_PEER: ServerSpec = {
  name: 'oidc-provider (Map adapter, OpenID Connect)',
  script: 'oidc-provider.ts',
  args: ['--map-adapter', '--oidc'],
}

/** RS256 signatures per second on one core of this process, two ways. */
export interface SigningRate {
  /** `node:crypto` `sign('sha256', …)` with a 2048-bit RSA key, synchronous: the least a signature costs. */
  readonly nodeCrypto: number
  /** jose `CompactSign` (WebCrypto), awaited one by one: how `KeySet` (and oidc-provider) sign. */
  readonly jose: number
}

/** A JWS signing input of an ID token's size (header and payload as both servers make them). */
const signingInput = (): string => {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'x'.repeat(43) })).toString('base64url')
  const payload = {
    iss: 'http://127.0.0.1',
    sub: 'bench',
    aud: 'bench-client',
    exp: 1_900_003_600,
    iat: 1_900_000_000,
    auth_time: 1_900_000_000,
    nonce: 'bench-nonce-0123456789',
    at_hash: 'x'.repeat(22),
  }
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
}

/** Runs `once` for `seconds` after a warm-up of 50 calls, and gives calls per second. */
async function rate(seconds: number, once: () => unknown): Promise<number> {
  for (let index = 0; index < 50; index++) await once()
  const started = process.hrtime.bigint()
  const until = started + BigInt(Math.round(seconds * 1e9))
  let count = 0
  let now = started
  while (now < until) {
    await once()
    count++
    now = process.hrtime.bigint()
  }
  return count / (Number(now - started) / 1e9)
}

/**
 * Measures RS256 signing with a fresh 2048-bit RSA key in this process (one core: the bench process is
 * pinned to CPU 0, as each server is to CPU 1), `seconds` each way. Every exchange that returns an ID token
 * signs once, so the faster of the two rates bounds the exchanges per second a one-core server can make.
 */
export async function measureSigning(seconds = 2): Promise<SigningRate> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const input = signingInput()
  const data = Buffer.from(input)
  const nodeCrypto = await rate(seconds, () => sign('sha256', data, privateKey))
  const [header, payload] = input.split('.') as [string, string]
  const protectedHeader = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string }
  const bytes = Buffer.from(payload, 'base64url')
  const jose = await rate(seconds, () => new CompactSign(bytes).setProtectedHeader(protectedHeader).sign(privateKey))
  return { nodeCrypto, jose }
}

/**
 * The section of RESULTS-oidc.md after the table: the signing-bound ceiling, each server's exchanges as a
 * share of it, and each scenario of ours against oidc-provider's (issue 13 asks for at least 2×).
 */
export function oidcSection(signing: SigningRate, results: readonly Measurement[], exchange: string, userinfo: string): string[] {
  const ceiling = Math.max(signing.nodeCrypto, signing.jose)
  const find = (scenario: string, server: string): Measurement | undefined =>
    results.find((result) => result.scenario === scenario && result.server === server)
  const share = (server: string): string[] => {
    const measured = find(exchange, server)
    return measured === undefined
      ? []
      : [`| ${server} | ${measured.requestsPerSecond.toFixed(0)} | ${(measured.requestsPerSecond / ceiling).toFixed(2)} |`]
  }
  const versus = (scenario: string): string => {
    const ours = find(scenario, OIDC_OURS.name)
    const peer = find(scenario, OIDC_PEER.name)
    if (ours === undefined || peer === undefined) return `| ${scenario} | | | |`
    const ratio = ours.requestsPerSecond / peer.requestsPerSecond
    return `| ${scenario} | ${ours.requestsPerSecond.toFixed(0)} | ${peer.requestsPerSecond.toFixed(0)} | ${ratio.toFixed(2)} ${ratio >= 2 ? '(≥ 2: met)' : '(< 2: not met)'} |`
  }
  return [
    '## Signing-bound ceiling',
    '',
    `RS256 with a 2048-bit RSA key, measured in the bench process on one core: ${signing.nodeCrypto.toFixed(0)} signatures/s with node:crypto \`sign\` (${(1000 / signing.nodeCrypto).toFixed(3)} ms each), ${signing.jose.toFixed(0)}/s with jose \`CompactSign\` (${(1000 / signing.jose).toFixed(3)} ms each). Every exchange that returns an ID token signs once, and each server runs on one core, so:`,
    '',
    `**signing-bound ceiling: ${ceiling.toFixed(0)} exchanges/s** (UserInfo signs nothing: no such bound).`,
    '',
    '| server | exchanges/s | × signing-bound ceiling |',
    '| --- | ---: | ---: |',
    ...share(OIDC_OURS.name),
    ...share(OIDC_PEER.name),
    '',
    '## Against oidc-provider (issue 13: at least 2×)',
    '',
    'Same run, same access-token format (opaque on both), RS256 ID tokens on both.',
    '',
    '| scenario | oauth2-stack req/s | oidc-provider req/s | × oidc-provider |',
    '| --- | ---: | ---: | ---: |',
    versus(exchange),
    versus(userinfo),
    '',
  ]
}
