/**
 * Finding 8 of the security review (issue 17): a client id or secret with a control character never
 * reaches the client store (a NUL fails PostgreSQL's query) and is refused as an unknown client is.
 */
import { describe, expect, it } from 'vitest'
import { hasControlCharacter, isClientIdSyntax, isClientSecretSyntax } from '../../../src/checks/identifier.ts'
import { authenticateClient } from '../../../src/client-auth/authenticate-client.ts'
import { InvalidClient } from '../../../src/errors.ts'
import { LocalClientStore } from '../../../src/stores/memory-client-store.ts'
import type { ClientStore } from '../../../src/stores/types.ts'
import type { Client } from '../../../src/types.ts'
import { Request } from '../../../src/web/request.ts'

const FORM = 'application/x-www-form-urlencoded'
const SECRET = 'a-generated-looking-secret-of-forty-three-ch'

/** A client store that records every id it is asked for. */
class CountingStore implements ClientStore {
  readonly asked: string[] = []
  readonly #inner: LocalClientStore
  constructor(inner: LocalClientStore) {
    this.#inner = inner
  }
  fetchByClientId(clientId: string): Promise<Client | undefined> {
    this.asked.push(clientId)
    return this.#inner.fetchByClientId(clientId)
  }
}

async function store(): Promise<CountingStore> {
  const inner = new LocalClientStore()
  await inner.addClient({ clientId: 'app', clientSecret: SECRET })
  await inner.addClient({ clientId: 'short', clientSecret: 'xyz' })
  await inner.addClient({ clientId: 'spa', redirectUris: ['https://spa.example/cb'] })
  return new CountingStore(inner)
}

const basic = (id: string, secret: string): Request =>
  new Request({
    method: 'POST',
    path: '/token',
    headers: { authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` },
  })
const post = (body: Record<string, string>): Request =>
  new Request({ method: 'POST', path: '/token', headers: { 'content-type': FORM }, body: new URLSearchParams(body).toString() })

async function refusal(request: Request, clients: ClientStore): Promise<unknown> {
  return authenticateClient(request, clients).then(
    () => undefined,
    (error: unknown) => error,
  )
}

describe('authenticateClient: control characters (RFC 6749 appendix A.1, A.2)', () => {
  it.each([
    ['a NUL in the id (Basic)', basic('app\0', SECRET)],
    ['a NUL as the id (Basic)', basic('\0', SECRET)],
    ['CR LF in the id (post)', post({ client_id: 'app\r\n', client_secret: SECRET })],
    ['ESC in a public id (none)', post({ client_id: '\u001b[2Jspa' })],
    ['a C1 CSI in the id', basic('app\u009b', SECRET)],
    ['a non-ASCII id, which no registration accepts', basic('äpp', SECRET)],
    ['a NUL after the right secret (Basic)', basic('app', `${SECRET}\0`)],
    ['a NUL after the right short secret (post)', post({ client_id: 'short', client_secret: 'xyz\0' })],
    ['DEL in the secret', basic('app', `${SECRET}\u007f`)],
  ])('%s: invalid_client as for an unknown client, and no store call', async (_why, request) => {
    const clients = await store()
    const error = await refusal(request, clients)
    expect(error).toBeInstanceOf(InvalidClient)
    expect((error as InvalidClient).description).toBe('Client authentication failed.')
    expect(clients.asked).toEqual([])
  })

  it('still asks the store for well-formed credentials, and accepts the right ones', async () => {
    const clients = await store()
    expect((await authenticateClient(basic('app', SECRET), clients)).clientId).toBe('app')
    expect((await authenticateClient(post({ client_id: 'short', client_secret: 'xyz' }), clients)).clientId).toBe('short')
    expect((await authenticateClient(post({ client_id: 'spa' }), clients)).clientId).toBe('spa')
    // An unknown client gets the same answer as a malformed one.
    expect(((await refusal(basic('nobody', SECRET), clients)) as InvalidClient).description).toBe('Client authentication failed.')
    expect(clients.asked).toEqual(['app', 'short', 'spa', 'nobody'])
  })
})

describe('checks/identifier.ts', () => {
  it('finds C0, DEL and C1 controls, and nothing else', () => {
    for (const c of ['\0', '\t', '\n', '\r', '\u001b', '\u007f', '\u0080', '\u009b', '\u009f'])
      expect(hasControlCharacter(`a${c}b`)).toBe(true)
    for (const text of ['', 'abc', 'é€😀', ' ~', '\u00a0']) expect(hasControlCharacter(text)).toBe(false)
  })

  it('accepts as client ids exactly the non-empty VSCHAR strings, and secrets without control characters', () => {
    expect(isClientIdSyntax('abc')).toBe(true)
    expect(isClientIdSyntax(' !~')).toBe(true)
    for (const id of ['', 'a\0', 'é', 'a\u007f']) expect(isClientIdSyntax(id)).toBe(false)
    expect(isClientSecretSyntax('pässwörd €')).toBe(true)
    expect(isClientSecretSyntax('xyz\0')).toBe(false)
  })
})
