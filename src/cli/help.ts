/**
 * The `--help` texts of `oauth2-stack` and its commands.
 *
 * @module
 */
import { DEFAULT_STORE_URL, STORE_ENV } from './store.ts'

const STORE_OPTIONS = `  --store <url>       Where clients and tokens live (default ${DEFAULT_STORE_URL};
                      also ${STORE_ENV}, which keeps database passwords out of the process list):
                      sqlite:<path>, sqlite::memory:, memory:, postgres://…, mysql://…, redis://…,
                      memcached://… (memcached keeps tokens only)
  --config <file>     JSON configuration file; its "store" is used when --store is not given`

/** The options and the secret note both `keys` commands share. */
const KEYS_OPTIONS = `  --issuer <url>      The issuer whose keys these are (default: OAUTH2_STACK_ISSUER, else the
                      config file's issuer, else serve's default http://<host>:<port>)
  --json              Print JSON (an array)
${STORE_OPTIONS}
  -h, --help          Show this help

The private keys are sealed under OAUTH2_STACK_KEY_SECRET; with a sqlite: store and no variable,
the key-secret file beside the database (the one serve created) is used.`

const EXIT_CODES = 'Exit codes: 0 ok, 1 the command failed, 2 wrong usage or configuration (nothing was done).'

/** Every command's help, by command name (`client add`). */
export const HELP: Readonly<Record<string, string>> = {
  '': `oauth2-stack: an OAuth 2.0 authorization server, from the command line

Usage: oauth2-stack <command> [options]

Commands:
  serve                  Run the demo/development server: login and consent, the playground, logs
  client add             Register a client; prints its generated secret once
  client list            List the registered clients
  client show <id>       Show one client
  client rm <id>         Remove a client
  token revoke <token>   Revoke an access token, or a refresh token and its family
  keys list              List the issuer's signing keys (kid, algorithm, state, dates)
  keys rotate            Rotate the signing keys; running servers follow within 60 s
  grant list             List remembered consent, per user or per client
  grant revoke           Revoke remembered consent and the tokens issued under it
  migrate                Create or upgrade the store's tables

Options:
  -h, --help             Show help; after a command, that command's help
  -v, --version          Print the version

${EXIT_CODES}
Run 'oauth2-stack <command> --help' for a command's options.
`,

  serve: `Usage: oauth2-stack serve [options]

Runs the demo/development authorization server: every grant, a login-and-consent page, the
playground at /playground, one log line per request and per audit event on stdout (secrets
redacted), GET /healthz (alive) and GET /readyz (the store answers: 200, else 503).

Options:
  --port <n>          Port to listen on; 0 picks a free one (default 8080)
  --host <address>    Address to bind (default 127.0.0.1). The demo credentials are public, so
                      a non-loopback host is refused unless you add --no-demo
  --issuer <url>      Issuer identifier: https, or http on a loopback host (default http://<host>:<port>)
${STORE_OPTIONS}
                      serve creates or upgrades the tables at start. SQLite needs no install
                      on Node 22.13 and later (node:sqlite); on Node 20: npm install better-sqlite3@12
  --log <format>      pretty or json (default: pretty on a terminal, json otherwise)
  --no-demo           Leave out the demo clients (abc / xyz, demo-public, playground), the
                      demo user (demo / demo) and the playground
  --drain-timeout <s> On SIGTERM or SIGINT, seconds to finish the requests in flight before
                      closing (default 10); new requests get 503 meanwhile
  -h, --help          Show this help

Config file fields (all optional; command-line options win):
  issuer, host, port, store, log, demo, playground,
  scopes                     {"profile": "See your name", …}: the words the consent page shows
  defaultScopes              ["profile"]: granted when a client asks for none
  users                      [{"username": "alice", "password": "…", "name": "Alice"}]
  accessTokenLifetime, refreshTokenLifetime, authorizationCodeLifetime (seconds)
  accessTokenFormat          "opaque" (default) or "jwt": RFC 9068 JWTs signed with the store's keys
  signingAlgorithms          ["ES256"]: key-set algorithms besides RS256 (always kept)

Signing keys live in the store, sealed under OAUTH2_STACK_KEY_SECRET (32+ bytes, the same for every
process); with a sqlite: store and no variable, serve keeps a generated one in key-secret beside the
database file (mode 0600). See docs/signing-keys.md and 'oauth2-stack keys --help'.

Examples:
  oauth2-stack serve
  oauth2-stack serve --port 0 --store memory: --log json
  oauth2-stack serve --host 0.0.0.0 --no-demo --config dev.json

${EXIT_CODES}
`,

  client: `Usage: oauth2-stack client <add|list|show|rm> [options]

Commands:
  client add             Register a client; prints its generated secret once
  client list            List the registered clients
  client show <id>       Show one client
  client rm <id>         Remove a client

Run 'oauth2-stack client <command> --help' for a command's options.
${EXIT_CODES}
`,

  'client add': `Usage: oauth2-stack client add [options]

Registers a client. A confidential client gets a generated secret (256 bits), printed once: it is
stored hashed and cannot be shown again.

Options:
  --name <text>         Name shown to users on the consent page
  --id <client_id>      The client_id (default: generated from the name)
  --redirect-uri <uri>  A redirect URI, registered in full and matched exactly (repeatable):
                        https, http on a loopback host, or a private-use scheme (com.example.app:/cb)
  --grant <type>        A grant type the client may use (repeatable): authorization_code,
                        refresh_token, client_credentials, implicit, password,
                        urn:ietf:params:oauth:grant-type:device_code. Default: authorization_code
                        and refresh_token with a redirect URI, else client_credentials
  --scope <scope>       A scope the client may ask for (repeatable; default: any scope)
  --public              A public client: no secret, PKCE required (apps that cannot keep a secret)
  --json                Print the result as JSON
${STORE_OPTIONS}
  -h, --help            Show this help

OpenID Connect options:
  --post-logout-redirect-uri <uri>
                        Where the client may send the browser after logout (repeatable),
                        registered in full and matched exactly; the --redirect-uri rules
  --backchannel-logout-uri <uri>
                        Where logout tokens are POSTed (Back-Channel Logout): https, or http
                        on a loopback host
  --id-token-alg <alg>  The algorithm of the client's ID tokens: RS256 (default), ES256, EdDSA;
                        the server's signing keys must include one for it
  --cors-origin <origin>
                        A browser origin allowed to call the token, revocation and userinfo
                        endpoints (repeatable): scheme://host[:port] only, no path, e.g.
                        https://app.example (https, or http on a loopback host)

Examples:
  oauth2-stack client add --name "Billing service" --grant client_credentials --scope invoices
  oauth2-stack client add --name "Web app" --redirect-uri https://app.example/callback
  oauth2-stack client add --public --name "Mobile app" --redirect-uri com.example.app:/oauth
  oauth2-stack client add --public --name "SPA" --redirect-uri https://spa.example/cb \\
    --cors-origin https://spa.example --post-logout-redirect-uri https://spa.example/bye

${EXIT_CODES}
`,

  'client list': `Usage: oauth2-stack client list [options]

Lists the registered clients.

Options:
  --json              Print JSON (an array)
${STORE_OPTIONS}
  -h, --help          Show this help

${EXIT_CODES}
`,

  'client show': `Usage: oauth2-stack client show <client_id> [options]

Shows one client (never its secret, which is only stored hashed).

Options:
  --json              Print JSON
${STORE_OPTIONS}
  -h, --help          Show this help

${EXIT_CODES} An unknown client_id is exit code 1.
`,

  'client rm': `Usage: oauth2-stack client rm <client_id> [options]

Removes a client. It can no longer authenticate, so its refresh tokens stop working; access tokens
already issued stay valid until they expire (revoke them with 'oauth2-stack token revoke').

Options:
${STORE_OPTIONS}
  -h, --help          Show this help

${EXIT_CODES} An unknown client_id is exit code 1.
`,

  token: `Usage: oauth2-stack token revoke <token|-> [options]

Commands:
  token revoke <token>   Revoke an access token, or a refresh token and its whole family

Run 'oauth2-stack token revoke --help' for its options.
${EXIT_CODES}
`,

  'token revoke': `Usage: oauth2-stack token revoke <token|-> [options]

Revokes an access token, or a refresh token together with every token of its family (RFC 7009,
RFC 9700 section 4.14). The store only knows tokens by their SHA-256 hash; the token is hashed here.
Pass - to read the token from standard input, which keeps it out of the shell history and the
process list. A token that begins with - is taken as the token too (or write -- before it).

Options:
${STORE_OPTIONS}
  -h, --help          Show this help

${EXIT_CODES} A token that is unknown, expired or already revoked is exit code 1.
`,

  keys: `Usage: oauth2-stack keys <list|rotate> [options]

Commands:
  keys list              List the issuer's signing keys: kid, algorithm, state, dates
  keys rotate            Rotate them (current -> retiring, next -> current, a new next key)

Run 'oauth2-stack keys <command> --help' for a command's options.
${EXIT_CODES}
`,

  'keys list': `Usage: oauth2-stack keys list [options]

Lists the issuer's signing keys, one line each (never key material): next keys are published but
do not sign yet, the current key signs, retiring keys stay published until RETIRES. The set is
created (an RS256 key, plus the config file's signingAlgorithms) if the store has none yet.

Options:
${KEYS_OPTIONS}

${EXIT_CODES}
`,

  'keys rotate': `Usage: oauth2-stack keys rotate [options]

Rotates the signing keys: each current key retires (it stays published until everything it signed
has expired), the next key, published since it was made, becomes current, and a new next key is
made. Running servers read the change within their refresh interval (60 s); a new current key signs
only once that interval has passed since it was published.

Options:
  --alg <alg>         Rotate only this algorithm (RS256, ES256, EdDSA; repeatable; default: all)
${KEYS_OPTIONS}

${EXIT_CODES}
`,

  grant: `Usage: oauth2-stack grant <list|revoke> (--user <id> | --client <id>) [options]

Commands:
  grant list             List remembered consent (the grants users gave clients)
  grant revoke           Revoke remembered consent and the tokens issued under it

Run 'oauth2-stack grant <command> --help' for its options.
${EXIT_CODES}
`,

  'grant list': `Usage: oauth2-stack grant list (--user <id> | --client <id>) [options]

Lists the remembered consent of a user (every client she allowed) or of a client (every user who
allowed it), or of one user for one client when both are given: scopes, redirect URI (for
self-registered and metadata-document clients), grant id, when last given.

Options:
  --user <id>         The user, as the site adapter names her
  --client <id>       The client_id
  --json              Print JSON
${STORE_OPTIONS}
  -h, --help          Show this help

${EXIT_CODES}
`,

  'grant revoke': `Usage: oauth2-stack grant revoke (--user <id> | --client <id>) [options]

Revokes remembered consent: of a user for one client (--user and --client), every consent of a user
(--user), or every consent given to a client (--client). The next authorization asks for consent
again, and the access and refresh tokens issued under each consent are ended when the token store can
end token families by grant.

Options:
  --user <id>         The user, as the site adapter names her
  --client <id>       The client_id
  --json              Print the revoked consents as JSON
${STORE_OPTIONS}
  -h, --help          Show this help

${EXIT_CODES}
`,

  migrate: `Usage: oauth2-stack migrate [options]
       oauth2-stack migrate --print-sql [--store <url>|postgres|mysql|mariadb|sqlite]

Creates or upgrades the store's tables (SQL stores; nothing to do for Redis, memcached or memory:).
Safe to run again: it applies only what is missing.

Options:
${STORE_OPTIONS}
  --print-sql         Print the SQL store's full DDL (latest schema, default table prefix) for a DBA,
                      without connecting; --store may name just the backend
  -h, --help          Show this help

${EXIT_CODES}
`,
}
