/**
 * The Redis store on Redis Cluster: three `redis-server` nodes started here (cluster mode, no
 * persistence, loopback only) in a temporary directory, joined by `redis-cli --cluster create`, then the
 * store contract and the record contract through an ioredis `Cluster` client, and a check that families
 * spread over the nodes (the store shards). The nodes are stopped by PID and the directory removed.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../../src/stores/redis.ts'
import type { AccessToken, RefreshToken } from '../../src/types.ts'
import { describeRecordStoreContract } from './record-contract.ts'
import { describeStoreContract, FakeClock } from './store-contract.ts'

const run = promisify(execFile)

/** Whether a TCP port on 127.0.0.1 is free to listen on. */
async function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** Three ports whose cluster bus ports (port + 10000) are free too. */
async function ports(): Promise<number[]> {
  const found: number[] = []
  while (found.length < 3) {
    const port = 20_000 + Math.floor(Math.random() * 30_000)
    if (!found.includes(port) && (await free(port)) && (await free(port + 10_000))) found.push(port)
  }
  return found
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`Redis Cluster: ${what} within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('RedisStore on a three-node Redis Cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oauth2-redis-cluster-'))
  const nodes: ChildProcess[] = []
  let nodePorts: number[] = []
  let cluster: Cluster
  let tests = 0

  beforeAll(async () => {
    nodePorts = await ports()
    for (const port of nodePorts) {
      const args = ['--port', String(port), '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)]
      args.push('--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--daemonize', 'no', '--dir', dir)
      nodes.push(spawn('redis-server', args, { stdio: 'ignore' }))
    }
    for (const port of nodePorts)
      await until(async () => (await run('redis-cli', ['-p', String(port), 'ping'])).stdout.trim() === 'PONG', `node ${port} up`)
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodePorts.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ])
    for (const port of nodePorts) {
      await until(
        async () => (await run('redis-cli', ['-p', String(port), 'cluster', 'info'])).stdout.includes('cluster_state:ok'),
        `cluster_state:ok on ${port}`,
      )
    }
    cluster = new Cluster(nodePorts.map((port) => ({ host: '127.0.0.1', port })))
    await new Promise<void>((resolve, reject) => cluster.once('ready', resolve).once('error', reject))
  }, 45_000)

  afterAll(async () => {
    await cluster?.quit().catch(() => cluster.disconnect())
    for (const node of nodes) {
      if (node.pid !== undefined && node.exitCode === null) {
        const exited = new Promise((resolve) => node.once('exit', resolve))
        process.kill(node.pid, 'SIGTERM')
        await exited
      }
    }
    rmSync(dir, { recursive: true, force: true })
  })

  const open = (clock: FakeClock): RedisStore => new RedisStore({ client: cluster, prefix: `oauth2:${++tests}:`, clock: clock.now })

  describeStoreContract('Redis Cluster (ioredis)', async () => {
    const clock = new FakeClock()
    const store = open(clock)
    return { clientStore: store, tokenStore: store, clock, close: () => store.close() }
  })

  describeRecordStoreContract('Redis Cluster (ioredis)', async () => {
    const clock = new FakeClock()
    return { recordStore: open(clock), clock, close: async () => {} }
  })

  it('spreads token families over the nodes, and revokes each within its own slot', async () => {
    const clock = new FakeClock()
    const store = open(clock)
    const now = Math.floor(clock.now() / 1000)
    const families = Array.from({ length: 30 }, (_, i) => `spread-${i}`)
    for (const family of families) {
      const common = { clientId: 'abc', userId: 'u1', data: {}, scopes: ['read'], familyId: family, issuedAt: now }
      const access: AccessToken = {
        ...common,
        tokenHash: `${family}-a`,
        grantType: 'authorization_code',
        expiresAt: now + 3_600,
        sealed: undefined,
        uniqueKey: undefined,
        refreshTokenHash: `${family}-r`,
      }
      const refresh: RefreshToken = {
        ...common,
        tokenHash: `${family}-r`,
        expiresAt: now + 86_400,
        rotatedAt: undefined,
        graceUsed: false,
        successorHash: undefined,
        accessTokenHash: `${family}-a`,
      }
      expect(await store.saveToken(access, refresh)).toBe(true)
    }
    const perNode = await Promise.all(
      nodePorts.map(async (port) => {
        const node = new Redis({ host: '127.0.0.1', port })
        try {
          return (await node.keys('oauth2:*fam{spread-*')).length
        } finally {
          node.disconnect()
        }
      }),
    )
    expect(perNode.filter((count) => count > 0).length).toBeGreaterThanOrEqual(2)
    expect(perNode.reduce((a, b) => a + b)).toBe(families.length * 3)
    for (const family of families) await store.revokeFamily(family)
    for (const family of families) {
      expect(await store.fetchByToken(`${family}-a`)).toBeUndefined()
      expect(await store.fetchByRefreshToken(`${family}-r`)).toBeUndefined()
    }
  })
})
