/** The resource policy of RFC 8707: defaults, per-client lists, the `allowed` function, and narrowing. */
import { describe, expect, it } from 'vitest'
import { ConfigurationError, InvalidTarget } from '../../../src/errors.ts'
import { narrowResources, parseResources, ResourcePolicy } from '../../../src/grants/resource-binding.ts'
import { createClient } from '../../../src/stores/client-registration.ts'
import type { Client } from '../../../src/types.ts'

const client: Client = {
  clientId: 'c',
  clientSecretHash: undefined,
  redirectUris: [],
  grantTypes: ['*'],
  responseTypes: ['code'],
  tokenEndpointAuthMethods: ['none'],
  scopes: undefined,
  requirePkce: false,
  name: undefined,
}
const listed: Client = { ...client, resources: ['https://a.example', 'https://b.example/api'] }

describe('ResourcePolicy', () => {
  it('gives a request without resource the default, never every resource', () => {
    const policy = new ResourcePolicy({ default: 'https://MCP.example/' })
    expect(policy.authorize(client, [])).toEqual(['https://mcp.example'])
    expect(policy.direct(client, [])).toEqual(['https://mcp.example'])
  })

  it('without any configuration: no audience, and any resource is invalid_target', () => {
    const policy = new ResourcePolicy()
    expect(policy.authorize(client, [])).toBeUndefined()
    expect(() => policy.authorize(client, ['https://a.example'])).toThrow(InvalidTarget)
  })

  it('with only a default: the default (in any spelling) and nothing else', () => {
    const policy = new ResourcePolicy({ default: 'https://mcp.example' })
    expect(policy.authorize(client, ['HTTPS://mcp.example/'])).toEqual(['https://mcp.example'])
    expect(() => policy.authorize(client, ['https://other.example'])).toThrow(InvalidTarget)
  })

  it("checks a client's own list; direct grants get the whole list when they ask for nothing", () => {
    const policy = new ResourcePolicy({ default: 'https://mcp.example' })
    expect(policy.authorize(listed, ['https://b.example/api', 'https://a.example/'])).toEqual([
      'https://b.example/api',
      'https://a.example',
    ])
    expect(() => policy.authorize(listed, ['https://a.example', 'https://c.example'])).toThrow(/c\.example/)
    // The default is checked like a requested resource: not on this client's list.
    expect(() => policy.authorize(listed, [])).toThrow(InvalidTarget)
    expect(policy.direct(listed, [])).toEqual(listed.resources)
  })

  it('asks the allowed function with the canonical set, after the list', () => {
    const seen: (readonly string[])[] = []
    const policy = new ResourcePolicy({
      allowed: (_client, requested) => {
        seen.push(requested)
        return requested.every((resource) => resource.startsWith('https://a.'))
      },
    })
    expect(policy.authorize(client, ['https://A.example/', 'https://a.example'])).toEqual(['https://a.example'])
    expect(seen).toEqual([['https://a.example']])
    expect(() => policy.authorize(client, ['https://b.example'])).toThrow(InvalidTarget)
    expect(() => policy.authorize(listed, ['https://z.example'])).toThrow(InvalidTarget)
    expect(seen).toHaveLength(2)
  })

  it('refuses a malformed default at start-up', () => {
    expect(() => new ResourcePolicy({ default: 'mcp.example' })).toThrow(ConfigurationError)
    expect(() => new ResourcePolicy({ default: 'https://mcp.example/#x' })).toThrow(ConfigurationError)
  })
})

describe('parseResources and narrowResources (RFC 8707 section 2 and 2.2)', () => {
  it('refuses values that are no absolute URI without fragment', () => {
    for (const value of ['', '/relative', 'https://a.example/#f', 'not a uri']) expect(() => parseResources([value])).toThrow(InvalidTarget)
  })

  it('narrows to a subset of the bound set, keeps the whole set without resource, refuses anything else', () => {
    const bound = ['https://a.example', 'https://b.example/api']
    expect(narrowResources(bound, [])).toBe(bound)
    expect(narrowResources(bound, ['https://A.example/'])).toEqual(['https://a.example'])
    expect(() => narrowResources(bound, ['https://c.example'])).toThrow(InvalidTarget)
    expect(() => narrowResources(undefined, ['https://a.example'])).toThrow(InvalidTarget)
    expect(narrowResources(undefined, [])).toBeUndefined()
  })
})

describe("a client's resource list at registration", () => {
  it('is kept in canonical form; a value that is no resource URI is refused', async () => {
    const client = await createClient({ clientId: 'listed', resources: ['https://API.example.com/', 'urn:example:x'] })
    expect(client.resources).toEqual(['https://api.example.com', 'urn:example:x'])
    expect((await createClient({ clientId: 'plain' })).resources).toBeUndefined()
    await expect(createClient({ clientId: 'bad', resources: ['https://api.example.com/#f'] })).rejects.toThrow(ConfigurationError)
  })
})
