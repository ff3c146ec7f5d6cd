/**
 * The demo server (`npm start`) opens dynamic client registration (RFC 7591) on loopback, limited per
 * address, and lists it in its metadata; the registered client signs in with the demo's form.
 */
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer, type DemoServer } from '../../src/cli/demo-server.ts'

let demo: DemoServer
beforeAll(async () => {
  demo = await startDemoServer({ port: 0 })
})
afterAll(() => demo.close())

const register = (body: unknown): Promise<Response> =>
  fetch(`${demo.issuer}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('npm start: /register', () => {
  it('is listed in the metadata', async () => {
    const metadata = (await (await fetch(`${demo.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>
    expect(metadata.registration_endpoint).toBe(`${demo.issuer}/register`)
  })

  it('registers a public loopback client that reaches the login page; the 21st registration within the hour is refused', async () => {
    const redirect = 'http://127.0.0.1:6276/oauth/callback'
    const statuses: number[] = []
    let clientId = ''
    for (let i = 0; i < 21; i++) {
      const answer = await register({ redirect_uris: [redirect], token_endpoint_auth_method: 'none', client_name: 'MCP Inspector' })
      statuses.push(answer.status)
      if (answer.status === 201) clientId = ((await answer.json()) as { client_id: string }).client_id
    }
    expect(statuses).toEqual([...Array<number>(20).fill(201), 429])
    const page = await fetch(
      `${demo.issuer}/authorize?${String(new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirect, code_challenge: 'c'.repeat(43), code_challenge_method: 'S256' }))}`,
    )
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('MCP Inspector')
  })
})

describe('the server bound off loopback: /register closed', () => {
  it('neither lists nor answers /register', async () => {
    // Without the demo credentials (they are public), on every interface: no open registration.
    // Behind a proxy: an https issuer, reached here at the listening port.
    const exposed = await startDemoServer({ port: 0, host: '0.0.0.0', issuer: 'https://auth.example', demo: false })
    try {
      const base = `http://127.0.0.1:${(exposed.server.address() as AddressInfo).port}`
      const metadata = (await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>
      expect(metadata.token_endpoint).toBe(`${exposed.issuer}/token`)
      expect(metadata).not.toHaveProperty('registration_endpoint')
      const answer = await fetch(`${base}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:6276/oauth/callback'], token_endpoint_auth_method: 'none' }),
      })
      expect(answer.status).toBe(404)
    } finally {
      await exposed.close()
    }
  })
})
