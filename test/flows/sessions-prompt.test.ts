/**
 * OpenID Connect Core section 3.1.2.1 with the login/consent split, over real HTTP: `prompt=none` without
 * session or consent (`login_required`, `consent_required`, to the client with `state` and `iss`),
 * `prompt=none login` (`invalid_request`), `prompt=login|consent|select_account`, `max_age`, `login_hint`,
 * `id_token_hint`, repeated parameters; and the sign-in limits on the split login page.
 */
import { describe, expect, it } from 'vitest'
import { authorizeUrl, pkcePair } from '../helpers/browser.ts'
import { stageOf } from '../helpers/cookie-jar.ts'
import { ALICE, SECOND, SESSION_COOKIE, useSessionServer } from '../helpers/session-server.ts'
import { CONFIDENTIAL } from '../helpers/test-server.ts'

const h = useSessionServer()
const { url, authorize, params, codeRecord } = h

describe('OpenID Connect Core section 3.1.2.1: prompt, max_age, id_token_hint', () => {
  it('prompt=none without a session → login_required to the client with state and iss; no page', async () => {
    const result = await h.jar.fetch(url({ prompt: 'none' }))
    expect(result.status).toBe(302)
    expect(params(result).get('error')).toBe('login_required')
    expect(params(result).get('state')).toBe('st')
    expect(params(result).get('iss')).toBe(h.server.issuer)
  })

  it('prompt=none with a session but no consent for this client → consent_required', async () => {
    await authorize(url())
    const result = await h.jar.fetch(url({ prompt: 'none' }, SECOND))
    expect(params(result, SECOND.redirectUris[0]).get('error')).toBe('consent_required')
  })

  it('prompt=none with session and consent → the code, without any page', async () => {
    await authorize(url())
    const result = await h.jar.fetch(url({ prompt: 'none' }))
    expect(result.status).toBe(302)
    expect(params(result).get('code')).toBeTruthy()
  })

  it('prompt=none with prompt=consent asked alongside (prompt="none consent") → invalid_request', async () => {
    for (const prompt of ['none login', 'none consent', 'login none']) {
      const result = await h.jar.fetch(url({ prompt }))
      expect(params(result).get('error')).toBe('invalid_request')
    }
  })

  it('prompt=none with a bad redirect URI still gets the error page, never a redirect', async () => {
    const result = await h.jar.fetch(url({ prompt: 'none', redirect_uri: 'https://evil.example/cb' }))
    expect(result.status).toBe(400)
    expect(result.location).toBeUndefined()
  })

  it('unknown prompt values are ignored', async () => {
    await authorize(url())
    expect((await h.jar.fetch(url({ prompt: 'unheard-of' }))).status).toBe(302)
  })

  it('prompt=login shows the login page despite the session; after it the code carries the new auth_time', async () => {
    await authorize(url())
    h.server.clock.advance(600)
    const { result, pages } = await authorize(url({ prompt: 'login' }))
    expect(pages).toEqual(['login'])
    expect((await codeRecord(result))?.context?.authTime).toBe(h.server.clock.seconds)
  })

  it('prompt=select_account shows the login page with the prompt handed to the adapter', async () => {
    await authorize(url())
    const page = await h.jar.fetch(url({ prompt: 'select_account' }))
    expect(stageOf(page)).toBe('login')
    expect(h.adapter.rendered.at(-1)?.prompts).toEqual(['select_account'])
  })

  it('max_age: a session older than max_age asks for the login again; a younger one does not', async () => {
    await authorize(url())
    h.server.clock.advance(300)
    expect((await h.jar.fetch(url({ max_age: '600' }))).status).toBe(302)
    expect(stageOf(await h.jar.fetch(url({ max_age: '299' })))).toBe('login')
    const silent = await h.jar.fetch(url({ max_age: '299', prompt: 'none' }))
    expect(params(silent).get('error')).toBe('login_required')
    const { result } = await authorize(url({ max_age: '0' }))
    expect((await codeRecord(result))?.context?.authTime).toBe(h.server.clock.seconds)
  })

  it('max_age that is not a whole number of seconds → invalid_request to the client', async () => {
    for (const maxAge of ['-1', 'abc', '1.5', '']) {
      expect(params(await h.jar.fetch(url({ max_age: maxAge }))).get('error')).toBe('invalid_request')
    }
  })

  it('login_hint is handed to the login page', async () => {
    await h.jar.fetch(url({ login_hint: 'bob@example.com' }))
    expect(h.adapter.rendered.at(-1)?.loginHint).toBe('bob@example.com')
  })

  it('id_token_hint for another user than the session’s → login_required; for the same user → the code; not ours → invalid_request', async () => {
    await authorize(url())
    expect(params(await h.jar.fetch(url({ id_token_hint: 'hint-bob' }))).get('error')).toBe('login_required')
    expect(params(await h.jar.fetch(url({ id_token_hint: 'hint-alice', prompt: 'none' }))).get('code')).toBeTruthy()
    expect(params(await h.jar.fetch(url({ id_token_hint: 'forged' }))).get('error')).toBe('invalid_request')
  })

  it('repeated prompt or max_age → invalid_request', async () => {
    const target = authorizeUrl(h.server.url, [
      ['response_type', 'code'],
      ['client_id', CONFIDENTIAL.clientId],
      ['redirect_uri', CONFIDENTIAL.redirectUri],
      ['state', 'st'],
      ['prompt', 'none'],
      ['prompt', 'login'],
    ])
    expect(params(await h.jar.fetch(target)).get('error')).toBe('invalid_request')
  })

  it('a public client with PKCE works through the same session', async () => {
    await authorize(url())
    const { challenge } = pkcePair()
    const result = await authorize(
      url(
        { code_challenge: challenge, code_challenge_method: 'S256' },
        { clientId: 'public-app', redirectUris: ['https://spa.example/cb'] },
      ),
    )
    expect(result.pages).toEqual(['consent'])
  })
})

describe('the sign-in limits keep working on the split login page', () => {
  it('wrong passwords are counted; once locked, even the right password is refused with 429', async () => {
    const name = { username: 'alice', password: 'wrong' }
    let page = await h.jar.fetch(url())
    for (let attempt = 0; attempt < 3; attempt++) {
      page = await h.jar.submit(page, url(), { action: 'approve', ...name })
      expect(page.status).toBe(401)
    }
    const locked = await h.jar.submit(page, url(), { action: 'approve', ...ALICE })
    expect(locked.status).toBe(429)
    expect(h.jar.get(SESSION_COOKIE)).toBeUndefined()
    h.server.clock.advance(901)
  })
})
