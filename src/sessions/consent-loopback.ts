import type { Client } from '../types.ts'

/** Host names that name the machine itself (RFC 6761 section 6.3, RFC 8252 section 7.3). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Whether every redirect URI of `client` points at the user's own machine (`localhost`, `*.localhost`,
 * `127.0.0.0/8`, `[::1]`). Anyone can publish or register such a client under any name, and whoever runs
 * it receives the code: for self-registered and metadata-document clients, remembered consent never
 * skips the consent page, `prompt=none` included (MCP security considerations for client ID metadata
 * documents; OAuth 2.1 section 7.9, consent phishing).
 */
export function redirectsOnlyToLoopback(client: Client): boolean {
  if (client.redirectUris.length === 0) return false
  return client.redirectUris.every((uri) => {
    let host: string
    try {
      host = new URL(uri).hostname.toLowerCase()
    } catch {
      return false
    }
    return LOOPBACK_HOSTS.has(host) || host.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  })
}
