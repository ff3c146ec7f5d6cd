/**
 * The re-authentication marks of the login page's form action (OpenID Connect Core section 3.1.2.1,
 * `prompt=login` and `max_age` through a host's login page): made and read under a server key in the
 * record store; a mark with another moment, another request's parameters, another key, a wrong shape,
 * or older than an hour is no mark.
 */
import { describe, expect, it } from 'vitest'
import { demandsReauthentication, ReauthenticationMarks } from '../../../src/sessions/reauthentication.ts'
import { readAuthorizationParameters } from '../../../src/sessions/authorization-parameters.ts'
import { LocalRecordStore } from '../../../src/stores/memory-record-store.ts'
import { ServerKey } from '../../../src/web/server-key.ts'

const T = 1_767_225_600
const BINDING = 'client\0https://rp.example/cb\0code\0openid\0state-1\0challenge\0S256\0nonce\0login'

function marks(now: () => number, records = new LocalRecordStore()): ReauthenticationMarks {
  return new ReauthenticationMarks(new ServerKey(records, 'reauth'), now)
}

describe('ReauthenticationMarks', () => {
  it('reads back the moment of a mark it made for the same request, for an hour', async () => {
    let now = T
    const subject = marks(() => now)
    const mark = await subject.make(BINDING, T)
    expect(mark).toMatch(new RegExp(`^${T}\\.[A-Za-z0-9_-]{43}$`))
    expect(await subject.read(mark, BINDING)).toBe(T)
    now = T + 3600
    expect(await subject.read(mark, BINDING)).toBe(T)
    now = T + 3601
    expect(await subject.read(mark, BINDING)).toBeUndefined()
  })

  it('no mark: another moment, another request, a changed MAC, a wrong shape, a moment far ahead', async () => {
    const subject = marks(() => T)
    const mark = await subject.make(BINDING, T)
    const mac = mark.split('.')[1] ?? ''
    expect(await subject.read(`${T - 600}.${mac}`, BINDING)).toBeUndefined()
    expect(await subject.read(mark, BINDING.replace('state-1', 'state-2'))).toBeUndefined()
    expect(await subject.read(`${T}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, BINDING)).toBeUndefined()
    for (const value of [undefined, '', `${T}`, `${T}.${mac}.x`, `-1.${mac}`, `${T} .${mac}`]) {
      expect(await subject.read(value, BINDING)).toBeUndefined()
    }
    expect(await subject.read(await subject.make(BINDING, T + 61), BINDING)).toBeUndefined()
  })

  it('another store (another server key) does not accept the mark; the same store in another process does', async () => {
    const records = new LocalRecordStore()
    const mark = await marks(() => T, records).make(BINDING, T)
    expect(await marks(() => T).read(mark, BINDING)).toBeUndefined()
    expect(await marks(() => T, records).read(mark, BINDING)).toBe(T)
  })
})

describe('demandsReauthentication', () => {
  it('prompt=login, prompt=select_account and max_age demand it; consent, none and nothing do not', () => {
    const demands = (params: Record<string, string>) => demandsReauthentication(readAuthorizationParameters((name) => params[name]))
    expect(demands({ prompt: 'login' })).toBe(true)
    expect(demands({ prompt: 'select_account consent' })).toBe(true)
    expect(demands({ max_age: '0' })).toBe(true)
    expect(demands({ prompt: 'consent' })).toBe(false)
    expect(demands({ prompt: 'none' })).toBe(false)
    expect(demands({})).toBe(false)
  })
})
