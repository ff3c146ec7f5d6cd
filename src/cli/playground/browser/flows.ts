// The flows the playground walks through: their steps, the arrows of the sequence diagram, and the
// requests each step sends.

/** The refresh token the refresh flow starts from: the one it presented before, or the code flow's. */
function firstRefreshToken(run: Run): string {
  run.data.r1 = run.data.r1 || state.tokens?.refresh_token || ''
  return run.data.r1
}

function tokenRequest(form: Readonly<Record<string, string>>): RequestSpec {
  return { path: config.tokenPath, form }
}

function introspect(token: string): RequestSpec {
  return { path: config.introspectionPath, form: { token }, auth: confidentialAuth() }
}

/** The first step of the revocation and introspection flows: a token for the confidential client, kept as `data.token`. */
function clientTokenStep(title: string): Step {
  return {
    id: 'token',
    title,
    action: 'Send request',
    expect: 200,
    text: 'A token for ' + confidential.clientId + ', with client credentials.',
    arrows: [
      ['client', 'server', 'POST ' + config.tokenPath + ' grant_type=client_credentials'],
      ['server', 'client', '200 access_token', true],
    ],
    request: clientCredentialsRequest,
    after: keepToken,
  }
}

/** What a flow built on the authorization-code flow says and does differently in its four steps. */
interface CodeFlowOptions {
  /** The first step: its title, text and arrow, and the values it shows once made. */
  readonly pkce: {
    readonly title: string
    readonly text: string
    readonly arrow: string
    readonly values: (data: RunData) => [string, string][]
  }
  /** Make a nonce too, kept as `data.nonce` (OpenID Connect Core 1.0 section 3.1.2.1). Default false. */
  readonly nonce?: boolean
  /** The authorization step: its text (the user to sign in as follows), its redirect arrow, the query the GET arrow shows, and the URL. */
  readonly authorize: { readonly text: string; readonly redirect: string; readonly query: string; readonly url: (run: Run) => string }
  /** The callback step's text. */
  readonly callback: string
  /** The code exchange: its text, the answer's arrow, what it checks beyond the status and what it keeps. */
  readonly token: {
    readonly text: string
    readonly answer: string
    readonly verify?: (response: ReceivedResponse) => boolean
    readonly after: (run: Run, response: ReceivedResponse) => void
  }
}

/**
 * The steps of the authorization-code flow with PKCE (RFC 6749 section 4.1, RFC 7636): make the verifier,
 * challenge and state, send the browser to the authorization endpoint, come back with a code, and
 * exchange it. The code flow and the OpenID Connect flow differ only by `options`.
 */
function codeFlowSteps(options: CodeFlowOptions): Step[] {
  const verify = options.token.verify
  return [
    {
      id: 'pkce',
      title: options.pkce.title,
      action: 'Generate',
      text: options.pkce.text,
      arrows: [['client', 'client', options.pkce.arrow]],
      local: async (run) => {
        const verifier = randomString()
        const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
        run.data.verifier = verifier
        run.data.challenge = b64url(new Uint8Array(hash))
        run.data.state = randomString().slice(0, 22)
        if (options.nonce === true) run.data.nonce = randomString().slice(0, 22)
        return options.pkce.values(run.data)
      },
    },
    {
      id: 'authorize',
      title: 'Send the browser to the authorization endpoint',
      action: 'Open the sign-in page',
      text: options.authorize.text + ' Sign in as ' + config.user.username + ' / ' + config.user.password + '.',
      arrows: [
        ['client', 'user', options.authorize.redirect, true],
        ['user', 'server', 'GET ' + config.authorizePath + options.authorize.query],
        ['server', 'user', 'sign-in and consent page', true],
        ['user', 'server', 'POST: username, password, Allow'],
      ],
      preview: (run) => ({ url: options.authorize.url(run) }),
      navigate: (run) => location.assign(options.authorize.url(run)),
    },
    {
      id: 'callback',
      title: 'Come back with a code',
      auto: true,
      text: options.callback,
      arrows: [
        ['server', 'user', '303 See Other \u2192 ' + config.callbackPath + '?code=\u2026', true],
        ['user', 'client', 'GET ' + config.callbackPath + '?code=\u2026'],
      ],
    },
    {
      id: 'token',
      title: 'Exchange the code for tokens',
      action: 'Send request',
      expect: 200,
      text: options.token.text,
      arrows: [
        ['client', 'server', 'POST ' + config.tokenPath + ' code + code_verifier'],
        ['server', 'client', options.token.answer, true],
      ],
      request: (run) =>
        tokenRequest({
          grant_type: 'authorization_code',
          code: run.data.code ?? '',
          redirect_uri: redirectUri,
          client_id: config.publicClientId,
          code_verifier: run.data.verifier ?? '',
        }),
      ...(verify === undefined ? {} : { verify }),
      after: options.token.after,
    },
  ]
}

const FLOWS: Readonly<Record<FlowId, Flow>> = {
  code: {
    title: 'Authorization code + PKCE',
    short: 'A user signs in; the app gets tokens',
    summary:
      'How a web, mobile or single-page app gets a token for a user (RFC 6749 section 4.1 with PKCE, RFC 7636). The playground is a public client: it has no secret, so PKCE proves that whoever redeems the code is whoever asked for it.',
    actors: ['user', 'client', 'server'],
    steps: codeFlowSteps({
      pkce: {
        title: 'Make a PKCE pair',
        text: 'The app makes a random code_verifier and keeps it. It sends only its SHA-256 hash, the code_challenge, with the authorization request.',
        arrow: 'verifier \u2192 SHA-256 \u2192 challenge',
        values: (data) => [
          ['code_verifier', data.verifier ?? ''],
          ['code_challenge', data.challenge ?? ''],
          ['code_challenge_method', 'S256'],
          ['state', data.state + ' (ties the answer to this request)'],
        ],
      },
      authorize: {
        text: 'The app redirects your browser to the server. You sign in and decide there; the app never sees your password.',
        redirect: 'redirect to /authorize?\u2026code_challenge',
        query: '?response_type=code&\u2026',
        url: authorizeUrl,
      },
      callback:
        'The server redirects your browser to the registered redirect URI with a one-time code, the state the app sent, and iss (RFC 9207) naming the server. The app checks both before using the code.',
      token: {
        text: 'The app posts the code and the code_verifier to the token endpoint, from the app itself, not through the browser. The server hashes the verifier and compares it with the challenge it stored with the code.',
        answer: '200 access_token, refresh_token',
        after: (_run, response) => {
          if (response.status !== 200 || response.json === null) return
          const refresh = field(response.json, 'refresh_token')
          state.tokens = { access_token: field(response.json, 'access_token'), refresh_token: refresh, original_refresh_token: refresh }
        },
      },
    }),
    done: 'Done: the app holds an access token and a refresh token. Try \u201cRefresh token\u201d next, with the refresh token you just got.',
  },
  oidc: oidcFlow(),
  client_credentials: {
    title: 'Client credentials',
    short: 'A service gets a token for itself',
    summary:
      'A confidential client (a back-end service) asks for a token for itself, with no user involved (RFC 6749 section 4.4). It authenticates with HTTP Basic; there is no refresh token.',
    actors: ['client', 'server'],
    names: { client: 'Service ' + confidential.clientId },
    steps: [
      {
        id: 'token',
        title: 'Ask the token endpoint',
        action: 'Send request',
        expect: 200,
        text:
          'The demo\u2019s confidential client ' +
          confidential.clientId +
          ' authenticates with its id and secret in the Authorization header (client_secret_basic).',
        arrows: [
          ['client', 'server', 'POST ' + config.tokenPath + ' grant_type=client_credentials + Basic'],
          ['server', 'client', '200 access_token (no refresh token)', true],
        ],
        request: clientCredentialsRequest,
      },
    ],
    done: 'Done: a token for the client itself. Resource servers check it with introspection or, for JWTs, with the JWKS.',
  },
  refresh: {
    title: 'Refresh token',
    short: 'New tokens without the user; reuse detection',
    summary:
      'The app trades its refresh token for fresh tokens (RFC 6749 section 6). Every use rotates it, and presenting a rotated-out token again revokes the whole family (RFC 9700 section 4.14.2): a stolen refresh token stops working for the thief and for the app.',
    actors: ['client', 'server'],
    needs: 'refresh_token',
    steps: [
      {
        id: 'refresh',
        title: 'Refresh',
        action: 'Send request',
        expect: 200,
        text: 'The app posts the refresh token it got from the code flow. The answer carries a new access token and a new refresh token; the old refresh token is now rotated out.',
        arrows: [
          ['client', 'server', 'POST ' + config.tokenPath + ' grant_type=refresh_token (R1)'],
          ['server', 'client', '200 new access token + R2; R1 rotated out', true],
        ],
        request: (run) =>
          tokenRequest({ grant_type: 'refresh_token', refresh_token: firstRefreshToken(run), client_id: config.publicClientId }),
        after: (run, response) => {
          if (response.status !== 200 || response.json === null) return
          run.data.r2 = field(response.json, 'refresh_token')
          state.tokens = { access_token: field(response.json, 'access_token'), refresh_token: run.data.r2 }
        },
      },
      {
        id: 'use',
        title: 'Refresh again with R2',
        action: 'Send request',
        expect: 200,
        text: 'The app refreshes again with R2, its newest token: R3 comes back. (The demo allows concurrent refresh for 30 seconds: R1 presented again before a successor of it was used would have got a sibling of R2. Now that R2 is used, R1 is dead.)',
        arrows: [
          ['client', 'server', 'POST ' + config.tokenPath + ' refresh_token=R2'],
          ['server', 'client', '200 new access token + R3; R2 rotated out', true],
        ],
        request: (run) => tokenRequest({ grant_type: 'refresh_token', refresh_token: run.data.r2 ?? '', client_id: config.publicClientId }),
        after: (run, response) => {
          if (response.status !== 200 || response.json === null) return
          run.data.r3 = field(response.json, 'refresh_token')
          state.tokens = { access_token: field(response.json, 'access_token'), refresh_token: run.data.r3 }
        },
      },
      {
        id: 'replay',
        title: 'Replay the old refresh token',
        action: 'Send request',
        expect: 400,
        text: 'Pretend an attacker stole R1 and uses it now. The server sees a rotated-out token come back after its successor was used, answers invalid_grant, and revokes the family.',
        arrows: [
          ['client', 'server', 'POST ' + config.tokenPath + ' refresh_token=R1 (again)'],
          ['server', 'client', '400 invalid_grant \u2014 family revoked', true],
        ],
        request: (run) => tokenRequest({ grant_type: 'refresh_token', refresh_token: run.data.r1 ?? '', client_id: config.publicClientId }),
      },
      {
        id: 'dead',
        title: 'The new refresh token died with it',
        action: 'Send request',
        expect: 400,
        text: 'R3 belonged to the same family, so it is revoked too: the user has to sign in again, and so would the thief.',
        arrows: [
          ['client', 'server', 'POST ' + config.tokenPath + ' refresh_token=R3'],
          ['server', 'client', '400 invalid_grant', true],
        ],
        request: (run) => tokenRequest({ grant_type: 'refresh_token', refresh_token: run.data.r3 ?? '', client_id: config.publicClientId }),
        after: () => {
          state.tokens = null
        },
      },
    ],
    done: 'Done: rotation and reuse detection. Run the code flow again for fresh tokens.',
  },
  revocation: {
    title: 'Revocation',
    short: 'Sign out: make a token unusable',
    summary:
      'A client tells the server it no longer needs a token (RFC 7009), e.g. when the user signs out. Revoking a refresh token revokes its whole family.',
    actors: ['client', 'server'],
    names: { client: 'Client ' + confidential.clientId },
    steps: [
      clientTokenStep('Get a token to revoke'),
      {
        id: 'revoke',
        title: 'Revoke it',
        action: 'Send request',
        expect: 200,
        text: 'The client posts the token to the revocation endpoint. The answer is 200 with an empty body, whether or not the token existed.',
        arrows: [
          ['client', 'server', 'POST ' + config.revocationPath + ' token=\u2026'],
          ['server', 'client', '200 (empty)', true],
        ],
        request: (run) => ({
          path: config.revocationPath,
          form: { token: run.data.token ?? '', token_type_hint: 'access_token' },
          auth: confidentialAuth(),
        }),
      },
      {
        id: 'check',
        title: 'Check that it is gone',
        action: 'Send request',
        expect: 200,
        text: 'Introspection now says the token is not active.',
        arrows: [
          ['client', 'server', 'POST ' + config.introspectionPath + ' token=\u2026'],
          ['server', 'client', '200 {"active": false}', true],
        ],
        request: (run) => introspect(run.data.token ?? ''),
        verify: (response) => response.json?.['active'] === false,
      },
    ],
    done: 'Done: the token is revoked.',
  },
  introspection: {
    title: 'Introspection',
    short: 'Is this token active? What may it do?',
    summary:
      'A resource server asks the authorization server about a token it received (RFC 7662). Unknown, expired or revoked tokens are just {"active": false}.',
    actors: ['client', 'server'],
    names: { client: 'Client ' + confidential.clientId },
    steps: [
      clientTokenStep('Get a token'),
      {
        id: 'active',
        title: 'Introspect it',
        action: 'Send request',
        expect: 200,
        text: 'The client authenticates and posts the token. The answer says it is active, with its scope, client, subject and expiry.',
        arrows: [
          ['client', 'server', 'POST ' + config.introspectionPath + ' token=\u2026'],
          ['server', 'client', '200 {"active": true, "scope": \u2026}', true],
        ],
        request: (run) => introspect(run.data.token ?? ''),
        verify: (response) => response.json?.['active'] === true,
      },
      {
        id: 'unknown',
        title: 'Introspect a made-up token',
        action: 'Send request',
        expect: 200,
        text: 'Anything the server does not know, or that the client may not see, gets the same answer.',
        arrows: [
          ['client', 'server', 'POST ' + config.introspectionPath + ' token=made-up'],
          ['server', 'client', '200 {"active": false}', true],
        ],
        request: () => introspect('made-up-' + randomString().slice(0, 12)),
        verify: (response) => response.json?.['active'] === false,
      },
    ],
    done: 'Done: that is what a resource server sees.',
  },
}
