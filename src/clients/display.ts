/**
 * What a consent page must tell the user about a client it cannot vouch for (MCP security
 * considerations for Client ID Metadata Documents; draft-ietf-oauth-client-id-metadata-document section
 * 6.5 "OAuth Phishing Attacks").
 *
 * @module
 */

import type { Client } from '../types.ts'

/** How a consent page should present a client described by a metadata document. */
export interface ClientDisplay {
  /**
   * The host of the client's `client_id` URL (e.g. `claude.ai`): the one thing about the client that is
   * verified (the document was fetched from it). Show it prominently.
   */
  readonly host: string
  /** Always `false`: the client's name is what its own document says; mark it as unverified. */
  readonly nameVerified: false
  /**
   * Every redirect URI is on localhost (127.0.0.1, [::1] or `localhost`): whatever runs on the user's
   * machine gets the code, whoever published the document. Warn the user.
   */
  readonly localhostOnly: boolean
}

const LOOPBACK_REDIRECT = /^https?:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?:[:/?]|$)/

/** The display hints of a metadata-document client, `undefined` for a registered client. */
export function clientDisplayOf(client: Client): ClientDisplay | undefined {
  if (client.source !== 'metadata-document') return undefined
  return {
    host: new URL(client.clientId).host,
    nameVerified: false,
    localhostOnly: client.redirectUris.length > 0 && client.redirectUris.every((uri) => LOOPBACK_REDIRECT.test(uri)),
  }
}
