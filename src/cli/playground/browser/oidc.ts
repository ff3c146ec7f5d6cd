// The OpenID Connect flow: the code flow with scope=openid and a nonce, the ID token decoded and checked
// claim by claim, and the UserInfo endpoint called with the access token (OpenID Connect Core 1.0).

/** The scopes the flow asks for: openid and the user claims' scopes the server has. */
function oidcScope(): string {
  return ['openid', 'profile', 'email'].filter((name) => config.scopes.includes(name)).join(' ')
}

/** The authorization request of the code flow, with the OpenID Connect scope and the nonce (Core 1.0 section 3.1.2.1). */
function oidcAuthorizeUrl(run: Run): string {
  const params = new URL(authorizeUrl(run), location.origin).searchParams
  params.set('scope', oidcScope())
  params.set('nonce', run.data.nonce ?? '')
  return config.authorizePath + '?' + params.toString()
}

/** A check the app makes on a claim: its name, whether it passed, and what it found. */
interface ClaimCheck {
  readonly ok: boolean
  readonly text: string
}

/** The checks of Core 1.0 section 3.1.3.7 the page can make without the keys, by claim (the signature is not one). */
function idTokenChecks(payload: Json, run: Run): Partial<Record<string, ClaimCheck>> {
  const aud = payload['aud']
  const exp = payload['exp']
  const audOk = aud === config.publicClientId || (Array.isArray(aud) && aud.includes(config.publicClientId))
  const expOk = typeof exp === 'number' && exp * 1000 > Date.now()
  const nonceOk = run.data.nonce !== undefined && payload['nonce'] === run.data.nonce
  const checks: Partial<Record<string, ClaimCheck>> = {
    iss:
      payload['iss'] === config.issuer
        ? { ok: true, text: 'the issuer the app asked' }
        : { ok: false, text: 'not the issuer the app asked' },
    aud: audOk
      ? { ok: true, text: 'names this app, ' + config.publicClientId }
      : { ok: false, text: 'does not name ' + config.publicClientId },
    exp: expOk ? { ok: true, text: 'not expired yet' } : { ok: false, text: 'expired: reject the token' },
    nonce: nonceOk
      ? { ok: true, text: 'matches the nonce the app sent' }
      : { ok: false, text: 'does not match the nonce the app sent (' + (run.data.nonce ?? 'none') + '): reject the token' },
  }
  if (run.data.atHash !== undefined) {
    checks['at_hash'] =
      payload['at_hash'] === run.data.atHash
        ? { ok: true, text: 'matches the access token' }
        : { ok: false, text: 'does not match the access token (' + run.data.atHash + ')' }
  }
  return checks
}

/** The claims as a list: each value (dates spelled out), its check, and one line on what it is. */
function claimList(claims: Json, checks: Partial<Record<string, ClaimCheck>>): HTMLElement {
  const dl = el('dl', { class: 'checks claims' })
  for (const [name, value] of Object.entries(claims)) {
    const check = checks[name]
    const date = ['exp', 'iat', 'auth_time', 'updated_at'].includes(name) ? claimDate(value) : undefined
    const shown = (typeof value === 'string' ? value : JSON.stringify(value)) + (date === undefined ? '' : ' = ' + date)
    dl.appendChild(el('dt', { text: name }))
    dl.appendChild(
      el('dd', { 'data-claim': name }, [
        check === undefined ? null : el('span', { class: check.ok ? 'ok' : 'bad', text: check.ok ? '\u2713 ' : '\u2717 ' }),
        shown + (check === undefined ? '' : ' \u2014 ' + check.text),
        el('span', { class: 'why', text: claimNote(name) }),
      ]),
    )
  }
  return dl
}

/** Says plainly that the page decodes without verifying, and where the keys are. */
function verifyNote(): HTMLElement {
  const jwks = config.jwksUri ?? ''
  return el('p', { class: 'note', id: 'verify-note' }, [
    el('strong', { text: 'This page only decodes the ID token; it does not verify it. ' }),
    'A relying party must verify the signature with the server\u2019s public key from jwks_uri (',
    el('a', { href: jwks, text: jwks }),
    '), the key named by the header\u2019s kid, with the alg it expects, before it trusts any claim (OpenID Connect Core 1.0 section 3.1.3.7).',
  ])
}

/** The ID token step's card: the note, then the header and payload as JSON and each claim explained. */
function renderIdToken(run: Run, item: HTMLElement): void {
  item.appendChild(verifyNote())
  if (run.results['id_token'] === undefined) return
  const decoded = decodeJwt(run.data.idToken ?? '')
  if (decoded === undefined) return
  item.appendChild(el('p', { class: 'label', text: 'Header' }))
  item.appendChild(el('pre', { class: 'jwt-header', text: JSON.stringify(decoded.header, null, 2) }))
  item.appendChild(el('p', { class: 'label', text: 'Payload' }))
  item.appendChild(el('pre', { class: 'jwt-payload', text: JSON.stringify(decoded.payload, null, 2) }))
  item.appendChild(el('p', { class: 'label', text: 'Claims' }))
  item.appendChild(claimList(decoded.payload, idTokenChecks(decoded.payload, run)))
  item.appendChild(el('p', { class: 'label', text: 'Signature' }))
  item.appendChild(el('pre', { class: 'jwt-signature', text: decoded.signature }))
}

/** The subject of the decoded ID token. */
function idTokenSub(run: Run): string | undefined {
  return field(decodeJwt(run.data.idToken ?? '')?.payload ?? null, 'sub')
}

/** The UserInfo step's card: the claims explained, sub checked against the ID token's (Core 1.0 section 5.3.2). */
function renderUserinfo(run: Run, item: HTMLElement): void {
  const json = run.results['userinfo']?.response?.json
  if (json === undefined || json === null) return
  const sub = idTokenSub(run)
  const subOk = sub !== undefined && json['sub'] === sub
  const check = subOk
    ? { ok: true, text: 'the same sub as the ID token' }
    : { ok: false, text: 'not the ID token\u2019s sub: ignore these claims' }
  item.appendChild(el('p', { class: 'label', text: 'Claims' }))
  item.appendChild(claimList(json, { sub: check }))
}

/** The OpenID Connect flow, offered when the server is an OpenID Provider (it has a UserInfo endpoint). */
function oidcFlow(): Flow {
  return {
    title: 'OpenID Connect',
    short: 'Sign in: an ID token says who the user is',
    summary:
      'The authorization-code flow with scope=openid (OpenID Connect Core 1.0 section 3.1): besides the access token, the app gets an ID token, a signed JWT saying who signed in, when, and for which app. A nonce ties it to this sign-in. The access token then reads the user\u2019s claims from the UserInfo endpoint.',
    actors: ['user', 'client', 'server'],
    offered: config.userinfoPath !== undefined && config.scopes.includes('openid'),
    steps: [
      ...codeFlowSteps({
        pkce: {
          title: 'Make a PKCE pair, a state and a nonce',
          text: 'As in the code flow, plus a nonce: a random value the app keeps (in this tab\u2019s session storage) and sends with the request. The server copies it into the ID token, and the app compares the two.',
          arrow: 'verifier \u2192 challenge; state; nonce',
          values: (data) => [
            ['code_verifier', data.verifier ?? ''],
            ['code_challenge', data.challenge + ' (S256)'],
            ['state', data.state + ' (ties the answer to this request)'],
            ['nonce', data.nonce + ' (ties the ID token to this sign-in)'],
          ],
        },
        nonce: true,
        authorize: {
          text: 'scope=' + oidcScope() + ' makes this an OpenID Connect request; nonce rides along.',
          redirect: 'redirect to /authorize?scope=openid\u2026&nonce=\u2026',
          query: '?response_type=code&scope=openid\u2026',
          url: oidcAuthorizeUrl,
        },
        callback:
          'The server redirects your browser back with a one-time code, the state and iss (RFC 9207). The ID token is not in the URL: it comes with the code exchange.',
        token: {
          text: 'The same exchange as in the code flow. Because openid was granted, the answer carries an id_token next to the access token.',
          answer: '200 id_token, access_token',
          verify: (response) => field(response.json, 'id_token') !== undefined,
          after: (run, response) => {
            run.data.idToken = field(response.json, 'id_token')
            run.data.accessToken = field(response.json, 'access_token')
          },
        },
      }),
      {
        id: 'id_token',
        title: 'Decode the ID token',
        action: 'Decode',
        text: 'The ID token is three base64url parts: header, payload (the claims) and signature. The page decodes the first two and checks iss, aud, exp, nonce and at_hash.',
        arrows: [['client', 'client', 'decode; check iss, aud, exp, nonce']],
        local: async (run) => {
          const decoded = decodeJwt(run.data.idToken ?? '')
          if (decoded === undefined) throw new Error('The id_token is not a JWT.')
          run.data.atHash = await atHashFor(decoded.header['alg'], run.data.accessToken ?? '')
          const failed = Object.entries(idTokenChecks(decoded.payload, run)).filter(([, check]) => check?.ok !== true)
          if (failed.length > 0) throw new Error('Reject the ID token: ' + failed.map(([name]) => name).join(', ') + ' failed.')
          return []
        },
        detail: renderIdToken,
      },
      {
        id: 'userinfo',
        title: 'Ask the UserInfo endpoint',
        action: 'Send request',
        expect: 200,
        text: 'The app calls the UserInfo endpoint with the access token. It answers the claims the granted scopes cover, with the same sub as the ID token.',
        arrows: [
          ['client', 'server', 'GET ' + (config.userinfoPath ?? '/userinfo') + ' + Bearer access token'],
          ['server', 'client', '200 {"sub", "name", "email", \u2026}', true],
        ],
        request: (run) => ({ method: 'GET', path: config.userinfoPath ?? '', form: {}, auth: bearerAuth(run.data.accessToken ?? '') }),
        verify: (response, run) => field(response.json, 'sub') !== undefined && field(response.json, 'sub') === idTokenSub(run),
        detail: renderUserinfo,
      },
    ],
    done: 'Done: the app knows who signed in (the ID token, once its signature is verified) and has the user\u2019s claims.',
  }
}
