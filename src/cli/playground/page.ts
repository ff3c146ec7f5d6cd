/**
 * The playground at `/playground` on the demo server: pick a grant and walk through its real requests
 * and responses against the same server, with a sequence picture of who talks to whom. One
 * self-contained page (its callback at `/playground/callback` is the same page); its one inline script
 * (`browser/`, see script.ts) and stylesheet (style.ts) are allowed by a per-response CSP nonce, nothing
 * else runs.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { Response } from '../../web/response.ts'
import type { PlaygroundConfig, PlaygroundPageData } from './config.ts'
import { playgroundScript } from './script.ts'
import { PLAYGROUND_STYLE } from './style.ts'

export type { PlaygroundConfig }

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

/**
 * The playground's OpenID Connect fields from the server's metadata (RFC 8414 / OpenID Connect Discovery
 * 1.0 section 3): the UserInfo endpoint's path, called on the page's own origin as every endpoint is, and
 * the `jwks_uri` the page links to. None when the server has no UserInfo endpoint or no JWKS (it is not an
 * OpenID Provider), and the page then offers no OpenID Connect flow.
 */
export function playgroundOpenIdConfig(metadata: Readonly<Record<string, unknown>>): Pick<PlaygroundConfig, 'userinfoPath' | 'jwksUri'> {
  const userinfo = metadata['userinfo_endpoint']
  const jwksUri = metadata['jwks_uri']
  if (typeof userinfo !== 'string' || typeof jwksUri !== 'string') return {}
  const base = String(metadata['issuer']).replace(/\/$/, '')
  const userinfoPath = userinfo.startsWith(`${base}/`) ? userinfo.slice(base.length) : new URL(userinfo).pathname
  return { userinfoPath, jwksUri }
}

/**
 * Renders the playground (for both {@link PLAYGROUND_PATH} and {@link PLAYGROUND_CALLBACK_PATH}) with a
 * fresh CSP nonce: `script-src` and `style-src` allow exactly this response's inline script and style,
 * `connect-src 'self'` lets the script call the server's endpoints, and nothing else is loaded.
 */
export function playgroundPage(config: PlaygroundConfig): Response {
  const nonce = randomBytes(16).toString('base64')
  const data: PlaygroundPageData = { ...config, pagePath: PLAYGROUND_PATH, callbackPath: PLAYGROUND_CALLBACK_PATH }
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><link rel="icon" href="data:,">
<title>OAuth 2.0 playground · oauth2-stack</title>
<style nonce="${nonce}">${PLAYGROUND_STYLE}</style></head>
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
<script nonce="${nonce}">${playgroundScript()}</script>
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
