/**
 * A {@link SessionEnder} for the logout tests: login sessions in memory, found by a `test_session`
 * cookie. The real one is the sessions feature's (src/sessions/).
 */
import { randomUUID } from 'node:crypto'
import type { LoginSessionInfo, SessionEnder } from '../../src/logout/session-ender.ts'
import type { Request } from '../../src/web/request.ts'

export class TestSessions implements SessionEnder {
  readonly sessions = new Map<string, LoginSessionInfo>()
  /** The sessions ended, in order. */
  readonly ended: string[] = []

  /** Opens a session and returns the `Cookie` header a browser would send. */
  open(userId: string, clientIds: readonly string[]): { sessionId: string; cookie: string } {
    const sessionId = randomUUID()
    this.sessions.set(sessionId, { sessionId, userId, clientIds })
    return { sessionId, cookie: `test_session=${sessionId}` }
  }

  async current(request: Request): Promise<LoginSessionInfo | undefined> {
    const id = request.cookie('test_session')
    return id === undefined ? undefined : this.sessions.get(id)
  }

  async end(_request: Request, _environ: unknown, sessionId: string): Promise<readonly string[]> {
    this.sessions.delete(sessionId)
    this.ended.push(sessionId)
    return ['test_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0']
  }
}
