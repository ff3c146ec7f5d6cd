/**
 * Two fields every audit event carries, made without the slow built-ins: `time` is exactly what
 * `Date.prototype.toISOString` writes for the controller's clock (whole seconds formatted once, the
 * milliseconds from a table), and a generated `requestId` is a random version 4 UUID (RFC 9562 section 5.4).
 */
import { describe, expect, it } from 'vitest'
import { AuthorizationController } from '../../../src/controller.ts'
import type { AuditEvent } from '../../../src/events/types.ts'
import { randomUuid } from '../../../src/events/random-uuid.ts'
import { ClientCredentialsGrant } from '../../../src/grants/client-credentials.ts'
import { LocalClientStore } from '../../../src/stores/memory-client-store.ts'
import { LocalTokenStore } from '../../../src/stores/memory-token-store.ts'
import { Request } from '../../../src/web/request.ts'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

describe('audit event time', () => {
  it('is toISOString of the clock, across milliseconds, seconds, fractions and extended years', async () => {
    let clock = 0
    const events: AuditEvent[] = []
    const clients = new LocalClientStore()
    await clients.addClient({ clientId: 'c', clientSecret: 'a-secret-long-enough-0123456789', redirectUris: [] })
    const tokens = new LocalTokenStore()
    const controller = new AuthorizationController({
      issuer: 'http://127.0.0.1',
      accessTokenStore: tokens,
      authCodeStore: tokens,
      clientStore: clients,
      clock: () => clock,
      onEvent: (event) => void events.push(event),
    })
    controller.addGrant(new ClientCredentialsGrant())
    const body = 'grant_type=client_credentials&client_id=c&client_secret=a-secret-long-enough-0123456789'
    // Same millisecond twice, the next one, a second's last and the next second's first, a fraction, a
    // time before 1970, the last millisecond of a day and of a year, and a year past 9999 (`+010000-…`).
    const clocks = [
      1_780_000_000_000, 1_780_000_000_000, 1_780_000_000_001, 1_780_000_000_999, 1_780_000_001_000, 1_780_000_001_042.75, -1_500,
      1_780_012_799_999, 1_798_761_599_999, 253_402_300_800_123,
    ]
    for (const at of clocks) {
      clock = at
      const response = await controller.dispatch(new Request({ method: 'POST', path: '/token', headers: FORM, body }), undefined)
      expect(response.statusCode).toBe(200)
    }
    await flush()
    expect(events.map((event) => event.time)).toEqual(clocks.map((at) => new Date(at).toISOString()))
  })
})

describe('generated request ids', () => {
  it('are version 4 UUIDs, lower case, all different, across refills of the random bytes', () => {
    const ids = Array.from({ length: 1000 }, () => randomUuid())
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(new Set(ids).size).toBe(ids.length)
    // Every hex digit appears in every random position over 1000 ids (the table covers every byte).
    const digits = new Set(ids.flatMap((id) => [...id.replaceAll('-', '')]))
    expect(digits.size).toBe(16)
  })
})
