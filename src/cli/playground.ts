/**
 * The playground at `/playground` on the demo server: pick a grant and walk through its real requests
 * and responses against the same server, with a sequence picture of who talks to whom. One
 * self-contained page (its callback at `/playground/callback` is the same page); its one inline script
 * and stylesheet are allowed by a per-response CSP nonce, nothing else runs.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { Response } from '../web/response.ts'

/** The playground's own public client (PKCE), registered by the demo server. */
export const PLAYGROUND_CLIENT_ID = 'playground'

/** Path of the playground page. */
export const PLAYGROUND_PATH = '/playground'

/** Path of the playground's redirect URI (the same page, reading the response parameters). */
export const PLAYGROUND_CALLBACK_PATH = '/playground/callback'

/**
 * The redirect URIs registered for {@link PLAYGROUND_CLIENT_ID}: the callback on every loopback host.
 * Any port matches a loopback redirect URI (RFC 8252 section 7.3), so the registration does not depend
 * on the port the server got.
 */
export const PLAYGROUND_REDIRECT_URIS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'].map(
  (host) => `http://${host}${PLAYGROUND_CALLBACK_PATH}`,
)

/** What the playground page needs to know about the server it runs against. */
export interface PlaygroundConfig {
  /** The issuer, compared with the `iss` of the authorization response (RFC 9207). */
  readonly issuer: string
  /** Path of the authorization endpoint (`/authorize`). */
  readonly authorizePath: string
  /** Path of the token endpoint (`/token`). */
  readonly tokenPath: string
  /** Path of the revocation endpoint (`/revoke`). */
  readonly revocationPath: string
  /** Path of the introspection endpoint (`/introspect`). */
  readonly introspectionPath: string
  /** The public client the code flow uses; its redirect URI is this page's callback. */
  readonly publicClientId: string
  /** A confidential client for client credentials, introspection and revocation (the demo's public `abc` / `xyz`). */
  readonly confidentialClient: { readonly clientId: string; readonly clientSecret: string }
  /** The scopes to ask for. */
  readonly scopes: readonly string[]
  /** The account to sign in with, shown as a hint. */
  readonly user: { readonly username: string; readonly password: string }
}

/**
 * Renders the playground (for both {@link PLAYGROUND_PATH} and {@link PLAYGROUND_CALLBACK_PATH}) with a
 * fresh CSP nonce: `script-src` and `style-src` allow exactly this response's inline script and style,
 * `connect-src 'self'` lets the script call the server's endpoints, and nothing else is loaded.
 */
export function playgroundPage(config: PlaygroundConfig): Response {
  const nonce = randomBytes(16).toString('base64')
  const json = JSON.stringify(config).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><link rel="icon" href="data:,">
<title>OAuth 2.0 playground · oauth2-stack</title>
<style nonce="${nonce}">${STYLE}</style></head>
<body>
<header><div class="wrap"><p class="crumbs"><a href="/">oauth2-stack demo</a></p><h1>OAuth 2.0 playground</h1>
<p>Every step below is a real request to this server, sent by this page, with the real response. Nothing leaves your machine.</p></div></header>
<main class="wrap">
<fieldset class="grants"><legend>Pick a grant</legend><div class="choices" id="choices"></div></fieldset>
<section class="flow" aria-labelledby="flow-title">
<h2 id="flow-title"></h2><p id="flow-summary"></p>
<figure class="diagram"><div class="scroll" id="diagram" tabindex="0" role="group" aria-label="Sequence diagram"></div><figcaption>Who talks to whom. Solid arrows are requests, dashed ones responses; the highlighted rows are the next step.<span class="narrow"> Scroll sideways to see all of it.</span></figcaption></figure>
<ol class="steps" id="steps"></ol>
<p class="after"><button type="button" class="secondary" id="reset">Start this flow over</button></p>
<p class="sr-only" id="status" role="status" aria-live="polite"></p>
</section>
<noscript><p class="error">The playground needs JavaScript: it sends the requests from this page.</p></noscript>
</main>
<script type="application/json" id="playground-config">${json}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body></html>`
  return new Response(
    200,
    {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      pragma: 'no-cache',
      'x-frame-options': 'DENY',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
      // The callback's URL carries the code: never send it anywhere as a referrer.
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    },
    body,
  )
}

const STYLE = `
:root{--bg:#f6f7f9;--card:#fff;--text:#1f2328;--muted:#57606a;--line:#d0d7de;--accent:#1d4ed8;--accent-text:#fff;--ok:#116329;--bad:#a40e26;--code:#eef1f5;--focus:#b45309;--user:#7c3aed;--client:#1d4ed8;--server:#0f766e}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--text:#e6edf3;--muted:#9da7b3;--line:#3d444d;--accent:#4493f8;--accent-text:#0d1117;--ok:#3fb950;--bad:#ff7b72;--code:#0d1117;--focus:#f0b429;--user:#bc8cff;--client:#4493f8;--server:#39c5bb}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.wrap{max-width:60rem;margin:0 auto;padding:0 1rem}
header{background:var(--card);border-bottom:1px solid var(--line);padding:1rem 0}
header h1{margin:.1rem 0 .25rem;font-size:1.6rem}header p{margin:.25rem 0;color:var(--muted)}
.crumbs a{color:var(--accent)}
a{color:var(--accent)}
fieldset.grants{border:0;padding:0;margin:1.5rem 0}
legend{font-weight:700;font-size:1.1rem;margin-bottom:.5rem;padding:0}
.choices{display:grid;grid-template-columns:repeat(auto-fit,minmax(10.5rem,1fr));gap:.5rem}
.choice{position:relative;display:block;background:var(--card);border:2px solid var(--line);border-radius:8px;padding:.6rem .75rem .6rem 2.3rem;cursor:pointer;min-height:2.75rem}
.choice input{position:absolute;left:.75rem;top:.85rem;width:1.1rem;height:1.1rem;margin:0;accent-color:var(--accent)}
.choice:has(input:checked){border-color:var(--accent)}
.choice strong{display:block}.choice span{color:var(--muted);font-size:.85rem}
.flow{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.25rem;margin-bottom:2rem}
.flow h2{margin:0 0 .25rem}
.diagram{margin:1rem 0;border:1px solid var(--line);border-radius:8px;padding:.5rem;background:var(--bg)}
.diagram .scroll{overflow-x:auto}
.diagram svg{display:block;min-width:36rem;width:100%;height:auto}
figcaption{color:var(--muted);font-size:.85rem;padding:.25rem .25rem 0}
svg .lifeline{stroke:var(--line);stroke-width:2;stroke-dasharray:4 4}
svg .actor rect{fill:var(--card);stroke-width:2}
svg .actor text{fill:var(--text);font-weight:700;font-size:13px}
svg .actor.user rect{stroke:var(--user)}svg .actor.client rect{stroke:var(--client)}svg .actor.server rect{stroke:var(--server)}
svg .arrow line,svg .arrow path{stroke:var(--muted);stroke-width:1.5;fill:none}
svg .arrow polygon{fill:var(--muted)}
svg .arrow text{fill:var(--muted);font-size:12px}
svg .arrow .num{fill:var(--card);stroke:var(--muted);stroke-width:1.5}
svg .arrow .numtext{fill:var(--muted);font-weight:700;font-size:11px}
svg .arrow.dashed line,svg .arrow.dashed path{stroke-dasharray:6 4}
svg .arrow.done line,svg .arrow.done path{stroke:var(--text)}svg .arrow.done polygon{fill:var(--text)}svg .arrow.done text{fill:var(--text)}
svg .arrow.current line,svg .arrow.current path{stroke:var(--accent);stroke-width:3}svg .arrow.current polygon{fill:var(--accent)}
svg .arrow.current text{fill:var(--accent);font-weight:700}svg .arrow.current .num{stroke:var(--accent)}
svg .arrow.failed line,svg .arrow.failed path{stroke:var(--bad)}svg .arrow.failed polygon{fill:var(--bad)}svg .arrow.failed text{fill:var(--bad)}
.steps{list-style:none;padding:0;margin:0;counter-reset:step}
.step{border:1px solid var(--line);border-left:4px solid var(--line);border-radius:8px;padding:.9rem 1rem;margin:.75rem 0}
.step[data-state=current]{border-left-color:var(--accent)}
.step[data-state=done]{border-left-color:var(--ok)}
.step[data-state=failed]{border-left-color:var(--bad)}
.step[data-state=pending]{color:var(--muted)}
.step h3{margin:0 0 .25rem;font-size:1.05rem}
.step .badge{font-size:.8rem;font-weight:700;margin-left:.4rem}
.step[data-state=done] .badge{color:var(--ok)}.step[data-state=failed] .badge{color:var(--bad)}
.step p{margin:.35rem 0}
pre{background:var(--code);border:1px solid var(--line);border-radius:6px;padding:.6rem .75rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:.5rem 0}
.label{font-size:.8rem;font-weight:700;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin-top:.6rem}
dl.checks{display:grid;grid-template-columns:auto 1fr;gap:.2rem .75rem;margin:.5rem 0}
dl.checks dt{font-weight:700}dl.checks dd{margin:0;word-break:break-all}
.ok{color:var(--ok);font-weight:700}.bad{color:var(--bad);font-weight:700}
button{font:inherit;font-weight:600;min-height:2.75rem;padding:.5rem 1rem;border-radius:6px;border:2px solid var(--accent);background:var(--accent);color:var(--accent-text);cursor:pointer;margin-top:.5rem}
button.secondary{background:transparent;color:var(--accent)}
button:disabled{opacity:.55;cursor:not-allowed}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.error{color:var(--bad);font-weight:700}
.narrow{display:none}
.who{font-size:.85rem;color:var(--muted);margin:.1rem 0 .35rem}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:40rem){.narrow{display:inline}}
@media (max-width:30rem){.flow{padding:.9rem;border-radius:0;border-left:0;border-right:0}.wrap{padding:0 .75rem}}
`

// The page's script. Plain ES2017 without template literals, so it can sit in this TypeScript string.
const SCRIPT = `
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('playground-config').textContent);
  var KEY = 'oauth2-stack-playground';
  var CALLBACK = '${PLAYGROUND_CALLBACK_PATH}';
  var redirectUri = location.origin + CALLBACK;
  var confidential = config.confidentialClient;
  var scope = config.scopes.join(' ');
  var ACTORS = { user: 'You (browser)', client: 'Playground app', server: 'Authorization server' };

  function load() {
    try { var saved = JSON.parse(sessionStorage.getItem(KEY) || 'null'); if (saved && saved.v === 1) return saved; } catch (e) { /* start afresh */ }
    return { v: 1, flow: 'code', runs: {}, tokens: null };
  }
  var state = load();
  function save() { sessionStorage.setItem(KEY, JSON.stringify(state)); }
  function run() { var r = state.runs[state.flow]; if (!r) { r = state.runs[state.flow] = { results: {}, data: {} }; } return r; }

  function b64url(bytes) {
    var s = ''; for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  }
  function random() { return b64url(crypto.getRandomValues(new Uint8Array(32))); }
  function formEncode(v) { return encodeURIComponent(v).replace(/%20/g, '+'); }
  function basic(id, secret) { return 'Basic ' + btoa(formEncode(id) + ':' + formEncode(secret)); }

  function confidentialAuth() { return { header: basic(confidential.clientId, confidential.clientSecret), note: confidential.clientId + ':' + confidential.clientSecret }; }
  function clientCredentialsRequest() {
    return { path: config.tokenPath, form: { grant_type: 'client_credentials', scope: scope }, auth: confidentialAuth() };
  }
  function keepToken(key) { return function (r, res) { if (res.json && res.json.access_token) r.data[key] = res.json.access_token; }; }

  var FLOWS = {
    code: {
      title: 'Authorization code + PKCE',
      short: 'A user signs in; the app gets tokens',
      summary: 'How a web, mobile or single-page app gets a token for a user (RFC 6749 section 4.1 with PKCE, RFC 7636). The playground is a public client: it has no secret, so PKCE proves that whoever redeems the code is whoever asked for it.',
      actors: ['user', 'client', 'server'],
      steps: [
        { id: 'pkce', title: 'Make a PKCE pair', action: 'Generate',
          text: 'The app makes a random code_verifier and keeps it. It sends only its SHA-256 hash, the code_challenge, with the authorization request.',
          arrows: [['client', 'client', 'verifier \\u2192 SHA-256 \\u2192 challenge']],
          local: function (r) {
            var verifier = random();
            return crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)).then(function (hash) {
              r.data.verifier = verifier; r.data.challenge = b64url(new Uint8Array(hash)); r.data.state = random().slice(0, 22);
              return [['code_verifier', r.data.verifier], ['code_challenge', r.data.challenge], ['code_challenge_method', 'S256'], ['state', r.data.state + ' (ties the answer to this request)']];
            });
          } },
        { id: 'authorize', title: 'Send the browser to the authorization endpoint', action: 'Open the sign-in page',
          text: 'The app redirects your browser to the server. You sign in and decide there; the app never sees your password. Sign in as ' + config.user.username + ' / ' + config.user.password + '.',
          arrows: [['client', 'user', 'redirect to /authorize?\\u2026code_challenge', true], ['user', 'server', 'GET ' + config.authorizePath + '?response_type=code&\\u2026'], ['server', 'user', 'sign-in and consent page', true], ['user', 'server', 'POST: username, password, Allow']],
          preview: function (r) { return { url: authorizeUrl(r) }; },
          navigate: function (r) { location.assign(authorizeUrl(r)); } },
        { id: 'callback', title: 'Come back with a code', auto: true,
          text: 'The server redirects your browser to the registered redirect URI with a one-time code, the state the app sent, and iss (RFC 9207) naming the server. The app checks both before using the code.',
          arrows: [['server', 'user', '303 See Other \\u2192 ' + CALLBACK + '?code=\\u2026', true], ['user', 'client', 'GET ' + CALLBACK + '?code=\\u2026']] },
        { id: 'token', title: 'Exchange the code for tokens', action: 'Send request', expect: 200,
          text: 'The app posts the code and the code_verifier to the token endpoint, from the app itself, not through the browser. The server hashes the verifier and compares it with the challenge it stored with the code.',
          arrows: [['client', 'server', 'POST ' + config.tokenPath + ' code + code_verifier'], ['server', 'client', '200 access_token, refresh_token', true]],
          request: function (r) {
            return { path: config.tokenPath, form: { grant_type: 'authorization_code', code: r.data.code || '', redirect_uri: redirectUri, client_id: config.publicClientId, code_verifier: r.data.verifier || '' } };
          },
          after: function (r, res) { if (res.status === 200 && res.json) { state.tokens = { access_token: res.json.access_token, refresh_token: res.json.refresh_token, original_refresh_token: res.json.refresh_token }; } } }
      ],
      done: 'Done: the app holds an access token and a refresh token. Try \\u201cRefresh token\\u201d next, with the refresh token you just got.'
    },
    client_credentials: {
      title: 'Client credentials',
      short: 'A service gets a token for itself',
      summary: 'A confidential client (a back-end service) asks for a token for itself, with no user involved (RFC 6749 section 4.4). It authenticates with HTTP Basic; there is no refresh token.',
      actors: ['client', 'server'], names: { client: 'Service ' + confidential.clientId },
      steps: [
        { id: 'token', title: 'Ask the token endpoint', action: 'Send request', expect: 200,
          text: 'The demo\\u2019s confidential client ' + confidential.clientId + ' authenticates with its id and secret in the Authorization header (client_secret_basic).',
          arrows: [['client', 'server', 'POST ' + config.tokenPath + ' grant_type=client_credentials + Basic'], ['server', 'client', '200 access_token (no refresh token)', true]],
          request: clientCredentialsRequest }
      ],
      done: 'Done: a token for the client itself. Resource servers check it with introspection or, for JWTs, with the JWKS.'
    },
    refresh: {
      title: 'Refresh token',
      short: 'New tokens without the user; reuse detection',
      summary: 'The app trades its refresh token for fresh tokens (RFC 6749 section 6). Every use rotates it, and presenting a rotated-out token again revokes the whole family (RFC 9700 section 4.14.2): a stolen refresh token stops working for the thief and for the app.',
      actors: ['client', 'server'],
      needs: 'refresh_token',
      steps: [
        { id: 'refresh', title: 'Refresh', action: 'Send request', expect: 200,
          text: 'The app posts the refresh token it got from the code flow. The answer carries a new access token and a new refresh token; the old refresh token is now rotated out.',
          arrows: [['client', 'server', 'POST ' + config.tokenPath + ' grant_type=refresh_token (R1)'], ['server', 'client', '200 new access token + R2; R1 rotated out', true]],
          request: function (r) { r.data.r1 = r.data.r1 || (state.tokens && state.tokens.refresh_token) || ''; return { path: config.tokenPath, form: { grant_type: 'refresh_token', refresh_token: r.data.r1, client_id: config.publicClientId } }; },
          after: function (r, res) { if (res.status === 200 && res.json) { r.data.r2 = res.json.refresh_token; state.tokens = { access_token: res.json.access_token, refresh_token: res.json.refresh_token }; } } },
        { id: 'replay', title: 'Replay the old refresh token', action: 'Send request', expect: 400,
          text: 'Pretend an attacker stole R1 and uses it now. The server sees a rotated-out token come back, answers invalid_grant, and revokes the family.',
          arrows: [['client', 'server', 'POST ' + config.tokenPath + ' refresh_token=R1 (again)'], ['server', 'client', '400 invalid_grant \\u2014 family revoked', true]],
          request: function (r) { return { path: config.tokenPath, form: { grant_type: 'refresh_token', refresh_token: r.data.r1 || '', client_id: config.publicClientId } }; } },
        { id: 'dead', title: 'The new refresh token died with it', action: 'Send request', expect: 400,
          text: 'R2 belonged to the same family, so it is revoked too: the user has to sign in again, and so would the thief.',
          arrows: [['client', 'server', 'POST ' + config.tokenPath + ' refresh_token=R2'], ['server', 'client', '400 invalid_grant', true]],
          request: function (r) { return { path: config.tokenPath, form: { grant_type: 'refresh_token', refresh_token: r.data.r2 || '', client_id: config.publicClientId } }; },
          after: function () { state.tokens = null; } }
      ],
      done: 'Done: rotation and reuse detection. Run the code flow again for fresh tokens.'
    },
    revocation: {
      title: 'Revocation',
      short: 'Sign out: make a token unusable',
      summary: 'A client tells the server it no longer needs a token (RFC 7009), e.g. when the user signs out. Revoking a refresh token revokes its whole family.',
      actors: ['client', 'server'], names: { client: 'Client ' + confidential.clientId },
      steps: [
        { id: 'token', title: 'Get a token to revoke', action: 'Send request', expect: 200,
          text: 'A token for ' + confidential.clientId + ', with client credentials.',
          arrows: [['client', 'server', 'POST ' + config.tokenPath + ' grant_type=client_credentials'], ['server', 'client', '200 access_token', true]],
          request: clientCredentialsRequest, after: keepToken('token') },
        { id: 'revoke', title: 'Revoke it', action: 'Send request', expect: 200,
          text: 'The client posts the token to the revocation endpoint. The answer is 200 with an empty body, whether or not the token existed.',
          arrows: [['client', 'server', 'POST ' + config.revocationPath + ' token=\\u2026'], ['server', 'client', '200 (empty)', true]],
          request: function (r) { return { path: config.revocationPath, form: { token: r.data.token || '', token_type_hint: 'access_token' }, auth: confidentialAuth() }; } },
        { id: 'check', title: 'Check that it is gone', action: 'Send request', expect: 200,
          text: 'Introspection now says the token is not active.',
          arrows: [['client', 'server', 'POST ' + config.introspectionPath + ' token=\\u2026'], ['server', 'client', '200 {"active": false}', true]],
          request: function (r) { return { path: config.introspectionPath, form: { token: r.data.token || '' }, auth: confidentialAuth() }; },
          verify: function (res) { return res.json && res.json.active === false; } }
      ],
      done: 'Done: the token is revoked.'
    },
    introspection: {
      title: 'Introspection',
      short: 'Is this token active? What may it do?',
      summary: 'A resource server asks the authorization server about a token it received (RFC 7662). Unknown, expired or revoked tokens are just {"active": false}.',
      actors: ['client', 'server'], names: { client: 'Client ' + confidential.clientId },
      steps: [
        { id: 'token', title: 'Get a token', action: 'Send request', expect: 200,
          text: 'A token for ' + confidential.clientId + ', with client credentials.',
          arrows: [['client', 'server', 'POST ' + config.tokenPath + ' grant_type=client_credentials'], ['server', 'client', '200 access_token', true]],
          request: clientCredentialsRequest, after: keepToken('token') },
        { id: 'active', title: 'Introspect it', action: 'Send request', expect: 200,
          text: 'The client authenticates and posts the token. The answer says it is active, with its scope, client, subject and expiry.',
          arrows: [['client', 'server', 'POST ' + config.introspectionPath + ' token=\\u2026'], ['server', 'client', '200 {"active": true, "scope": \\u2026}', true]],
          request: function (r) { return { path: config.introspectionPath, form: { token: r.data.token || '' }, auth: confidentialAuth() }; },
          verify: function (res) { return res.json && res.json.active === true; } },
        { id: 'unknown', title: 'Introspect a made-up token', action: 'Send request', expect: 200,
          text: 'Anything the server does not know, or that the client may not see, gets the same answer.',
          arrows: [['client', 'server', 'POST ' + config.introspectionPath + ' token=made-up'], ['server', 'client', '200 {"active": false}', true]],
          request: function () { return { path: config.introspectionPath, form: { token: 'made-up-' + random().slice(0, 12) }, auth: confidentialAuth() }; },
          verify: function (res) { return res.json && res.json.active === false; } }
      ],
      done: 'Done: that is what a resource server sees.'
    }
  };

  function authorizeUrl(r) {
    var params = new URLSearchParams({ response_type: 'code', client_id: config.publicClientId, redirect_uri: redirectUri, scope: scope, state: r.data.state || '', code_challenge: r.data.challenge || '', code_challenge_method: 'S256' });
    return config.authorizePath + '?' + params.toString();
  }

  // ---- the callback: read the response parameters once, then drop them from the address bar ----
  var arrived = location.pathname === CALLBACK;
  if (arrived) {
    var params = new URLSearchParams(location.search);
    state.flow = 'code';
    var code = run();
    code.data.callbackUrl = location.pathname + location.search;
    code.data.code = params.get('code') || undefined;
    code.data.returnedState = params.get('state');
    code.data.iss = params.get('iss');
    code.data.error = params.get('error') || undefined;
    code.data.errorDescription = params.get('error_description') || undefined;
    save();
    history.replaceState(null, '', '${PLAYGROUND_PATH}');
  }

  // ---- rendering ----
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) { if (k === 'text') node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]); }
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  var SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function stepStatus(flow, r, index) {
    var step = flow.steps[index];
    var result = r.results[step.id];
    if (result) return result.ok ? 'done' : 'failed';
    for (var i = 0; i < index; i++) { var prior = r.results[flow.steps[i].id]; if (!prior || !prior.ok) return 'pending'; }
    if (flow.needs === 'refresh_token' && !(state.tokens && state.tokens.refresh_token) && !r.data.r1) return 'pending';
    return 'current';
  }

  function renderChoices() {
    var box = $('choices'); box.textContent = '';
    Object.keys(FLOWS).forEach(function (id) {
      var input = el('input', { type: 'radio', name: 'grant', value: id, id: 'grant-' + id });
      if (id === state.flow) input.checked = true;
      input.addEventListener('change', function () { state.flow = id; save(); render(); });
      box.appendChild(el('label', { class: 'choice', for: 'grant-' + id }, [input, el('strong', { text: FLOWS[id].title }), el('span', { text: FLOWS[id].short })]));
    });
  }

  function renderDiagram(flow, r) {
    var actors = flow.actors, width = 640, margin = 90, top = 56, row = 44;
    var name = function (a) { return actorName(flow, a); };
    var arrows = [];
    flow.steps.forEach(function (step, index) {
      var status = stepStatus(flow, r, index);
      step.arrows.forEach(function (a) { arrows.push({ from: a[0], to: a[1], label: a[2], dashed: !!a[3], status: status, n: index + 1 }); });
    });
    var height = top + arrows.length * row + 24;
    var x = {};
    actors.forEach(function (a, i) { x[a] = actors.length === 1 ? width / 2 : margin + i * (width - 2 * margin) / (actors.length - 1); });
    var root = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-labelledby': 'diagram-title diagram-desc' });
    root.appendChild(svg('title', { id: 'diagram-title' }, 'Sequence of the ' + flow.title + ' flow'));
    root.appendChild(svg('desc', { id: 'diagram-desc' }, arrows.map(function (a) { return a.n + '. ' + name(a.from) + ' to ' + name(a.to) + ': ' + a.label; }).join('; ')));
    var defs = svg('defs', {});
    root.appendChild(defs);
    actors.forEach(function (a) {
      root.appendChild(svg('line', { class: 'lifeline', x1: x[a], y1: 36, x2: x[a], y2: height - 8 }));
      var g = svg('g', { class: 'actor ' + a });
      g.appendChild(svg('rect', { x: x[a] - 80, y: 4, width: 160, height: 32, rx: 8 }));
      g.appendChild(svg('text', { x: x[a], y: 25, 'text-anchor': 'middle' }, name(a)));
      root.appendChild(g);
    });
    arrows.forEach(function (a, i) {
      var y = top + i * row + 22;
      var g = svg('g', { class: 'arrow ' + a.status + (a.dashed ? ' dashed' : '') });
      var x1 = x[a.from], x2 = x[a.to];
      if (a.from === a.to) {
        g.appendChild(svg('path', { d: 'M' + x1 + ' ' + (y - 8) + ' h 46 v 16 h -40' }));
        g.appendChild(svg('polygon', { points: (x1 + 2) + ',' + (y + 8) + ' ' + (x1 + 10) + ',' + (y + 4) + ' ' + (x1 + 10) + ',' + (y + 12) }));
        g.appendChild(svg('text', { x: x1 + 54, y: y + 4 }, a.label));
      } else {
        var dir = x2 > x1 ? 1 : -1;
        g.appendChild(svg('line', { x1: x1, y1: y, x2: x2 - dir * 8, y2: y }));
        g.appendChild(svg('polygon', { points: x2 + ',' + y + ' ' + (x2 - dir * 9) + ',' + (y - 5) + ' ' + (x2 - dir * 9) + ',' + (y + 5) }));
        var label = a.label.length > 62 ? a.label.slice(0, 60) + '\\u2026' : a.label;
        g.appendChild(svg('text', { x: (x1 + x2) / 2, y: y - 7, 'text-anchor': 'middle' }, label));
      }
      var cx = Math.min(x1, x2) - 22;
      g.appendChild(svg('circle', { class: 'num', cx: cx, cy: y, r: 9 }));
      g.appendChild(svg('text', { class: 'numtext', x: cx, y: y + 4, 'text-anchor': 'middle' }, String(a.n)));
      root.appendChild(g);
    });
    var box = $('diagram'); box.textContent = ''; box.appendChild(root);
  }

  function httpText(req) {
    var lines = [req.method + ' ' + req.path + ' HTTP/1.1', 'Host: ' + location.host];
    Object.keys(req.headers).forEach(function (h) { lines.push(h + ': ' + req.headers[h]); });
    return lines.join('\\n') + '\\n\\n' + req.body;
  }
  function responseText(res) {
    var lines = ['HTTP/1.1 ' + res.status + ' ' + res.statusText];
    Object.keys(res.headers).forEach(function (h) { lines.push(h + ': ' + res.headers[h]); });
    var body = res.json ? JSON.stringify(res.json, null, 2) : res.body;
    return lines.join('\\n') + '\\n\\n' + body;
  }
  function buildRequest(step, r) {
    var spec = step.request(r);
    var headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
    if (spec.auth) headers.Authorization = spec.auth.header;
    return { method: 'POST', path: spec.path, headers: headers, body: new URLSearchParams(spec.form).toString(), authNote: spec.auth ? spec.auth.note : undefined };
  }

  function renderSteps(flow, r) {
    var list = $('steps'); list.textContent = '';
    var focusTarget = null;
    flow.steps.forEach(function (step, index) {
      var status = stepStatus(flow, r, index);
      var result = r.results[step.id];
      var badge = status === 'done' ? '\\u2713 done' : status === 'failed' ? '\\u2717 not as expected' : status === 'current' ? 'next' : '';
      var item = el('li', { class: 'step', 'data-state': status, 'data-step': step.id }, [
        el('h3', {}, [(index + 1) + '. ' + step.title, badge ? el('span', { class: 'badge', text: badge }) : null]),
        el('p', { class: 'who', text: who(flow, step) }),
        el('p', { text: step.text })
      ]);
      if (step.local && result) {
        var dl = el('dl', { class: 'checks' });
        result.values.forEach(function (pair) { dl.appendChild(el('dt', { text: pair[0] })); dl.appendChild(el('dd', { text: pair[1] })); });
        item.appendChild(dl);
      }
      if (step.preview && (status === 'current' || result)) {
        var url = step.preview(r).url;
        item.appendChild(el('p', { class: 'label', text: 'Authorization request (your browser goes here)' }));
        item.appendChild(el('pre', { text: 'GET ' + url.replace('?', '\\n    ?').replace(/&/g, '\\n    &') }));
      }
      if (step.auto) renderCallback(item, r);
      if (step.request && (status === 'current' || result)) {
        var req = result ? result.request : buildRequest(step, r);
        item.appendChild(el('p', { class: 'label', text: 'Request' }));
        item.appendChild(el('pre', { class: 'request', text: httpText(req) }));
        if (req.authNote) item.appendChild(el('p', { text: 'Authorization is Basic base64(' + req.authNote + ').' }));
        if (result) {
          item.appendChild(el('p', { class: 'label', text: 'Response' }));
          item.appendChild(el('pre', { class: 'response', text: responseText(result.response) }));
          if (!result.ok) item.appendChild(el('p', { class: 'bad', text: 'Expected ' + (step.expect || 200) + (step.verify ? ' with the answer described above' : '') + '.' }));
        }
      }
      if (flow.needs === 'refresh_token' && index === 0 && status === 'pending' && !result) {
        var go = el('button', { type: 'button', class: 'secondary', text: 'Run the authorization code flow first' });
        go.addEventListener('click', function () { state.flow = 'code'; state.runs.code = undefined; save(); render(); });
        item.appendChild(el('p', { text: 'This flow needs a refresh token from the authorization code flow.' }));
        item.appendChild(go);
      }
      if (status === 'current' && !step.auto) {
        var button = el('button', { type: 'button', text: step.action });
        button.addEventListener('click', function () { perform(flow, step, r, button); });
        item.appendChild(button);
        focusTarget = focusTarget || button;
      }
      if (status === 'failed' && step.request) {
        var again = el('button', { type: 'button', class: 'secondary', text: 'Send again' });
        again.addEventListener('click', function () { delete r.results[step.id]; save(); render(); });
        item.appendChild(again);
      }
      list.appendChild(item);
    });
    var last = flow.steps[flow.steps.length - 1];
    if (r.results[last.id] && r.results[last.id].ok) list.appendChild(el('li', { class: 'step', 'data-state': 'done', 'data-step': 'finished' }, [el('p', { text: flow.done })]));
    return focusTarget;
  }

  function actorName(flow, a) { return (flow.names && flow.names[a]) || ACTORS[a]; }
  // "A \u2192 B", or "A \u21c4 B" when B answers A, for the step cards (the diagram scrolls on a phone).
  function who(flow, step) {
    var pairs = [];
    step.arrows.forEach(function (a) {
      var back = pairs.filter(function (p) { return p.from === a[1] && p.to === a[0]; })[0];
      if (back) back.both = true;
      else if (!pairs.some(function (p) { return p.from === a[0] && p.to === a[1]; })) pairs.push({ from: a[0], to: a[1], both: false });
    });
    return pairs.map(function (p) {
      return p.from === p.to ? actorName(flow, p.from) : actorName(flow, p.from) + (p.both ? ' \u21c4 ' : ' \u2192 ') + actorName(flow, p.to);
    }).join(', ');
  }

  function renderCallback(item, r) {
    if (!r.data.callbackUrl) return;
    item.appendChild(el('p', { class: 'label', text: 'Your browser arrived at' }));
    item.appendChild(el('pre', { text: 'GET ' + r.data.callbackUrl.replace('?', '\\n    ?').replace(/&/g, '\\n    &') }));
    var dl = el('dl', { class: 'checks' });
    function check(name, ok, text) { dl.appendChild(el('dt', { text: name })); dl.appendChild(el('dd', {}, [el('span', { class: ok ? 'ok' : 'bad', text: ok ? '\\u2713 ' : '\\u2717 ' }), text])); }
    if (r.data.error) check('error', false, r.data.error + (r.data.errorDescription ? ': ' + r.data.errorDescription : ''));
    else check('code', !!r.data.code, r.data.code ? 'received (single use, short-lived)' : 'missing');
    check('state', r.data.returnedState === r.data.state, r.data.returnedState === r.data.state ? 'matches what the app sent' : 'does not match: ignore this answer');
    check('iss', r.data.iss === config.issuer, r.data.iss === config.issuer ? config.issuer + ', the server the app asked' : 'unexpected issuer: ignore this answer');
    item.appendChild(dl);
  }

  function settleCallback(r) {
    var flow = FLOWS.code;
    if (state.flow !== 'code' || !r.data.callbackUrl || r.results.callback) return;
    var ok = !r.data.error && !!r.data.code && r.data.returnedState === r.data.state && r.data.iss === config.issuer;
    r.results.callback = { ok: ok };
    if (!r.results.authorize) r.results.authorize = { ok: true };
    save();
    announce(ok ? 'Back from the server with a code.' : 'The server answered with an error.');
    return flow;
  }

  function perform(flow, step, r, button) {
    button.disabled = true;
    var done = function () { save(); render(true); };
    if (step.local) { step.local(r).then(function (values) { r.results[step.id] = { ok: true, values: values }; announce(step.title + ': done.'); done(); }); return; }
    if (step.navigate) {
      ['authorize', 'callback', 'token'].forEach(function (id) { delete r.results[id]; });
      ['callbackUrl', 'code', 'returnedState', 'iss', 'error', 'errorDescription'].forEach(function (key) { delete r.data[key]; });
      save(); step.navigate(r); return;
    }
    var req = buildRequest(step, r);
    fetch(req.path, { method: 'POST', headers: req.headers, body: req.body, credentials: 'omit', cache: 'no-store' })
      .then(function (response) {
        return response.text().then(function (text) {
          var headers = {};
          ['content-type', 'cache-control', 'pragma', 'www-authenticate'].forEach(function (h) { var v = response.headers.get(h); if (v !== null) headers[h] = v; });
          var json = null; try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
          var res = { status: response.status, statusText: response.statusText, headers: headers, body: text, json: json };
          var ok = response.status === (step.expect || 200) && (!step.verify || !!step.verify(res));
          r.results[step.id] = { ok: ok, request: req, response: res };
          if (step.after) step.after(r, res);
          announce(step.title + ': ' + response.status + ' ' + response.statusText + (ok ? ', as expected.' : ', not what was expected.'));
          done();
        });
      })
      .catch(function (error) {
        r.results[step.id] = { ok: false, request: req, response: { status: 0, statusText: 'network error', headers: {}, body: String(error), json: null } };
        done();
      });
  }

  function announce(text) { $('status').textContent = text; }

  function render(moveFocus) {
    var flow = FLOWS[state.flow] || FLOWS.code;
    var r = run();
    settleCallback(r);
    $('flow-title').textContent = flow.title;
    $('flow-summary').textContent = flow.summary;
    renderDiagram(flow, r);
    var next = renderSteps(flow, r);
    if (moveFocus && next) next.focus();
  }

  $('reset').addEventListener('click', function () { state.runs[state.flow] = undefined; save(); render(true); });
  renderChoices();
  render(arrived);
})();
`
