/**
 * What the playground page knows about the server it runs against: written into the page as JSON by
 * `page.ts`, read by the browser script (`browser/`). Types only, so both sides share it.
 *
 * @module
 */

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
  /**
   * Path of the UserInfo endpoint (`/userinfo`) when the server is an OpenID Provider: the page then offers
   * its OpenID Connect flow. See {@link playgroundOpenIdConfig}.
   */
  readonly userinfoPath?: string
  /** The server's `jwks_uri`, which the OpenID Connect flow links to: where a relying party gets the keys that verify ID tokens. */
  readonly jwksUri?: string
}

/** The page's JSON: the server's {@link PlaygroundConfig} and the playground's own two paths. */
export interface PlaygroundPageData extends PlaygroundConfig {
  /** Path of the page (`/playground`). */
  readonly pagePath: string
  /** Path of the redirect URI (`/playground/callback`), where the same page reads the response. */
  readonly callbackPath: string
}
