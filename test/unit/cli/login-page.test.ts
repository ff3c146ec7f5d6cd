/**
 * The demo's consent page for a client known only by its metadata document (issue 14): the host shown
 * prominently, the name marked as the client's own claim, a warning when it can only return to localhost.
 */
import { describe, expect, it } from 'vitest'
import { clientDisplayOf } from '../../../src/clients/display.ts'
import { renderLoginPage } from '../../../src/cli/login-page.ts'
import type { Client } from '../../../src/types.ts'
import type { AuthorizationContext } from '../../../src/web/site-adapter.ts'

const documentClient = (redirectUris: string[], name: string | null = 'Claude <Code>'): Client => ({
  clientId: 'https://claude.ai/oauth/claude-code-client-metadata',
  clientSecretHash: undefined,
  redirectUris,
  grantTypes: ['authorization_code'],
  responseTypes: ['code'],
  tokenEndpointAuthMethods: ['none'],
  scopes: undefined,
  requirePkce: true,
  name: name ?? undefined,
  source: 'metadata-document',
})

const page = (client: Client): string => {
  const context: AuthorizationContext = {
    client,
    scopes: [],
    formAction: '/authorize?response_type=code',
    csrfField: 'csrf_token',
    csrfToken: 't',
    csrfInput: '<input type="hidden" name="csrf_token" value="t">',
    uiLocales: [],
    clientDisplay: clientDisplayOf(client),
  }
  return renderLoginPage({ context, scopeDescriptions: {}, error: undefined, username: undefined })
}

describe('the login page for a metadata-document client', () => {
  it('names the client by its host and marks its own name unverified', () => {
    const html = page(documentClient(['https://claude.ai/callback']))
    expect(html).toContain('<h1>Sign in to continue to <strong>claude.ai</strong></h1>')
    expect(html).toContain('It calls itself \u201cClaude &lt;Code&gt;\u201d; that name is not verified.')
    expect(html).not.toContain('class="warning"')
  })

  it('warns when every redirect URI is on localhost', () => {
    const html = page(documentClient(['http://localhost/callback', 'http://127.0.0.1/callback'], null))
    expect(html).toContain('only return you to an address on this computer (localhost)')
    expect(html).not.toContain('It calls itself')
  })

  it('shows a registered client by its name, without these notes', () => {
    const registered: Client = { ...documentClient(['http://localhost/cb'], 'Registered App'), clientId: 'app', source: undefined }
    const html = page(registered)
    expect(html).toContain('<strong>Registered App</strong>')
    expect(html).not.toContain('not verified')
    expect(html).not.toContain('class="warning"')
  })
})
