/**
 * Client ID Metadata Documents (issue 14; draft-ietf-oauth-client-id-metadata-document): which client ids
 * are document URLs, what a document must say, and the documents of real MCP clients
 * (test/helpers/cimd-fixtures/README.md says where each comes from).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { clientDisplayOf } from '../../../src/clients/display.ts'
import { clientFromMetadataDocument, MetadataDocumentProblem, metadataDocumentUrlProblem } from '../../../src/clients/metadata-document.ts'
import { matchRedirectUri } from '../../../src/checks/redirect-uri.ts'

const fixture = (name: string): { url: string; text: string } => {
  const text = readFileSync(new URL(`../../helpers/cimd-fixtures/${name}.json`, import.meta.url), 'utf8')
  return { url: (JSON.parse(text) as { client_id: string }).client_id, text }
}
const URL_ = 'https://client.example/oauth/metadata.json'
const doc = (fields: Record<string, unknown>): string =>
  JSON.stringify({ client_id: URL_, client_name: 'Example', redirect_uris: ['https://client.example/cb'], ...fields })
const problemOf = (body: string, url: string = URL_): string => {
  try {
    clientFromMetadataDocument(url, body)
  } catch (error) {
    expect(error).toBeInstanceOf(MetadataDocumentProblem)
    return (error as Error).message
  }
  throw new Error('the document was accepted')
}

describe('metadataDocumentUrlProblem (draft section 3)', () => {
  it.each([
    'https://client.example/oauth/metadata.json',
    'https://client.example/c',
    'https://client.example:8443/oauth/metadata.json',
    'https://claude.ai/oauth/claude-code-client-metadata',
    'https://client.example/a.b/..c/d.',
  ])('accepts %s', (url) => {
    expect(metadataDocumentUrlProblem(url)).toBeUndefined()
  })

  it.each([
    ['http://client.example/metadata.json', 'https'],
    ['https://client.example', 'path'],
    ['https://client.example/', 'path'],
    ['https://client.example/metadata.json#x', 'fragment'],
    ['https://user@client.example/metadata.json', 'user name'],
    ['https://user:pw@client.example/metadata.json', 'user name'],
    ['https://client.example/a/./metadata.json', '"." or ".."'],
    ['https://client.example/a/../metadata.json', '"." or ".."'],
    ['https://client.example/a/%2E%2E/metadata.json', '"." or ".."'],
    ['https://client.example/a/..', '"." or ".."'],
    ['https://client.example/metadata.json?v=1', 'query'],
    ['https://Client.Example/metadata.json', 'canonical'],
    ['https://client.example/meta data.json', 'character'],
    ['public-app', 'https'],
  ])('refuses %s', (url, reason) => {
    expect(metadataDocumentUrlProblem(url)).toContain(reason)
  })
})

describe('clientFromMetadataDocument', () => {
  it('makes a public, PKCE-bound client of a minimal document', () => {
    const client = clientFromMetadataDocument(URL_, JSON.stringify({ client_id: URL_, redirect_uris: ['https://client.example/cb'] }))
    expect(client).toMatchObject({
      clientId: URL_,
      clientSecretHash: undefined,
      redirectUris: ['https://client.example/cb'],
      grantTypes: ['authorization_code'],
      responseTypes: ['code'],
      tokenEndpointAuthMethods: ['none'],
      scopes: undefined,
      requirePkce: true,
      name: undefined,
      source: 'metadata-document',
    })
    expect(Object.isFrozen(client)).toBe(true)
  })

  it('keeps the scope, name, logo and home page', () => {
    const client = clientFromMetadataDocument(
      URL_,
      doc({ scope: 'read  write', logo_uri: 'https://client.example/logo.png', client_uri: 'https://client.example/' }),
    )
    expect(client.scopes).toEqual(['read', 'write'])
    expect(client.name).toBe('Example')
    expect(client.logoUri).toBe('https://client.example/logo.png')
    expect(client.clientUri).toBe('https://client.example/')
  })

  it('drops a logo or home page that is not an https URL', () => {
    const client = clientFromMetadataDocument(URL_, doc({ logo_uri: 'javascript:alert(1)', client_uri: 'http://client.example/' }))
    expect(client.logoUri).toBeUndefined()
    expect(client.clientUri).toBeUndefined()
  })

  it('keeps only the grant and response types a metadata-document client may use', () => {
    const client = clientFromMetadataDocument(
      URL_,
      doc({ grant_types: ['authorization_code', 'password', 'client_credentials', 'implicit'], response_types: ['code', 'token'] }),
    )
    expect(client.grantTypes).toEqual(['authorization_code'])
    expect(client.responseTypes).toEqual(['code'])
  })

  it.each<[string, string]>([
    ['not json', 'is not JSON'],
    ['[]', 'is not a JSON object'],
    ['null', 'is not a JSON object'],
    [JSON.stringify({ client_id: 'https://other.example/oauth/metadata.json', redirect_uris: ['https://client.example/cb'] }), 'client_id'],
    [JSON.stringify({ client_id: `${URL_}/`, redirect_uris: ['https://client.example/cb'] }), 'client_id'],
    [JSON.stringify({ redirect_uris: ['https://client.example/cb'] }), 'client_id'],
    [doc({ client_secret: 's3cret' }), 'client_secret'],
    [doc({ client_secret_expires_at: 0 }), 'client_secret'],
    [doc({ token_endpoint_auth_method: 'client_secret_basic' }), 'shared-secret'],
    [doc({ token_endpoint_auth_method: 'client_secret_post' }), 'shared-secret'],
    [doc({ token_endpoint_auth_method: 'client_secret_jwt' }), 'shared-secret'],
    [doc({ token_endpoint_auth_method: 'private_key_jwt' }), 'private_key_jwt, which this server does not support'],
    [doc({ token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_methods_supported: ['private_key_jwt'] }), 'private_key_jwt'],
    [doc({ token_endpoint_auth_method: 'tls_client_auth' }), 'tls_client_auth'],
    [doc({ redirect_uris: [] }), 'no redirect_uris'],
    [doc({ redirect_uris: 'https://client.example/cb' }), 'redirect_uris'],
    [doc({ redirect_uris: ['http://client.example/cb'] }), 'http on a host that is not loopback'],
    [doc({ redirect_uris: ['https://client.example/cb#frag'] }), 'fragment'],
    [doc({ redirect_uris: ['https://client.example\\@evil.example/cb'] }), 'character'],
    [doc({ grant_types: 'authorization_code' }), 'grant_types'],
    [doc({ scope: ['read'] }), 'scope'],
    [doc({ client_name: 42 }), 'client_name'],
  ])('refuses %s', (body, reason) => {
    expect(problemOf(body)).toContain(reason)
  })
})

describe('the documents of real MCP clients', () => {
  it('Claude Code: portless loopback URIs match the ephemeral port it sends (RFC 8252 section 7.3)', () => {
    const { url, text } = fixture('claude-code')
    const client = clientFromMetadataDocument(url, text)
    expect(client.name).toBe('Claude Code')
    expect(matchRedirectUri(client.redirectUris, 'http://localhost:54321/callback')).toBe('http://localhost:54321/callback')
    expect(matchRedirectUri(client.redirectUris, 'http://127.0.0.1:8080/callback')).toBe('http://127.0.0.1:8080/callback')
    expect(matchRedirectUri(client.redirectUris, 'http://localhost:54321/other')).toBeUndefined()
    expect(matchRedirectUri(client.redirectUris, 'https://localhost:54321/callback')).toBeUndefined()
    expect(clientDisplayOf(client)).toEqual({ host: 'claude.ai', nameVerified: false, localhostOnly: true })
  })

  it('VS Code: its fixed port, a fallback port, and the web redirect', () => {
    const { url, text } = fixture('vscode')
    const client = clientFromMetadataDocument(url, text)
    expect(client.grantTypes).toEqual(['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'])
    expect(client.clientUri).toBe('https://vscode.dev/product')
    expect(matchRedirectUri(client.redirectUris, 'http://127.0.0.1:33418/')).toBe('http://127.0.0.1:33418/')
    expect(matchRedirectUri(client.redirectUris, 'http://127.0.0.1:50123/')).toBe('http://127.0.0.1:50123/')
    expect(matchRedirectUri(client.redirectUris, 'https://vscode.dev/redirect')).toBe('https://vscode.dev/redirect')
    expect(clientDisplayOf(client)).toEqual({ host: 'vscode.dev', nameVerified: false, localhostOnly: false })
  })

  it('ChatGPT: private_key_jwt with none offered is negotiated to none', () => {
    const { url, text } = fixture('chatgpt')
    const client = clientFromMetadataDocument(url, text)
    expect(client.tokenEndpointAuthMethods).toEqual(['none'])
    expect(client.logoUri).toBe('https://persistent.oaistatic.com/sonic/misc/openai-logo.png')
    expect(matchRedirectUri(client.redirectUris, 'https://chatgpt.com/connector_platform_oauth_redirect')).toBeDefined()
    expect(clientDisplayOf(client)?.localhostOnly).toBe(false)
  })

  it('ChatGPT without none among its methods is refused with a clear reason', () => {
    const { url, text } = fixture('chatgpt')
    const only = JSON.stringify({ ...(JSON.parse(text) as object), token_endpoint_auth_methods_supported: undefined })
    expect(problemOf(only, url)).toBe(
      'asks for token_endpoint_auth_method private_key_jwt, which this server does not support; a metadata-document client must use "none" with PKCE',
    )
  })

  it('MCP Inspector: both callbacks on localhost, so the consent page warns', () => {
    const { url, text } = fixture('mcp-inspector')
    const client = clientFromMetadataDocument(url, text)
    expect(matchRedirectUri(client.redirectUris, 'http://localhost:6274/oauth/callback')).toBeDefined()
    expect(matchRedirectUri(client.redirectUris, 'http://localhost:7000/oauth/callback/debug')).toBeDefined()
    expect(clientDisplayOf(client)).toEqual({ host: 'inspector.example', nameVerified: false, localhostOnly: true })
  })

  it('a registered client has no display hints', () => {
    expect(
      clientDisplayOf({
        clientId: 'app',
        clientSecretHash: undefined,
        redirectUris: ['http://localhost/cb'],
        grantTypes: [],
        responseTypes: [],
        tokenEndpointAuthMethods: ['none'],
        scopes: undefined,
        requirePkce: true,
        name: undefined,
      }),
    ).toBeUndefined()
  })
})
