/**
 * The playground's browser script (src/cli/playground/browser, typed with the DOM library) is built into
 * the page two ways: `npm run build` compiles it into dist (what `npm start` and the package serve), and a
 * run from the sources transpiles it at first use. Both must give the same script, and it must parse.
 * The script's JWT reading (browser/jwt.ts, no library) is run here in a bare context against Node's own
 * base64url and the server's at_hash; the page's OpenID Connect configuration is read from the real demo
 * server. Its behaviour in Chromium is test/browser/demo.test.ts's.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createContext, Script } from 'node:vm'
import ts from 'typescript'
import { afterEach, describe, expect, it } from 'vitest'
import { startDemoServer, type DemoServer } from '../../src/cli/demo-server.ts'
import { playgroundScript } from '../../src/cli/playground/script.ts'
import { atHash } from '../../src/oidc/id-token.ts'

const built = new URL('../../dist/cli/playground/script.js', import.meta.url)

describe('the playground script', () => {
  it('built (npm run build) is the same as transpiled from the sources, one strict function that parses', async () => {
    const { playgroundScript: fromDist } = (await import(built.href)) as { playgroundScript: () => string }
    const script = playgroundScript()
    expect(fromDist()).toBe(script)
    expect(script).toMatch(/^\(function \(\) \{\n'use strict';\n/)
    expect(() => new Script(script)).not.toThrow()
    // Once, not per request.
    expect(playgroundScript()).toBe(script)
  })
})

/** What browser/jwt.ts (with the base64url encoder of browser/http.ts) defines, as the page's script sees it. */
interface JwtReading {
  b64urlDecode(text: string): Uint8Array | undefined
  decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string } | undefined
  atHashFor(alg: unknown, accessToken: string): Promise<string | undefined>
  claimNote(name: string): string
  claimDate(value: unknown): string | undefined
}

/** The two files transpiled as script.ts does, run in a context with only what a browser gives them. */
function loadJwtReading(): JwtReading {
  const source = ['http', 'jwt']
    .map((name) => {
      const file = new URL(`../../src/cli/playground/browser/${name}.ts`, import.meta.url)
      return ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { target: ts.ScriptTarget.ES2020 } }).outputText
    })
    .join('\n')
  const context = createContext({ atob, btoa, TextDecoder, TextEncoder, crypto: globalThis.crypto, Uint8Array })
  new Script(`${source}\nthis.reading = { b64urlDecode, decodeJwt, atHashFor, claimNote, claimDate }`).runInContext(context)
  return (context as { reading: JwtReading }).reading
}

const part = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')

describe('the playground reads a JWT without a library', () => {
  const reading = loadJwtReading()

  it('decodes base64url as Node does, at every length (no padding, - and _), and refuses what is not base64url', () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = randomBytes(length)
      expect(Buffer.from(reading.b64urlDecode(bytes.toString('base64url')) ?? []).equals(bytes), `length ${length}`).toBe(true)
    }
    expect(Buffer.from(reading.b64urlDecode('-_-_') ?? []).toString('hex')).toBe('fbffbf')
    for (const bad of ['a+b/', 'abc=', 'abcde', 'ab cd', 'ab.c']) expect(reading.b64urlDecode(bad), bad).toBeUndefined()
  })

  it('decodes a compact JWS into header and payload objects (UTF-8), and only a compact JWS', () => {
    const header = { alg: 'RS256', kid: 'k1' }
    const payload = { sub: 'demo', name: 'Zoë Ünïcode 🙂', aud: 'playground', exp: 1796473568, nested: { a: [1, 2] } }
    const signature = randomBytes(256).toString('base64url')
    const decoded = reading.decodeJwt(`${part(header)}.${part(payload)}.${signature}`)
    expect(JSON.parse(JSON.stringify(decoded))).toEqual({ header, payload, signature })
    const invalidUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url')
    for (const token of [
      `${part(header)}.${part(payload)}`,
      `${part(header)}.${part(payload)}.${signature}.x`,
      `${part(header)}.${part([1, 2])}.${signature}`,
      `${part(header)}.${part('text')}.${signature}`,
      `${part(header)}.${invalidUtf8}.${signature}`,
      `${part(header)}.${Buffer.from('{not json').toString('base64url')}.${signature}`,
      `${part(header)}.${part(payload)}.sig+nature`,
    ]) {
      expect(reading.decodeJwt(token), token).toBeUndefined()
    }
  })

  it('computes at_hash as the server does (OpenID Connect Core 1.0 section 3.1.3.6), and none for an unknown alg', async () => {
    for (let i = 0; i < 5; i++) {
      const token = randomBytes(32).toString('base64url')
      for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) expect(await reading.atHashFor(alg, token), alg).toBe(atHash(alg, token))
    }
    expect(await reading.atHashFor('none', 'x')).toBeUndefined()
    expect(await reading.atHashFor(undefined, 'x')).toBeUndefined()
  })

  it('explains every standard ID-token claim in one line, user claims by their scope; NumericDates as UTC', () => {
    const lines = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'sid'].map((name) => reading.claimNote(name))
    expect(new Set(lines).size).toBe(9)
    for (const line of lines) expect(line).toMatch(/^[A-Z][^\n]{20,140}\.$/)
    expect(reading.claimNote('email')).toBe('A claim about the user, released with the email scope.')
    expect(reading.claimNote('x-custom')).toBe('A claim about the user.')
    expect(reading.claimDate(1796473568)).toBe('2026-12-05 12:26:08 UTC')
    expect(reading.claimDate('1796473568')).toBeUndefined()
    expect(reading.claimDate(Number.NaN)).toBeUndefined()
  })
})

describe('the playground page offers OpenID Connect when the demo is an OpenID Provider', () => {
  const running: DemoServer[] = []
  afterEach(async () => {
    for (const server of running.splice(0)) await server.close()
  })

  /** The page's configuration JSON, as the browser script reads it. */
  async function pageConfig(server: DemoServer): Promise<Record<string, unknown>> {
    const html = await (await fetch(`${server.issuer}/playground`)).text()
    const json = /<script type="application\/json" id="playground-config">([^<]*)<\/script>/.exec(html)?.[1] ?? ''
    return JSON.parse(json) as Record<string, unknown>
  }

  it('names the UserInfo path and the jwks_uri of the discovery document, and the home page says so; none without openid', async () => {
    const provider = await startDemoServer({ port: 0 })
    running.push(provider)
    const discovery = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>
    const config = await pageConfig(provider)
    expect(config).toMatchObject({ userinfoPath: '/userinfo', jwksUri: discovery.jwks_uri })
    expect(`${provider.issuer}${String(config.userinfoPath)}`).toBe(discovery.userinfo_endpoint)
    const sentence = 'pick a grant, or an OpenID Connect sign-in with its ID token decoded, and step through'
    expect(await (await fetch(`${provider.issuer}/`)).text()).toContain(sentence)

    const plain = await startDemoServer({ port: 0, scopes: { profile: 'See your name', email: 'See your email address' } })
    running.push(plain)
    const without = await pageConfig(plain)
    expect(without.scopes).toEqual(['profile', 'email'])
    expect(without).not.toHaveProperty('userinfoPath')
    expect(without).not.toHaveProperty('jwksUri')
    expect(await (await fetch(`${plain.issuer}/`)).text()).toContain('pick a grant and step through')
  })
})
