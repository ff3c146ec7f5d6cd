import { ConfigurationError } from '../errors.ts'
import { randomBase64url } from '../internal/crypto.ts'
import { randomId } from '../internal/random-id.ts'
import type { RecordStore } from '../stores/types.ts'
import { hashToken } from '../tokens/hash.ts'
import type { UserData } from '../types.ts'
import type { Request } from '../web/request.ts'

/** RecordStore kind of login sessions. */
const KIND = 'session'
/** A cookie value the server issued: 32 random bytes, base64url (256 bits). */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/

/** Default absolute lifetime of a login session: 24 hours from the sign-in. */
export const DEFAULT_SESSION_LIFETIME = 86_400
/** Default idle lifetime of a login session: 2 hours without a request that uses it. */
export const DEFAULT_SESSION_IDLE_LIFETIME = 7_200
/** Default time between two writes that extend a session's idle expiry: 5 minutes. */
export const DEFAULT_SESSION_TOUCH_INTERVAL = 300
/**
 * The most clients a session records ({@link LoginSession.clientIds}); past it the oldest is forgotten, so
 * the record stays small however many clients a user signs in to.
 */
export const MAX_SESSION_CLIENTS = 64
/** Compare-and-set rounds {@link LoginSessions.addClient} tries before it gives up: each round has a winner. */
const ADD_CLIENT_ATTEMPTS = 32

/**
 * A login session as the core keeps it (single sign-on): who signed in and when. Stored under the SHA-256
 * hash of the cookie's value, so a dump of the store holds no usable cookie.
 */
export interface LoginSession {
  /**
   * The session's public identifier (OpenID Connect `sid`, carried into the grants made in it as
   * `GrantContext.sessionId`). Not the cookie's value, which stays secret.
   */
  readonly sid: string
  /** The signed-in user, as the site adapter named her. */
  readonly userId: string
  /** When the user authenticated, in epoch seconds (OpenID Connect `auth_time`). */
  readonly authTime: number
  /** The user data the site adapter returned at sign-in, kept with the codes and tokens issued in this session. */
  readonly data: UserData
  /** When the session began, in epoch seconds. */
  readonly createdAt: number
  /** The absolute end of the session, in epoch seconds: it is never extended past this. */
  readonly expiresAt: number
  /** When the session was last extended for activity, in epoch seconds. */
  readonly touchedAt: number
  /**
   * The clients the authorization endpoint granted a code or token in this session, oldest first, each
   * once, at most {@link MAX_SESSION_CLIENTS}: those back-channel logout tells when the session ends
   * (OpenID Connect Back-Channel Logout 1.0 section 2.7). Written by {@link LoginSessions.addClient}.
   */
  readonly clientIds: readonly string[]
  /**
   * `true` when the site adapter's `currentUser` seeded the session (the host application's sign-in):
   * the host is then asked again at every authorization request, and its answer wins.
   */
  readonly host?: boolean
}

/** Who a new session is for. */
export interface SessionUser {
  readonly userId: string
  readonly authTime: number
  readonly data: UserData
  /** `true` when the host application's user seeds the session (see {@link LoginSession.host}). */
  readonly host?: boolean
}

/**
 * Lifetimes of login sessions (the controller's `sessions` option). Every value is in seconds.
 */
export interface SessionLifetimes {
  /** How long a session lives at most after the sign-in. Default {@link DEFAULT_SESSION_LIFETIME} (24 h). */
  readonly lifetime?: number
  /** How long a session lives without being used. Default {@link DEFAULT_SESSION_IDLE_LIFETIME} (2 h). */
  readonly idleLifetime?: number
  /**
   * The idle expiry is extended at most once per this many seconds, so a busy session is not written on
   * every request. Default {@link DEFAULT_SESSION_TOUCH_INTERVAL} (5 min).
   */
  readonly touchInterval?: number
}

/** Options of {@link LoginSessions}. */
export interface LoginSessionsOptions extends SessionLifetimes {
  /** Whether the issuer is https: the cookie is then `__Host-oauth2_session` and `Secure`. */
  readonly secure: boolean
  /** Now, in epoch seconds. */
  readonly now: () => number
}

/** A session begun: the session and the `Set-Cookie` value that hands it to the browser. */
export interface StartedSession {
  readonly session: LoginSession
  readonly setCookie: string
}

/**
 * The core's login sessions, kept in the controller's {@link RecordStore} (kind `session`), so every
 * backend that holds records holds them and every process sharing the store sees them.
 *
 * The browser holds a 256-bit random id in an `HttpOnly; SameSite=Lax` cookie (Lax, so a relying party's
 * top-level redirect to the authorization endpoint carries it; `__Host-` prefixed and `Secure` on an
 * https issuer). The store keeps only its SHA-256 hash. A new id is drawn at every sign-in and the
 * previous session deleted, so an id planted in the browser before the sign-in is never adopted (session
 * fixation). A session ends at the first of its absolute expiry and its idle expiry; the idle expiry is
 * moved forward at most once per `touchInterval`. A session records the clients granted in it
 * ({@link LoginSession.clientIds}, {@link LoginSessions.addClient}), whom back-channel logout tells.
 */
export class LoginSessions {
  /** The name of the session cookie. */
  readonly cookieName: string
  readonly #attributes: string
  readonly #records: RecordStore
  readonly #now: () => number
  readonly #lifetime: number
  readonly #idle: number
  readonly #touch: number
  /** The record key (the cookie's hash) of each session this object handed out, for {@link addClient}. */
  readonly #keys = new WeakMap<LoginSession, string>()

  constructor(records: RecordStore, options: LoginSessionsOptions) {
    this.#records = records
    this.#now = options.now
    this.#lifetime = seconds('sessions.lifetime', options.lifetime ?? DEFAULT_SESSION_LIFETIME)
    this.#idle = seconds('sessions.idleLifetime', options.idleLifetime ?? DEFAULT_SESSION_IDLE_LIFETIME)
    this.#touch = Math.min(seconds('sessions.touchInterval', options.touchInterval ?? DEFAULT_SESSION_TOUCH_INTERVAL), this.#idle)
    this.cookieName = options.secure ? '__Host-oauth2_session' : 'oauth2_session'
    // Path=/ because the controller may be mounted under any prefix (and the logout endpoint elsewhere).
    this.#attributes = `; Path=/; HttpOnly; SameSite=Lax${options.secure ? '; Secure' : ''}`
  }

  /**
   * The live session of the browser that sent `request`, or `undefined`. Extends its idle expiry when
   * the last extension is older than `touchInterval`.
   */
  async current(request: Request): Promise<LoginSession | undefined> {
    const value = request.cookie(this.cookieName)
    if (value === undefined || !SESSION_ID.test(value)) return undefined
    const key = hashToken(value)
    const record = await this.#records.getRecord(KIND, key)
    const session = record === undefined ? undefined : parseSession(record.value)
    if (record === undefined || session === undefined) return undefined
    const now = this.#now()
    if (session.expiresAt <= now) return undefined
    if (now - session.touchedAt >= this.#touch) {
      const touched: LoginSession = { ...session, touchedAt: now }
      // Compare-and-set: a concurrent request that extended it first wins, which is as good (and a
      // concurrent addClient is never overwritten).
      await this.#records.replaceRecord(KIND, key, record.version, JSON.stringify(touched), this.#expiry(touched))
      this.#keys.set(touched, key)
      return touched
    }
    this.#keys.set(session, key)
    return session
  }

  /**
   * Begins a session for `user` with a fresh id, deleting the browser's previous session if it had one
   * (the id changes at every sign-in). Returns the session and the cookie to set.
   */
  async start(request: Request, user: SessionUser): Promise<StartedSession> {
    const previous = request.cookie(this.cookieName)
    if (previous !== undefined && SESSION_ID.test(previous)) await this.#records.deleteRecord(KIND, hashToken(previous))
    const now = this.#now()
    const session: LoginSession = {
      sid: randomId(16),
      userId: user.userId,
      authTime: user.authTime,
      data: user.data,
      createdAt: now,
      expiresAt: now + this.#lifetime,
      touchedAt: now,
      clientIds: [],
      ...(user.host === true ? { host: true } : {}),
    }
    const value = randomBase64url(32)
    const key = hashToken(value)
    await this.#records.putRecord(KIND, key, JSON.stringify(session), this.#expiry(session))
    this.#keys.set(session, key)
    return { session, setCookie: `${this.cookieName}=${value}${this.#attributes}; Max-Age=${this.#lifetime}` }
  }

  /**
   * Records that `clientId` was granted a code or token in `session` (a session {@link current} or
   * {@link start} of this object returned), so logout can tell it by back-channel (Back-Channel Logout 1.0
   * section 2.7). Nothing is written when the client is already recorded; otherwise the session record is
   * updated by compare-and-set on its version (retried on a lost race, so concurrent grants of several
   * clients are all kept and never undo an idle extension), its expiry unchanged, keeping the newest
   * {@link MAX_SESSION_CLIENTS} clients. Resolves whether the client is recorded: `false` when the session
   * ended or expired meanwhile.
   */
  async addClient(session: LoginSession, clientId: string): Promise<boolean> {
    if (session.clientIds.includes(clientId)) return true
    const key = this.#keys.get(session)
    if (key === undefined) throw new TypeError('addClient takes a session returned by current() or start() of the same LoginSessions')
    for (let attempt = 0; attempt < ADD_CLIENT_ATTEMPTS; attempt++) {
      const record = await this.#records.getRecord(KIND, key)
      const stored = record === undefined ? undefined : parseSession(record.value)
      if (record === undefined || stored === undefined || stored.sid !== session.sid || stored.expiresAt <= this.#now()) return false
      if (stored.clientIds.includes(clientId)) return true
      const updated: LoginSession = { ...stored, clientIds: [...stored.clientIds, clientId].slice(-MAX_SESSION_CLIENTS) }
      if (await this.#records.replaceRecord(KIND, key, record.version, JSON.stringify(updated), this.#expiry(updated))) return true
    }
    throw new Error('the login session is too contended to record its client')
  }

  /**
   * Ends the session of the browser that sent `request` (logout): deletes it from the store and returns
   * what it was, with the `Set-Cookie` value that removes the cookie (to send in any case).
   */
  async end(request: Request): Promise<{ readonly session: LoginSession | undefined; readonly clearCookie: string }> {
    const session = await this.current(request)
    const value = request.cookie(this.cookieName)
    if (value !== undefined && SESSION_ID.test(value)) await this.#records.deleteRecord(KIND, hashToken(value))
    return { session, clearCookie: this.clearCookie }
  }

  /** The `Set-Cookie` value that removes the session cookie. */
  get clearCookie(): string {
    return `${this.cookieName}=${this.#attributes}; Max-Age=0`
  }

  /** When the record expires: the first of the absolute and the idle expiry. */
  #expiry(session: LoginSession): number {
    return Math.min(session.expiresAt, session.touchedAt + this.#idle)
  }
}

/** A stored session, or `undefined` when the value is not one (never trusted blindly). */
function parseSession(value: string): LoginSession | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<LoginSession> | null
    if (
      parsed === null ||
      typeof parsed.sid !== 'string' ||
      typeof parsed.userId !== 'string' ||
      typeof parsed.authTime !== 'number' ||
      typeof parsed.createdAt !== 'number' ||
      typeof parsed.expiresAt !== 'number' ||
      typeof parsed.touchedAt !== 'number'
    ) {
      return undefined
    }
    const data = typeof parsed.data === 'object' && parsed.data !== null ? parsed.data : {}
    // A session stored before clients were recorded has none.
    const clientIds = Array.isArray(parsed.clientIds) ? parsed.clientIds.filter((id): id is string => typeof id === 'string') : []
    return { ...(parsed as LoginSession), data, clientIds }
  } catch {
    return undefined
  }
}

/** A whole number of seconds, at least 1; a `ConfigurationError` otherwise. */
function seconds(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigurationError(`${name} must be a whole number of seconds, at least 1`)
  return value
}
