/**
 * Which login sessions follow the host application's user (`SiteAdapter.currentUser`), over real HTTP
 * with the split site adapter: a session `currentUser` seeded ends when the host has no user any more; a
 * session the core's own login page began is never asked about.
 */
import { describe, expect, it } from 'vitest'
import { stageOf } from '../helpers/cookie-jar.ts'
import { ALICE, SESSION_COOKIE, useSessionServer } from '../helpers/session-server.ts'

const h = useSessionServer()
const { url, authorize, codeRecord } = h

describe('sessions seeded by the host follow it; the core’s own do not', () => {
  it('the host signs out: its session ends (login page); a session the core’s own sign-in began stays, whoever the host names', async () => {
    h.hostAuthTime = h.server.clock.seconds - 30
    h.jar.set('host_user', 'bob')
    const seeded = await authorize(url())
    expect(seeded.pages).toEqual(['consent'])
    expect((await codeRecord(seeded.result))?.userId).toBe('bob')

    // The host's user signed out: the core's session for bob no longer answers.
    h.jar.delete('host_user')
    const page = await h.jar.fetch(url())
    expect(stageOf(page)).toBe('login')
    expect(page.setCookies.some((line) => line.startsWith(`${SESSION_COOKIE}=;`) && /max-age=0/i.test(line))).toBe(true)

    // Alice signs in on the core's own login page: that session is the core's, whatever the host says.
    const own = await h.jar.submit(page, url(), { action: 'approve', ...ALICE })
    expect(stageOf(own)).toBe('consent')
    await h.jar.submit(own, url(), { action: 'approve' })
    h.jar.set('host_user', 'bob')
    const again = await authorize(url())
    expect(again.pages).toEqual([])
    expect((await codeRecord(again.result))?.userId).toBe('alice')
  })
})
