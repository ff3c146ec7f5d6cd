/**
 * The host application's own accounts and sessions for `examples/own-login.ts`: a `users` table and an
 * `app_sessions` table in the app's SQLite database, created by the app (not by oauth2-stack). Passwords
 * are hashed with scrypt (node:crypto); the session cookie holds 256 random bits and the table only their
 * SHA-256 hash, so logout really ends a session and a copy of the database holds no usable cookie.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
/**
 * The app's SQLite connection: better-sqlite3's `Database`, or `node:sqlite`'s `DatabaseSync` where
 * better-sqlite3 does not load (Node 22 and 24 without a rebuild). Both have these methods.
 */
export interface AppDatabase {
  exec(sql: string): unknown
  prepare(sql: string): {
    get(...params: unknown[]): unknown
    run(...params: unknown[]): { readonly changes: number | bigint }
    all(...params: unknown[]): unknown[]
  }
}

/** Opens the app's database with better-sqlite3, else with Node's built-in `node:sqlite`. */
export async function openAppDatabase(path: string): Promise<AppDatabase> {
  try {
    const { default: Database } = await import('better-sqlite3')
    return new Database(path)
  } catch {
    const builtin = 'node:sqlite'
    const { DatabaseSync } = (await import(builtin)) as { DatabaseSync: new (path: string) => AppDatabase }
    return new DatabaseSync(path)
  }
}

/** The app's session cookie. `SameSite=Lax`: a client's top-level redirect to /oauth/authorize carries it. */
export const APP_SESSION_COOKIE = 'app_session'
/** How long an app session lasts, in seconds (absolute, from the sign-in). */
export const APP_SESSION_SECONDS = 8 * 3600
/** scrypt's cost parameters (N = 2^15, r = 8, p = 1: OWASP's 2024 minimum is N = 2^17 with 64 MiB; lowered for a demo). */
const SCRYPT: ScryptOptions = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }
const KEY_LENGTH = 32

/** A user of the app, as its `users` table holds her. */
export interface AppUser {
  readonly id: string
  readonly username: string
  readonly name: string
}

/** A signed-in browser: who, and when she typed her password (epoch seconds). */
export interface AppSession {
  readonly user: AppUser
  readonly authTime: number
}

/** The `users` and `app_sessions` tables of the app, over its own better-sqlite3 database. */
export class Accounts {
  readonly #db: AppDatabase
  readonly #now: () => number
  /** A hash to compare against when the name is unknown, so the answer's timing does not tell which names exist. */
  #dummy: string | undefined

  constructor(db: AppDatabase, now: () => number = () => Math.floor(Date.now() / 1000)) {
    this.#db = db
    this.#now = now
    db.exec(`CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS app_sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  auth_time INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);`)
  }

  /** Adds a user unless her name is taken; returns whether she was added. */
  async addUser(user: AppUser, password: string): Promise<boolean> {
    const hash = await hashPassword(password)
    const result = this.#db
      .prepare('INSERT OR IGNORE INTO users (id, username, name, password_hash) VALUES (?, ?, ?, ?)')
      .run(user.id, user.username, user.name, hash)
    return result.changes === 1
  }

  /** The user with this name and password, or `undefined`. Always runs scrypt once, known name or not. */
  async checkPassword(username: string, password: string): Promise<AppUser | undefined> {
    const row = this.#db.prepare('SELECT id, username, name, password_hash FROM users WHERE username = ?').get(username) as
      { id: string; username: string; name: string; password_hash: string } | undefined
    this.#dummy ??= await hashPassword(randomBytes(16).toString('hex'))
    const right = await verifyPassword(password, row?.password_hash ?? this.#dummy)
    return row !== undefined && right ? { id: row.id, username: row.username, name: row.name } : undefined
  }

  /** Begins a session for `user` and returns the cookie value to hand to the browser. */
  startSession(user: AppUser): string {
    const value = randomBytes(32).toString('base64url')
    const now = this.#now()
    this.#db.prepare('DELETE FROM app_sessions WHERE expires_at <= ?').run(now)
    this.#db
      .prepare('INSERT INTO app_sessions (id_hash, user_id, auth_time, expires_at) VALUES (?, ?, ?, ?)')
      .run(sha256(value), user.id, now, now + APP_SESSION_SECONDS)
    return value
  }

  /** The live session behind this cookie value, or `undefined`. */
  session(cookieValue: string | undefined): AppSession | undefined {
    if (cookieValue === undefined || !/^[A-Za-z0-9_-]{43}$/.test(cookieValue)) return undefined
    const row = this.#db
      .prepare(
        `SELECT u.id, u.username, u.name, s.auth_time FROM app_sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id_hash = ? AND s.expires_at > ?`,
      )
      .get(sha256(cookieValue), this.#now()) as { id: string; username: string; name: string; auth_time: number } | undefined
    return row === undefined ? undefined : { user: { id: row.id, username: row.username, name: row.name }, authTime: row.auth_time }
  }

  /** Ends the session behind this cookie value (logout). */
  endSession(cookieValue: string | undefined): void {
    if (cookieValue !== undefined) this.#db.prepare('DELETE FROM app_sessions WHERE id_hash = ?').run(sha256(cookieValue))
  }
}

/** `scrypt$<salt>$<key>`, base64url, with a random 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt)
  return `scrypt$${salt.toString('base64url')}$${key.toString('base64url')}`
}

/** Whether `password` matches a {@link hashPassword} hash, compared in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, key] = stored.split('$')
  if (scheme !== 'scrypt' || salt === undefined || key === undefined) return false
  const expected = Buffer.from(key, 'base64url')
  const actual = await derive(password, Buffer.from(salt, 'base64url'))
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, SCRYPT, (error, key) => (error === null ? resolve(key) : reject(error)))
  })
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}
