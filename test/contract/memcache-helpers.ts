/**
 * Test helpers for the memcached store: a unique key prefix per test file, and memcached's text protocol
 * for what memjs cannot do: read an item's remaining time to live (`mg <key> t`), list the keys under a
 * prefix (`lru_crawler metadump hash`) and delete them afterwards (never `flush_all`: other suites share
 * the server).
 */
import { connect } from 'node:net'

/** Where the test memcached runs (`TEST_MEMCACHED_SERVERS`); CI (.ci/run) starts it on the default port. */
export const MEMCACHED_SERVERS: string = process.env['TEST_MEMCACHED_SERVERS'] ?? '127.0.0.1:11211'

const [HOST = '127.0.0.1', PORT = '11211'] = (MEMCACHED_SERVERS.split(',')[0] ?? '').split(':')

/** The first server as a URL, for `probeService`. */
export const MEMCACHED_URL: string = `memcached://${HOST}:${PORT}`

/** A key prefix no other test run uses. */
export function uniquePrefix(name: string): string {
  return `oauth2-test:${name}:${process.pid}:${Date.now().toString(36)}:`
}

/** Sends text-protocol commands on a fresh connection and resolves the reply once `complete` says so. */
function text(commands: string, complete: (reply: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(PORT), HOST)
    let reply = ''
    socket.setTimeout(5_000, () => socket.destroy(new Error('memcached text command timed out')))
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1')
      if (complete(reply)) {
        socket.end('quit\r\n')
        resolve(reply)
      }
    })
    socket.on('error', reject)
    socket.write(commands)
  })
}

/** Seconds an item has left (-1: no expiry), or `undefined` when there is no such item. */
export async function ttlOf(key: string): Promise<number | undefined> {
  const reply = await text(`mg ${key} t\r\n`, (r) => r.endsWith('\r\n'))
  if (reply.startsWith('EN')) return undefined
  const match = /^HD t(-?\d+)/.exec(reply)
  if (match?.[1] === undefined) throw new Error(`unexpected mg reply: ${reply}`)
  return Number(match[1])
}

/** Every key under `prefix` that memcached holds. */
export async function keysByPrefix(prefix: string): Promise<string[]> {
  let reply = ''
  // One crawl runs at a time per server: another test file's cleanup answers BUSY; try again shortly.
  for (let attempt = 0; attempt < 50 && !reply.endsWith('END\r\n'); attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50))
    reply = await text(
      'lru_crawler metadump hash\r\n',
      (r) => r.endsWith('END\r\n') || /^(ERROR|BUSY|CLIENT_ERROR|SERVER_ERROR)[^\n]*\n$/.test(r),
    )
  }
  if (!reply.endsWith('END\r\n')) throw new Error(`lru_crawler metadump failed: ${reply.slice(0, 100)}`)
  // Each key is on a line of its own ending in a bare LF; the final END in CRLF.
  return reply
    .split(/\r?\n/)
    .map((line) => /^key=(\S+)/.exec(line)?.[1])
    .filter((key): key is string => key !== undefined)
    .map((key) => decodeURIComponent(key))
    .filter((key) => key.startsWith(prefix))
}

/** Deletes every key under `prefix`; resolves how many there were. */
export async function deleteByPrefix(prefix: string): Promise<number> {
  const keys = await keysByPrefix(prefix)
  if (keys.length === 0) return 0
  const replies = keys.length
  await text(keys.map((key) => `delete ${key}\r\n`).join(''), (r) => r.split('\r\n').length > replies)
  return keys.length
}
