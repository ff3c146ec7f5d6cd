/**
 * `oauth2-stack token revoke` with a token that begins with `-`: base64url tokens do, one in 64 of the
 * default ones, and the command line must still take it as the token (not as an unknown option).
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/stores/from-url.ts'
import { hashToken } from '../../src/tokens/hash.ts'
import { NO_USER_DATA, type AccessToken } from '../../src/types.ts'
import { runCli, tempDir } from './run-cli.ts'

const SLOW = 60_000
const dir = tempDir()
const store = `sqlite:${join(dir.path, 'dashed.db')}`
const tokens = ['-pA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWxYz0123', '--A1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWxYz01234']

beforeAll(async () => {
  const opened = await openStore(store, { migrate: true })
  const now = Math.floor(Date.now() / 1000)
  for (const token of tokens) {
    const record: AccessToken = {
      tokenHash: hashToken(token),
      clientId: 'abc',
      grantType: 'client_credentials',
      userId: undefined,
      data: NO_USER_DATA,
      scopes: ['read'],
      familyId: undefined,
      issuedAt: now,
      expiresAt: now + 3600,
      sealed: undefined,
      uniqueKey: undefined,
      refreshTokenHash: undefined,
    }
    await opened.tokenStore.saveToken(record)
  }
  await opened.close()
})
afterAll(() => dir.remove())

describe('token revoke with a token that begins with -', () => {
  it(
    'takes it as the token, before or after the options',
    async () => {
      const result = await runCli(['token', 'revoke', tokens[0] as string, '--store', store])
      expect(result).toMatchObject({ code: 0, stdout: 'Revoked an access token of client abc.\n', stderr: '' })
      const again = await runCli(['token', 'revoke', '--store', store, tokens[0] as string])
      expect(again.code, again.stderr).toBe(1)
    },
    SLOW,
  )

  it(
    'takes the token after an explicit --, even one that begins with --',
    async () => {
      const result = await runCli(['token', 'revoke', '--store', store, '--', tokens[1] as string])
      expect(result).toMatchObject({ code: 0, stdout: 'Revoked an access token of client abc.\n', stderr: '' })
    },
    SLOW,
  )

  it(
    'still refuses a short unknown option as wrong usage (exit 2)',
    async () => {
      const result = await runCli(['token', 'revoke', '--sotre', store, 'x'])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('unknown option --sotre')
    },
    SLOW,
  )
})
