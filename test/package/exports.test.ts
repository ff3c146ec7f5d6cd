import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { exports: Record<string, unknown> }
const subpaths = Object.keys(pkg.exports).filter((key) => key !== './package.json')

/** Runs a snippet with the built package (npm test builds first), as a user's project would load it. */
function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
}

describe('package exports (dist, as published)', () => {
  it.each(subpaths)('import("oauth2-stack%s") resolves and exports something', (subpath) => {
    const specifier = `oauth2-stack${subpath.slice(1)}`
    const out = node(['--input-type=module', '-e', `const m = await import(${JSON.stringify(specifier)}); console.log(Object.keys(m).length)`])
    expect(Number(out.trim())).toBeGreaterThan(0)
  })

  it.each(subpaths)('require("oauth2-stack%s") works on Node >= 20.19 (require of ESM)', (subpath) => {
    const specifier = `oauth2-stack${subpath.slice(1)}`
    const out = node(['-e', `const m = require(${JSON.stringify(specifier)}); console.log(Object.keys(m).length)`])
    expect(Number(out.trim())).toBeGreaterThan(0)
  })

  it('the main entry exposes the controller and every subpath its seed names', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `const [a, g, s, t, w, e] = await Promise.all(['oauth2-stack', 'oauth2-stack/grant', 'oauth2-stack/store', 'oauth2-stack/tokengenerator', 'oauth2-stack/web', 'oauth2-stack/error'].map((m) => import(m)));
       console.log(JSON.stringify([typeof a.AuthorizationController, typeof g.AuthorizationCodeGrant, typeof g.ImplicitGrant, typeof g.ResourceOwnerGrant, typeof g.ClientCredentialsGrant, typeof g.RefreshToken, typeof g.Scope, typeof s.LocalClientStore, typeof s.LocalTokenStore, typeof t.Uuid4, typeof t.RandomTokenGenerator, typeof w.Request, typeof w.Response, typeof w.nodeHandler, typeof e.OAuthError, typeof e.UserNotAuthenticated, typeof e.InvalidGrant]))`,
    ])
    expect(JSON.parse(out)).toEqual(Array(17).fill('function'))
  })
})
