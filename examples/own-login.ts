/**
 * An existing Express app with its own users, login page and session, adding an OAuth 2.0 authorization
 * server: `npm run example -- own-login` (docs/own-login.md). Everything lives in one SQLite database
 * (`OWN_LOGIN_DB`, default in memory): the app's `users` and `app_sessions` tables and oauth2-stack's
 * `oauth2_*` tables. Access tokens are JWTs signed by the store's key set; refresh tokens rotate; /api/me
 * is guarded.
 *
 * - Anonymous at /oauth/authorize → 303 to `/login?return_to=/oauth/authorize?...` → sign in → back.
 * - Signed in → only the consent page; once allowed, no page at all for the same scopes.
 *
 * The users are alice / wonderland and bob / looking-glass; the client `notes-app` is public (PKCE), redirect
 * http://localhost:9090/callback. With `OWN_LOGIN_DB=./own-login.db`, set `OAUTH2_STACK_KEY_SECRET` (32+
 * bytes, e.g. `openssl rand -base64 32`) so the signing keys can be opened again after a restart.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import express, { type Request as ExpressRequest } from 'express'
import { AuthorizationController } from 'oauth2-stack'
import { oauth2Router, type ExpressEnviron } from 'oauth2-stack/express'
import { AuthorizationCodeGrant, RefreshToken, Scope } from 'oauth2-stack/grant'
import { KeySet } from 'oauth2-stack/keys'
import { expressBearer, verifiedToken } from 'oauth2-stack/resource'
import { SqliteStore, type SqliteDatabase } from 'oauth2-stack/store/sqlite'
import { JwtTokenGenerator } from 'oauth2-stack/tokengenerator'
import { escapeHtml } from 'oauth2-stack/web'
import { Accounts, APP_SESSION_COOKIE, APP_SESSION_SECONDS, openAppDatabase } from './shared/own-login-accounts.ts'
import { LOGIN_PATH, OwnLoginSiteAdapter, readCookie, safeReturnTo } from './shared/own-login-site-adapter.ts'

const PORT = Number(process.env.PORT ?? 8080)
const origin = `http://localhost:${PORT}`
const issuer = `${origin}/oauth`
const API = `${origin}/api`
const dbPath = process.env.OWN_LOGIN_DB ?? ':memory:'
const secret = process.env.OAUTH2_STACK_KEY_SECRET ?? (dbPath === ':memory:' ? randomBytes(32).toString('base64') : undefined)
if (secret === undefined) {
  console.error('OWN_LOGIN_DB is a file: set OAUTH2_STACK_KEY_SECRET (32+ bytes, the same at every start) to seal the signing keys.')
  process.exit(2)
}
/** The login form's double-submit CSRF cookie: a login CSRF would sign the victim in as the attacker. */
const LOGIN_CSRF_COOKIE = 'login_csrf'

const now = (): number => Math.floor(Date.now() / 1000)
const secure = origin.startsWith('https:')

// The app's database: its own tables, and oauth2-stack's beside them (prefix oauth2_).
const db = await openAppDatabase(dbPath)
db.exec('PRAGMA journal_mode = WAL')
const accounts = new Accounts(db, now)
await accounts.addUser({ id: 'u-alice', username: 'alice', name: 'Alice Liddell' }, 'wonderland')
await accounts.addUser({ id: 'u-bob', username: 'bob', name: 'Bob' }, 'looking-glass')
// The same connection, whichever driver opened it (both are what SqliteStore accepts).
const store = new SqliteStore({ database: db as unknown as SqliteDatabase })
await store.migrate() // at start-up, never at request time
await store.addClient({ clientId: 'notes-app', name: 'Notes', redirectUris: ['http://localhost:9090/callback'] })

const keys = new KeySet({ store, issuer, secret, algorithms: ['ES256'] })
await keys.load() // a wrong secret stops the start here
const controller = new AuthorizationController<ExpressEnviron>({
  issuer,
  clientStore: store,
  accessTokenStore: store,
  authCodeStore: store,
  recordStore: store,
  signer: keys,
  tokenGenerator: new JwtTokenGenerator({ issuer, signer: keys, audience: API }),
  scope: new Scope({ available: ['profile', 'notes'], default: ['profile'] }),
  siteAdapter: new OwnLoginSiteAdapter(accounts),
})
controller.addGrant(new AuthorizationCodeGrant())
controller.addGrant(new RefreshToken({ expiresIn: 30 * 86_400 }))

const app = express()
app.disable('x-powered-by')
const form = express.urlencoded({ extended: false, limit: '8kb' })

// The app's session stays the truth: oauth2-stack asks currentUser again at every authorization request and
// ends or replaces its own session when the app's user signed out, changed, or signed in again.
app.use('/oauth', oauth2Router(controller))

app.get('/', (req, res) => {
  const own = accounts.session(readCookie(req.headers.cookie, APP_SESSION_COOKIE))
  page(
    res,
    'Notes',
    own === undefined
      ? `<p><a href="${LOGIN_PATH}">Sign in</a></p>`
      : `<p>Hello ${escapeHtml(own.user.name)}. <a href="/logout">Sign out</a></p>`,
  )
})

app.get(LOGIN_PATH, (req, res) => {
  const returnTo = safeReturnTo(req.query.return_to, origin)
  const own = accounts.session(readCookie(req.headers.cookie, APP_SESSION_COOKIE))
  // Signed in already, and oauth2-stack does not ask to sign in again (prompt=login, max_age): straight back.
  if (own !== undefined && req.query.reauth !== '1') {
    res.redirect(303, returnTo)
    return
  }
  const hint = typeof req.query.login_hint === 'string' ? req.query.login_hint : ''
  loginForm(res, 200, returnTo, hint, '')
})

app.post(LOGIN_PATH, form, (req, res, next) => {
  const body = req.body as Record<string, unknown>
  const returnTo = safeReturnTo(body.return_to, origin)
  const username = typeof body.username === 'string' ? body.username : ''
  if (!csrfMatches(req, body.csrf)) {
    loginForm(res, 403, returnTo, username, 'The form expired. Please try again.')
    return
  }
  accounts
    .checkPassword(username, typeof body.password === 'string' ? body.password : '')
    .then((user) => {
      if (user === undefined) {
        loginForm(res, 401, returnTo, username, 'Wrong username or password.')
        return
      }
      // A new session id at every sign-in (no fixation); the previous one is gone.
      accounts.endSession(readCookie(req.headers.cookie, APP_SESSION_COOKIE))
      res.cookie(APP_SESSION_COOKIE, accounts.startSession(user), {
        httpOnly: true,
        sameSite: 'lax',
        secure,
        path: '/',
        maxAge: APP_SESSION_SECONDS * 1000,
      })
      res.clearCookie(LOGIN_CSRF_COOKIE, { path: LOGIN_PATH })
      // Back to the authorization request: its sign-in mark tells oauth2-stack this sign-in came after prompt=login.
      res.redirect(303, returnTo)
    })
    .catch(next)
})

app.get('/logout', (_req, res) => {
  page(res, 'Sign out', '<form method="post" action="/logout"><button>Sign out</button></form>')
})

app.post('/logout', (req, res) => {
  // oauth2-stack's session ends at the next authorization request, when currentUser finds nobody. Issued
  // tokens live on until they expire or are revoked: signing out of the app ends the sessions only.
  accounts.endSession(readCookie(req.headers.cookie, APP_SESSION_COOKIE))
  res.clearCookie(APP_SESSION_COOKIE, { path: '/' })
  res.redirect(303, '/')
})

// The API: JWTs checked with the key set in this process (no HTTP to /jwks) and against the store, so a
// revoked token is refused before it expires.
app.get('/api/me', expressBearer({ issuer, audience: API, jwks: keys, store }, ['profile']), (req, res) => {
  const token = verifiedToken(req)
  // A client_credentials token is not a user: refuse it here (RFC 9068 section 5).
  if (token?.subjectType !== 'user') {
    res.status(403).json({ error: 'insufficient_scope' })
    return
  }
  res.json({ user: token.subject, client: token.clientId, scopes: token.scopes })
})

app.listen(PORT, () => console.log(`App with its own login and oauth2-stack on ${origin} (alice / wonderland)`))

function loginForm(res: express.Response, status: number, returnTo: string, username: string, error: string): void {
  const csrf = randomBytes(32).toString('base64url')
  res.cookie(LOGIN_CSRF_COOKIE, csrf, { httpOnly: true, sameSite: 'strict', secure, path: LOGIN_PATH })
  res.status(status)
  page(
    res,
    'Sign in',
    `${error === '' ? '' : `<p role="alert">${escapeHtml(error)}</p>`}
<form method="post" action="${LOGIN_PATH}">
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="return_to" value="${escapeHtml(returnTo)}">
<label>Username <input name="username" autocomplete="username" value="${escapeHtml(username)}"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button>Sign in</button>
</form>`,
  )
}

function csrfMatches(req: ExpressRequest, field: unknown): boolean {
  const cookie = readCookie(req.headers.cookie, LOGIN_CSRF_COOKIE)
  if (cookie === undefined || typeof field !== 'string' || field.length !== cookie.length) return false
  return timingSafeEqual(Buffer.from(cookie), Buffer.from(field))
}

function page(res: express.Response, title: string, body: string): void {
  res
    .set({
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'content-security-policy': "frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
    })
    .type('html')
    .send(`<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`)
}
