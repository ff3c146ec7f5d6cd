/**
 * A key rotation seen by a second process: this process signs with a `KeySet` over a shared store (SQLite
 * file, Redis), a second OS process — `oauth2-stack keys rotate` — rotates the set, and this process signs
 * with the new key once its refresh interval has passed, never before, with every key it ever signed with
 * still published. Times through this process's injected clock (the start time plus the steps the test takes).
 */
import { join } from 'node:path'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { KEY_SET_KIND, KeySet } from '../../src/keys/key-set.ts'
import { sha256Base64url } from '../../src/internal/crypto.ts'
import { openStore, type OpenedStore } from '../../src/stores/from-url.ts'
import { REDIS_URL } from '../contract/redis-helpers.ts'
import { probeService, whenReachable } from '../contract/services.ts'
import { runCli, tempDir } from '../cli/run-cli.ts'

const SLOW = 120_000
const SECRET = 'second-process-key-secret-0123456789abcdef'
const REFRESH = 30
const dir = tempDir()
afterAll(() => dir.remove())

const backends = [
  { name: 'SQLite file', url: `sqlite:${join(dir.path, 'keys.db')}`, service: undefined },
  { name: 'Redis', url: REDIS_URL, service: await probeService('Redis', REDIS_URL, 6379) },
]

for (const backend of backends) {
  const body = (): void => {
    describe(`a key rotation seen by a second process (${backend.name})`, () => {
      // One issuer per run: the key set's record is keyed by the issuer, so nothing else is touched.
      const issuer = `https://rotation-${process.pid}-${Date.now()}.example`
      let opened: OpenedStore | undefined
      afterAll(async () => {
        await opened?.recordStore.deleteRecord(KEY_SET_KIND, sha256Base64url(issuer))
        await opened?.close()
      })

      it(
        'the other process signs with the rotated-in key within its refresh interval, and publishes every key it signed with',
        async () => {
          opened = await openStore(backend.url, { migrate: true })
          // This process's time stands still but for the test's steps (the child's real time runs on).
          const start = Date.now()
          let offset = 0
          const clock = (): number => start + offset
          const keys = new KeySet({ store: opened.recordStore, issuer, secret: SECRET, clock, refreshSeconds: REFRESH })
          const kidOf = async (n: number): Promise<string | undefined> =>
            decodeProtectedHeader(await keys.sign({ n }, { alg: 'RS256' })).kid
          const before = await keys.sign({ iss: issuer, n: 0 }, { alg: 'RS256' })
          const oldKid = decodeProtectedHeader(before).kid

          // The second OS process: the CLI, against the same store, with the same secret.
          const rotated = await runCli(['keys', 'rotate', '--json', '--issuer', issuer, '--store', backend.url], {
            env: { OAUTH2_STACK_KEY_SECRET: SECRET },
          })
          expect(rotated.code, rotated.stderr).toBe(0)
          const after = JSON.parse(rotated.stdout) as { kid: string; state: string }[]
          const newKid = after.find((key) => key.state === 'current')?.kid
          const newNext = after.find((key) => key.state === 'next')?.kid
          expect(after.find((key) => key.kid === oldKid)?.state).toBe('retiring')

          // Until its refresh interval has passed, this process still signs with the old key (still published) …
          expect(await kidOf(1)).toBe(oldKid)
          offset += (REFRESH - 1) * 1000
          expect(await kidOf(2)).toBe(oldKid)
          // … and within it, with the new one; its JWKS has the new next key too, and the old one still.
          offset += 1000
          expect(await kidOf(3)).toBe(newKid)
          const jwks = await keys.jwks()
          expect(jwks.keys.map((key) => key.kid)).toEqual(expect.arrayContaining([oldKid, newKid, newNext]))
          await expect(
            jwtVerify(before, createLocalJWKSet({ keys: [...jwks.keys] }), { issuer, currentDate: new Date(clock()) }),
          ).resolves.toBeDefined()
          // A fresh process (a restart) reads the same rotated set at once.
          const restarted = new KeySet({ store: opened.recordStore, issuer, secret: SECRET, clock, refreshSeconds: REFRESH })
          expect(decodeProtectedHeader(await restarted.sign({}, { alg: 'RS256' })).kid).toBe(newKid)
        },
        SLOW,
      )
    })
  }
  if (backend.service === undefined) body()
  else whenReachable(backend.service, body)
}
